namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>PSI from counts refuses an invalid floor by name; quantile edges of a single value; count totals beyond long refused.</summary>
public class PopulationStabilityBranchTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void GivenCountsAndAFloorOutsideTheOpenUnitInterval_ThenTheFloorIsRefused(double floor)
    {
        Assert.Throws<ArgumentException>("floor", () => PopulationStability.Index([1L, 2], [2L, 1], floor));
    }

    [Fact]
    public void GivenASingleValue_ThenEveryQuantileEdgeIsThatValue()
    {
        // n = 1: virtual index 0 for every q, previous = next = 0 (numpy.quantile of one value).
        Assert.Equal([5.0], PopulationStability.QuantileEdges([5.0], 4));
    }

    [Fact]
    public void GivenCountsWhoseTotalOverflowsLong_ThenTheyAreRefused()
    {
        Assert.Throws<OverflowException>(() => Guard.Counts([long.MaxValue, 1], "counts", "bins"));
        Assert.Throws<OverflowException>(() => PopulationStability.Index([long.MaxValue, 1], [1L, 1]));
    }
}
