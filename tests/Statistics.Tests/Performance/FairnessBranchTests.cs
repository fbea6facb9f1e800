namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Fairness at its branches: each input refusal names its argument (lengths, a null group, null lists, an invalid level even
/// when no interval is computed), the worst group is chosen by its rate x/n, and the equalized-odds bootstrap keeps only
/// replicates in which every group has both classes (otherwise a group's TPR or FPR is 0/0 and the percentile bound NaN).
/// </summary>
public class FairnessBranchTests
{
    private static GroupPerformance G(string name, long tp, long fp, long tn, long fn) => new(name, new ConfusionCounts(tp, fp, tn, fn));

    [Fact]
    public void GivenMoreLabelsThanScores_WhenGrouping_ThenTheLabelsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>("labels", () => Fairness.ByGroup([0.1, 0.9], [true, false, true], ["a", "b"], 0.5));
        Assert.StartsWith("'scores' has 2 values but 'labels' has 3", e.Message);
    }

    [Fact]
    public void GivenNullGroupsOrANullGroup_ThenArgumentNullExceptionNamesThem()
    {
        Assert.Throws<ArgumentNullException>("group", () => Fairness.Rate(null!, GroupMetric.Sensitivity));
        Assert.Throws<ArgumentNullException>("groups", () => Fairness.EqualizedOddsDifference(null!));
        Assert.Throws<ArgumentNullException>("groups", () => Fairness.DemographicParityDifference([G("a", 20, 20, 20, 20), null!]));
    }

    [Fact]
    public void GivenAnInvalidLevelAndTooSmallAGroup_ThenTheLevelIsStillRefused()
    {
        var e = Assert.Throws<ArgumentException>("level", () => Fairness.Rate(G("a", 1, 0, 0, 1), GroupMetric.Sensitivity, new FairnessOptions(Level: 1.5)));
        Assert.StartsWith("'level' is 1.5", e.Message);
    }

    [Fact]
    public void GivenTwoGroups_ThenTheWorstSensitivityIsTheLowerRateNotTheLargerCount()
    {
        // a: 1/2 = 0.5, b: 3/10 = 0.3: b is worse although it has more true positives.
        var r = Fairness.WorstGroup([G("a", 1, 0, 0, 1), G("b", 3, 0, 0, 7)], GroupMetric.Sensitivity, new FairnessOptions(MinimumCount: 1));
        Assert.Equal("b", r.Group);
        Assert.Equal(Proportions.Wilson(3, 10, 0.95), r.Value);
    }

    [Fact]
    public void GivenAGroupWithOnePositiveAndOneNegative_ThenOnlyReplicatesWithBothClassesEnterTheBootstrap()
    {
        // Group a resamples to no positive (or no negative) in a quarter of the replicates each; those must be left out.
        var r = Fairness.EqualizedOddsDifference([G("a", 1, 0, 1, 0), G("b", 6, 4, 6, 4)], new FairnessOptions(MinimumCount: 1, BootstrapResamples: 200));
        Assert.True(r.IsSufficient);
        var v = r.Value!;
        Assert.Equal(0.4, v.Value, 15);
        Assert.True(double.IsFinite(v.Lower) && double.IsFinite(v.Upper), $"interval [{v.Lower}, {v.Upper}]");
        Assert.InRange(v.Lower, 0.0, 1.0);
        Assert.InRange(v.Upper, v.Lower, 1.0);
    }
}
