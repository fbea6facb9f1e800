namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// <c>Smirnov</c>'s summation band for large n, pinned bit for bit: the ternary search for the mode and the log-term that places
/// the band decide where the running log binomial is re-anchored, which moves the sum by about 4e-11 relative at n = 10⁵–10⁶
/// (inside the algorithm's own rounding, far inside any tolerance against scipy). These are this implementation's own values,
/// not a reference: a change to how the band is found shows here first, and must then say why the new rounding is as good.
/// Inputs from the survivors' triage, where a mutant of the band search differed from the original on a 4,167-input grid.
/// </summary>
public sealed class SmirnovRoundingPinTests
{
    [Theory]
    [InlineData(1_000_000L, 0.002, 0.0003350138549732475)]          // d + v/n in the log-term (→ d − v/n)
    [InlineData(100_000L, 0.02529822128134703, 2.484248357680908E-56)] // (n − v) in the log-term (→ n + v)
    [InlineData(1_000_000L, 0.005, 1.9218187724319838E-22)]          // the ternary search's thirds (→ (hi − lo)·3)
    public void GivenALargeSample_ThenTheOneSidedTailIsThisImplementationsValueBitForBit(long n, double d, double expected) =>
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(DistributionKolmogorov.Smirnov(n, d)));
}
