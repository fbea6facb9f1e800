namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// <c>Smirnov</c> pinned bit for bit where how the sum is organised shows in the last bits. For large n the ternary search
/// for the mode and the log-term that places the summation band decide where the running log binomial is re-anchored,
/// which moves the sum by about 4e-11 relative at n = 10⁵–10⁶; for small n the four-lane loop, where it stops and where
/// the scalar loop re-anchors the log binomial decide the order of the additions (1–3 ulp). Both are inside the
/// algorithm's own rounding, far inside any tolerance against scipy. These are this implementation's own values, not a
/// reference: the golden replay fixtures and <c>rederive</c> compare recorded p-values with replayed ones, so a change
/// to how the band is found or summed shows here first, and must then say why the new rounding is as good. Inputs from
/// the survivors' triage, where a mutant of the band search or of the loops differed from the original (found by a
/// search over 11,842 inputs comparing the original and each mutant bit for bit; see docs/quality.md). The exact
/// values (Birnbaum–Tingey sum in rational arithmetic, Python <c>fractions</c>) bound how far the pinned ones may be.
/// </summary>
public sealed class SmirnovRoundingPinTests
{
    [Theory]
    [InlineData(1_000_000L, 0.002, 0.0003350138549732475)]          // d + v/n in the log-term (→ d − v/n)
    [InlineData(100_000L, 0.02529822128134703, 2.484248357680908E-56)] // (n − v) in the log-term (→ n + v)
    [InlineData(1_000_000L, 0.005, 1.9218187724319838E-22)]          // the ternary search's thirds (→ (hi − lo)·3)
    [InlineData(403L, 0.3477896854038302, 2.301434285653478E-44)]    // the band's start: log-term −∞ everywhere or only for omevn < 0, the first third lo + (hi + lo)/3, the start search skipped: all start at 0
    [InlineData(4L, 0.05, 0.9421187500000002)]                        // the four-lane loop while next + 3 < nn (one lane group fewer)
    [InlineData(4L, 0.25, 0.5117187500000002)]                        // the four-lane loop's exit on 1 − d − v/n ≤ 0 (→ < 0: a lane of exp(−∞) summed)
    [InlineData(2L, 0.07071067811865475, 0.9242893218813455)]        // the scalar loop's re-anchoring at its first term (→ !=, ||, negated)
    [InlineData(5L, 0.044721359549995794, 0.9467258052499665)]       // the scalar loop's re-anchoring (→ v + next, |, v < start, removed)
    public void GivenASample_ThenTheOneSidedTailIsThisImplementationsValueBitForBit(long n, double d, double expected) =>
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(DistributionKolmogorov.Smirnov(n, d)));

    [Theory]
    [InlineData(403L, 0.3477896854038302, 2.301434285654242e-44, 4e-13)]
    [InlineData(4L, 0.05, 0.94211875, 4e-16)]
    [InlineData(4L, 0.25, 0.51171875, 5e-16)]
    [InlineData(2L, 0.07071067811865475, 0.9242893218813453, 4e-16)]
    [InlineData(5L, 0.044721359549995794, 0.9467258052499661, 5e-16)]
    public void GivenThePinnedInputs_ThenTheValuesAreWithinTheirRoundingOfTheExactSum(long n, double d, double exact, double relative) =>
        Assert.InRange(Math.Abs(DistributionKolmogorov.Smirnov(n, d) - exact) / exact, 0, relative);

    [Theory]
    [InlineData(5L, 0.38850817237221663, 0.340768195038307)]    // Pomeranz: 0.34076819503830746
    [InlineData(10L, 0.2747167632307865, 0.3684340593040567)]   // Pomeranz: 0.3684340593040566
    public void GivenNTimesXSquaredExactlyOnDurbinsBound_ThenTheTailIsDurbinsNotPomeranzs(long n, double x, double durbin)
    {
        // scipy's rule (and ours): n·x² ≤ 0.754693 → Durbin's matrix algorithm, above → Pomeranz. Both are exact algorithms,
        // so on the bound itself they differ only in rounding; found by searching the doubles around √(0.754693 / n).
        Assert.Equal(0.754693, n * x * x);
        Assert.Equal(BitConverter.DoubleToInt64Bits(durbin), BitConverter.DoubleToInt64Bits(DistributionKolmogorov.KolmogornSf(n, x)));
    }

    [Fact]
    public void GivenAColdOrAWarmProcess_ThenTheFourLaneSumIsTheSameDouble()
    {
        // Vector256.Log/Exp fuse multiply-adds only in optimized code: before Smirnov was compiled optimized on its first call,
        // the first calls of a process (Tier 0) returned 4.601078385202008E-21 here and later ones …007, so a replay's p-values
        // depended on how warm its process was. Every call below must give the optimized value.
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(4.601078385202007E-21), BitConverter.DoubleToInt64Bits(DistributionKolmogorov.Smirnov(23, 0.8695652173913042)));
        }

        Assert.True(typeof(DistributionKolmogorov).GetMethod(nameof(DistributionKolmogorov.Smirnov))!.MethodImplementationFlags
            .HasFlag(System.Reflection.MethodImplAttributes.AggressiveOptimization));
    }

    [Fact]
    public void GivenTheLargestSampleForDurbin_ThenTheTailIsDurbinsAsInScipy()
    {
        // n = 100,000 is the last size scipy's kolmogn hands to Durbin's matrix algorithm (n x^1.5 ≤ 1.4); Pelz–Good's
        // series gives 0.9999999999999986 here. Expected: scipy 1.10.1 (Debian), kstwo.sf(x, 100000), bit for bit.
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.9999999999999984), BitConverter.DoubleToInt64Bits(DistributionKolmogorov.KolmogornSf(100_000, 0.0005777412733563685)));
    }
}
