namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// The k-sample Anderson–Darling test refuses a null list of samples by name, and maps its standardized statistic to a
/// p-value as scipy 1.10's <c>anderson_ksamp</c> does at the ends of its table: strictly below the smallest critical value
/// capped at 0.25, strictly above the largest floored at 0.001, and a statistic exactly on either end interpolated.
/// </summary>
public class AndersonDarlingBranchTests
{
    [Fact]
    public void GivenNull_ThenArgumentNullExceptionNamesTheSamples()
    {
        Assert.Throws<ArgumentNullException>("samples", () => AndersonDarling.KSample(null!));
    }

    // Expected: numpy 1.24.2 / scipy 1.10.1 (Debian), exp(polyval(polyfit(critical, log(sig), 2), A2)) at A2 = critical.min()
    // and critical.max(), with critical = b0 + b1/√m + b2/m as in anderson_ksamp.
    [Theory]
    [InlineData(1.0, 0.32500000000000007, 6.546, 0.2457300410993812, 0.0010099737815468836)]
    [InlineData(2.0, 0.44925883860929594, 5.564191013989369, 0.25144183966415673, 0.0009987788144919336)]
    public void GivenAStatisticExactlyOnEitherEndOfTheTable_ThenItIsInterpolatedLikeScipy(double m, double smallest, double largest, double pAtSmallest, double pAtLargest)
    {
        var critical = AndersonDarling.CriticalValues(m);
        Assert.Equal(smallest, critical.Min());
        Assert.Equal(largest, critical.Max());

        var low = AndersonDarling.FromStatistic(smallest, m);
        Assert.Equal("interpolated", low.Method);
        Assert.Equal(pAtSmallest, low.PValue, 1e-12);
        var high = AndersonDarling.FromStatistic(largest, m);
        Assert.Equal("interpolated", high.Method);
        Assert.Equal(pAtLargest, high.PValue, 1e-12);

        Assert.Equal(new TestResult(Math.BitDecrement(smallest), 0.25, "capped at 0.25"), AndersonDarling.FromStatistic(Math.BitDecrement(smallest), m));
        Assert.Equal(new TestResult(Math.BitIncrement(largest), 0.001, "floored at 0.001"), AndersonDarling.FromStatistic(Math.BitIncrement(largest), m));
    }
}
