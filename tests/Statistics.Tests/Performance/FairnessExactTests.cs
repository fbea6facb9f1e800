namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Fairness results field by field: which fraction each metric is, which group is worst (ties to the first name in ordinal
/// order), when evidence is insufficient and what the reason says, how the two-group Newcombe interval is folded onto |d|,
/// and pinned bootstrap intervals (this implementation, seeded; their bounds and order-independence are property-tested).
/// </summary>
public class FairnessExactTests
{
    private static readonly IEqualityComparer<Estimate> EstimateComparer = EqualityComparer<Estimate>.Create(
        (a, b) => a is not null && b is not null && Math.Abs(a.Value - b.Value) < 1e-12 && Math.Abs(a.Lower - b.Lower) < 1e-12
            && Math.Abs(a.Upper - b.Upper) < 1e-12 && a.Level == b.Level);

    private static readonly ConfusionCounts Counts = new(30, 10, 50, 20);    // TP, FP, TN, FN

    [Theory]
    [InlineData(GroupMetric.Sensitivity, "sensitivity", 30, 50)]
    [InlineData(GroupMetric.Specificity, "specificity", 50, 60)]
    [InlineData(GroupMetric.FalsePositiveRate, "false_positive_rate", 10, 60)]
    [InlineData(GroupMetric.Ppv, "ppv", 30, 40)]
    [InlineData(GroupMetric.Npv, "npv", 50, 70)]
    [InlineData(GroupMetric.Accuracy, "accuracy", 80, 110)]
    [InlineData(GroupMetric.SelectionRate, "selection_rate", 40, 110)]
    public void GivenAGroup_WhenARateIsTaken_ThenItIsTheMetricsFractionWithAWilsonInterval(GroupMetric metric, string name, long x, long n)
    {
        var r = Fairness.Rate(new GroupPerformance("g", Counts), metric, new FairnessOptions(Level: 0.9));
        Assert.Equal(name, r.Metric);
        Assert.Equal("wilson", r.IntervalMethod);
        Assert.Equal(Proportions.Wilson(x, n, 0.9), r.Value);
        Assert.Equal(["g"], r.GroupsCompared);
        Assert.Empty(r.GroupsExcluded);
        Assert.True(r.IsSufficient);
        Assert.Null(r.Reason);
        Assert.Equal((x, n), Fairness.Fraction(Counts, metric));

        var few = Fairness.Rate(new GroupPerformance("g", Counts), metric, new FairnessOptions(MinimumCount: (int)n + 1));
        Assert.Equal((EvidenceStatus.InsufficientEvidence, (Estimate?)null, ""), (few.Status, few.Value, few.IntervalMethod));
        Assert.False(few.IsSufficient);
        Assert.Equal($"group 'g' has fewer than {n + 1} cases in the denominator of {name}", few.Reason);
        Assert.Equal(["g"], few.GroupsExcluded);
        Assert.Empty(few.GroupsCompared);
        Assert.True(Fairness.Rate(new GroupPerformance("g", Counts), metric, new FairnessOptions(MinimumCount: (int)n)).IsSufficient);
    }

    [Fact]
    public void GivenScoresLabelsAndGroups_WhenSplit_ThenEachGroupHoldsItsOwnConfusionInOrdinalOrder()
    {
        double[] scores = [0.9, 0.5, 0.2, 0.7, 0.4, 0.1, 0.6];
        bool[] labels = [true, false, true, false, true, false, true];
        string[] groups = ["b", "b", "b", "B", "B", "b", "b"];
        var split = Fairness.ByGroup(scores, labels, groups, 0.5);
        Assert.Equal(["B", "b"], split.Select(g => g.Group));
        Assert.Equal(new ConfusionCounts(0, 1, 0, 1), split[0].Counts);   // 0.7 negative predicted positive; 0.4 positive missed
        Assert.Equal(new ConfusionCounts(2, 1, 1, 1), split[1].Counts);   // 0.9, 0.6 hits; 0.5 ≥ threshold: false positive
    }

    [Theory]
    [InlineData(GroupMetric.Sensitivity, "c")]        // 0.60, 0.50 (b), 0.40 (c): lowest is worst
    [InlineData(GroupMetric.FalsePositiveRate, "a")]  // 0.30 (a), 0.20, 0.10: highest is worst
    [InlineData(GroupMetric.SelectionRate, "a")]
    [InlineData(GroupMetric.Specificity, "a")]
    public void GivenThreeGroups_WhenTheWorstIsSought_ThenTheDirectionOfTheMetricDecides(GroupMetric metric, string worst)
    {
        GroupPerformance[] groups =
        [
            new("c", new ConfusionCounts(20, 5, 45, 30)),
            new("a", new ConfusionCounts(30, 15, 35, 20)),
            new("b", new ConfusionCounts(25, 10, 40, 25)),
        ];
        var r = Fairness.WorstGroup(groups, metric);
        Assert.Equal(worst, r.Group);
        Assert.Equal(metric, r.Metric);
        var (x, n) = Fairness.Fraction(groups.Single(g => g.Group == worst).Counts, metric);
        Assert.Equal(Proportions.Wilson(x, n), r.Value);
        Assert.Equal(["c", "a", "b"], r.GroupsCompared);
        Assert.Null(r.Reason);
    }

    [Fact]
    public void GivenTiedGroups_WhenTheWorstIsSought_ThenTheFirstNameWinsAndSmallDenominatorsAreExcluded()
    {
        var same = new ConfusionCounts(10, 10, 10, 10);
        GroupPerformance[] groups = [new("z", same), new("m", same), new("small", new ConfusionCounts(0, 0, 10, 10))];
        var r = Fairness.WorstGroup(groups, GroupMetric.Sensitivity, new FairnessOptions(MinimumCount: 11));
        Assert.Equal("m", r.Group);
        Assert.Equal(["small"], r.GroupsExcluded);
        Assert.Equal("m", Fairness.WorstGroup(groups, GroupMetric.FalsePositiveRate, new FairnessOptions(MinimumCount: 20)).Group);
        var none = Fairness.WorstGroup(groups, GroupMetric.Sensitivity, new FairnessOptions(MinimumCount: 21));
        Assert.Equal((EvidenceStatus.InsufficientEvidence, (string?)null, (Estimate?)null), (none.Status, none.Group, none.Value));
        Assert.Equal("0 group(s) have at least 21 cases in the denominator; a comparison needs at least 1", none.Reason);
        Assert.Equal(["z", "m", "small"], none.GroupsExcluded);
        // A perfect group is never worse than a perfect one: worst value starts at the first group, not at 0.
        GroupPerformance[] perfect = [new("p", new ConfusionCounts(20, 0, 20, 0)), new("q", new ConfusionCounts(20, 0, 20, 0))];
        Assert.Equal("p", Fairness.WorstGroup(perfect, GroupMetric.FalsePositiveRate, new FairnessOptions(MinimumCount: 1)).Group);
    }

    [Fact]
    public void GivenTooFewSufficientGroups_ThenEachGapSaysWhichCountIsShort()
    {
        GroupPerformance[] groups = [new("a", new ConfusionCounts(11, 0, 11, 0)), new("b", new ConfusionCounts(10, 5, 30, 0))];
        var eod = Fairness.EqualizedOddsDifference(groups);
        Assert.Equal("equalized_odds_difference", eod.Metric);
        Assert.Equal("1 group(s) have at least 11 positives and negatives; a comparison needs at least 2", eod.Reason);
        Assert.Equal(["a"], eod.GroupsCompared);
        Assert.Equal(["b"], eod.GroupsExcluded);
        Assert.Null(eod.Value);
        var dpd = Fairness.DemographicParityDifference(groups, new FairnessOptions(MinimumCount: 46));
        Assert.Equal("demographic_parity_difference", dpd.Metric);
        Assert.Equal("0 group(s) have at least 46 cases; a comparison needs at least 2", dpd.Reason);
        Assert.True(Fairness.DemographicParityDifference(groups, new FairnessOptions(MinimumCount: 22)).IsSufficient);
        var dir = Fairness.DisparateImpactRatio(groups, new FairnessOptions(MinimumCount: 23));
        Assert.Equal(("disparate_impact_ratio", "1 group(s) have at least 23 cases; a comparison needs at least 2"), (dir.Metric, dir.Reason));
    }

    [Theory]
    [InlineData(30, 100, 32, 100)]    // d ≈ −0.02, interval straddles 0
    [InlineData(60, 100, 30, 100)]    // d = 0.3 > 0
    [InlineData(20, 100, 55, 100)]    // d = −0.35 < 0
    public void GivenTwoGroups_WhenTheParityGapIsEstimated_ThenTheNewcombeIntervalIsFoldedOntoTheAbsoluteGap(long x1, long n1, long x2, long n2)
    {
        GroupPerformance[] groups = [new("a", new ConfusionCounts(x1, 0, n1 - x1, 0)), new("b", new ConfusionCounts(x2, 0, n2 - x2, 0))];
        var r = Fairness.DemographicParityDifference(groups);
        var d = Proportions.NewcombeDifference(x1, n1, x2, n2);
        Assert.Equal("newcombe", r.IntervalMethod);
        Assert.Equal(Math.Abs((double)x1 / n1 - (double)x2 / n2), r.Value!.Value, 12);
        var (lo, hi) = d.Lower <= 0 && d.Upper >= 0
            ? (0.0, Math.Max(-d.Lower, d.Upper))
            : (Math.Min(Math.Abs(d.Lower), Math.Abs(d.Upper)), Math.Max(Math.Abs(d.Lower), Math.Abs(d.Upper)));
        Assert.Equal((lo, hi), (r.Value.Lower, r.Value.Upper));
        Assert.True(lo <= r.Value.Value && r.Value.Value <= hi);
        if (x1 == 30) Assert.Equal(0.0, lo);
        else Assert.True(lo > 0);
    }

    [Fact]
    public void GivenNoPredictedPositives_WhenTheImpactRatioIsTaken_ThenItIsOne()
    {
        GroupPerformance[] groups = [new("a", new ConfusionCounts(0, 0, 20, 20)), new("b", new ConfusionCounts(0, 0, 30, 10))];
        Assert.Equal(1.0, Fairness.DisparateImpactRatio(groups).Value!.Value);
    }

    [Fact]
    public void GivenThreeGroups_WhenBootstrapped_ThenTheIntervalsAreThePinnedOnes()
    {
        GroupPerformance[] groups =
        [
            new("a", new ConfusionCounts(30, 12, 48, 10)),
            new("b", new ConfusionCounts(22, 20, 40, 18)),
            new("c", new ConfusionCounts(15, 9, 60, 16)),
        ];
        var o = new FairnessOptions(BootstrapResamples: 200, Level: 0.9);
        var eod = Fairness.EqualizedOddsDifference(groups, o);
        var dpd = Fairness.DemographicParityDifference(groups, o);
        var dir = Fairness.DisparateImpactRatio(groups, o);
        Assert.Equal("bootstrap-percentile", eod.IntervalMethod);
        Assert.Equal("bootstrap-percentile", dpd.IntervalMethod);
        Assert.Equal("bootstrap-percentile", dir.IntervalMethod);
        // Point values exact: EOD max(30/40 − 15/31, 20/60 − 9/69), DPD 0.42 − 0.24, DIR 0.24/0.42; intervals pinned (200 seeded resamples).
        Assert.Equal(new Estimate(0.2661290322580645, 0.18793858892530618, 0.45746879248547767, 0.9), eod.Value!, EstimateComparer);
        Assert.Equal(new Estimate(0.18, 0.12949999999999992, 0.3, 0.9), dpd.Value!, EstimateComparer);
        Assert.Equal(new Estimate(0.5714285714285714, 0.3842735042735042, 0.7075067750677506, 0.9), dir.Value!, EstimateComparer);
        Assert.Equal(["a", "b", "c"], dir.GroupsCompared);
    }
}
