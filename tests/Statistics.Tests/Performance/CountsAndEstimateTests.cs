namespace Monitoring.Statistics.Tests.Performance;

/// <summary>The small value types every result is made of: confusion margins, their sum, and an interval's closed ends.</summary>
public class CountsAndEstimateTests
{
    [Fact]
    public void GivenConfusionCounts_ThenEachMarginAddsItsTwoCellsAndSumsAddCellByCell()
    {
        var c = new ConfusionCounts(1, 20, 300, 4000);     // TP, FP, TN, FN
        Assert.Equal(4321, c.N);
        Assert.Equal(4001, c.Positives);
        Assert.Equal(320, c.Negatives);
        Assert.Equal(21, c.PredictedPositives);
        Assert.Equal(4300, c.PredictedNegatives);
        Assert.Equal(new ConfusionCounts(3, 40, 600, 8000), c + new ConfusionCounts(2, 20, 300, 4000));
    }

    [Fact]
    public void GivenAnEstimate_ThenItContainsBothEndsAndNothingOutside()
    {
        var e = new Estimate(0.5, 0.25, 0.75, 0.95);
        Assert.True(e.Contains(0.25));
        Assert.True(e.Contains(0.75));
        Assert.True(e.Contains(0.5));
        Assert.False(e.Contains(0.2499));
        Assert.False(e.Contains(0.7501));
    }

    [Fact]
    public void GivenASortedSample_ThenItHoldsItsValuesInOrderAndRefusesNone()
    {
        var s = SortedSample.Of([3.0, 1, 2]);
        Assert.Equal(3, s.Count);
        Assert.Equal([1.0, 2, 3], s.Values);
        Assert.Equal("values", Assert.ThrowsAny<ArgumentException>(() => SortedSample.Of([])).ParamName);
    }
}
