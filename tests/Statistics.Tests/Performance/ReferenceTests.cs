using static Monitoring.Statistics.Tests.Performance.PerformanceReference;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>Every kernel against scipy 1.10 / scikit-learn 1.2 on the breast-cancer data (see reference/performance_README.md).</summary>
public class ReferenceTests
{
    [Fact]
    public void ConfusionAndWilsonIntervalsMatchSklearnAndScipy()
    {
        foreach (var c in Json.P("confusion").EnumerateArray())
        {
            var counts = Classification.Confusion(CurrentScores, CurrentLabels, c.D("threshold"));
            Assert.Equal(new ConfusionCounts(c.L("tp"), c.L("fp"), c.L("tn"), c.L("fn")), counts);
            AssertWilson(c.P("sensitivity"), Classification.Sensitivity(counts));
            AssertWilson(c.P("specificity"), Classification.Specificity(counts));
            AssertWilson(c.P("ppv"), Classification.Ppv(counts));
            AssertWilson(c.P("npv"), Classification.Npv(counts));
            AssertWilson(c.P("sensitivity90"), Classification.Sensitivity(counts, 0.90));
        }
    }

    [Fact]
    public void WilsonMatchesScipyBinomtestIncludingBoundaries()
    {
        foreach (var w in Json.P("wilson_extra").EnumerateArray())
        {
            AssertWilson(w, Proportions.Wilson(w.L("k"), w.L("n"), w.D("level")));
        }
    }

    [Fact]
    public void DeLongAurocMatchesSklearnAndDirectDeLongVariance()
    {
        foreach (var a in Json.P("auroc").EnumerateArray())
        {
            var name = a.P("name").GetString();
            var r = Auroc.DeLong(a.P("scores").Doubles(), a.P("labels").Bools(), a.D("level"));
            Close.Equal(a.D("auc_sklearn"), r.Auc, Close.Statistic, $"{name} AUC");
            Close.Equal(a.D("variance"), r.Variance, Close.Statistic, $"{name} variance");
            Close.Equal(a.D("lower"), r.Interval.Lower, Close.Statistic, $"{name} lower");
            Close.Equal(a.D("upper"), r.Interval.Upper, Close.Statistic, $"{name} upper");
        }
    }

    [Fact]
    public void AurocComparisonMatchesNormalTest()
    {
        var cur = Auroc.DeLong(CurrentScores, CurrentLabels);
        var refr = Auroc.DeLong(ReferenceScores, ReferenceLabels);
        var e = Json.P("auroc_compare");
        var lower = Auroc.CompareWithReference(cur, refr);
        var two = Auroc.CompareWithReference(cur, refr, AurocAlternative.TwoSided);
        Close.Equal(e.D("z"), lower.Statistic, Close.Statistic, "z");
        Close.Equal(e.D("p_current_lower"), lower.PValue, Close.PValue, "one-sided p");
        Close.Equal(e.D("p_two_sided"), two.PValue, Close.PValue, "two-sided p");
    }

    [Fact]
    public void BrierLogLossAndEceMatchSklearn()
    {
        var c = Json.P("calibration");
        Close.Equal(c.D("brier"), Calibration.Brier(CurrentScores, CurrentLabels), Close.Statistic, "brier");
        Close.Equal(c.D("log_loss"), Calibration.LogLoss(CurrentScores, CurrentLabels), Close.Statistic, "log loss");
        Close.Equal(c.D("log_loss_extreme"), Calibration.LogLoss(c.P("extreme_scores").Doubles(), c.P("extreme_labels").Bools()), Close.Statistic, "log loss with 0/1 probabilities");
        Close.Equal(c.D("ece10"), Calibration.ExpectedCalibrationError(CurrentScores, CurrentLabels), Close.Statistic, "ece10");
        Close.Equal(c.D("ece15"), Calibration.ExpectedCalibrationError(CurrentScores, CurrentLabels, 15), Close.Statistic, "ece15");
        Close.Equal(c.D("ece1"), Calibration.ExpectedCalibrationError(CurrentScores, CurrentLabels, 1), Close.Statistic, "ece1");
    }

    [Fact]
    public void IsotonicRegressionMatchesSklearnWithClipping()
    {
        var iso = IsotonicRegression.Fit(ReferenceScores, ReferenceLabels);
        var e = Json.P("isotonic");
        Close.AllEqual(e.P("predict_current").Doubles(), iso.Predict(CurrentScores), Close.Statistic, "current");
        Close.AllEqual(e.P("predict_grid").Doubles(), iso.Predict(e.P("grid").Doubles()), Close.Statistic, "grid");
    }

    [Fact]
    public void WeightedIsotonicRegressionWithTiesMatchesSklearn()
    {
        var e = Json.P("isotonic_weighted");
        var iso = IsotonicRegression.Fit(e.P("x").Doubles(), e.P("y").Doubles(), e.P("w").Doubles());
        Close.AllEqual(e.P("predict").Doubles(), iso.Predict(e.P("query").Doubles()), Close.Statistic, "weighted");
    }

    [Fact]
    public void CbpeMatchesNannyMlFormulas()
    {
        var e = Json.P("cbpe");
        var cbpe = Cbpe.Fit(ReferenceScores, ReferenceLabels);
        var r = cbpe.EstimateFromScores(CurrentScores, e.D("threshold"));
        AssertCbpe(e, r);
        AssertCbpe(e.P("calibrated_only"), Cbpe.Estimate(e.P("calibrated").Doubles(), e.D("threshold")));
    }

    [Fact]
    public void FairnessGapsMatchFairlearnDefinitions()
    {
        var e = Json.P("fairness");
        var groups = Fairness.ByGroup(CurrentScores, CurrentLabels, CurrentGroups, e.D("threshold"));
        foreach (var g in groups)
        {
            var c = e.P("groups").P(g.Group);
            Assert.Equal(new ConfusionCounts(c.L("tp"), c.L("fp"), c.L("tn"), c.L("fn")), g.Counts);
        }

        var all = new FairnessOptions(MinimumCount: 1);
        Close.Equal(e.D("equalized_odds_difference"), Fairness.EqualizedOddsDifference(groups, all).Value!.Value);
        Close.Equal(e.D("demographic_parity_difference"), Fairness.DemographicParityDifference(groups, all).Value!.Value);
        Close.Equal(e.D("disparate_impact_ratio"), Fairness.DisparateImpactRatio(groups, all).Value!.Value);
        Assert.Equal(e.P("worst_sensitivity_group").GetString(), Fairness.WorstGroup(groups, GroupMetric.Sensitivity, all).Group);

        var n = e.P("newcombe_A_minus_C");
        var a = groups.Single(g => g.Group == "A").Counts;
        var cc = groups.Single(g => g.Group == "C").Counts;
        var d = Proportions.NewcombeDifference(a.PredictedPositives, a.N, cc.PredictedPositives, cc.N);
        Close.Equal(n.D("difference"), d.Value);
        Close.Equal(n.D("lower"), d.Lower);
        Close.Equal(n.D("upper"), d.Upper);
    }

    [Fact]
    public void GivenSmallGroups_WhenEqualizedOddsWithDefaultGuard_ThenInsufficientEvidenceNotANumber()
    {
        // Group A has 2 positives and group C 5 negatives in the current split: below the default k = 11.
        var groups = Fairness.ByGroup(CurrentScores, CurrentLabels, CurrentGroups, 0.5);
        var r = Fairness.EqualizedOddsDifference(groups);
        Assert.Equal(EvidenceStatus.InsufficientEvidence, r.Status);
        Assert.Null(r.Value);
        Assert.Equal(["A", "C"], r.GroupsExcluded);
        Assert.NotNull(r.Reason);
    }

    [Fact]
    public void SiegmundApproximationMatchesReferenceFormula()
    {
        foreach (var s in Json.P("siegmund").EnumerateArray())
        {
            Close.Equal(s.D("arl"), RunLength.CusumAverageRunLength(s.D("h"), s.D("k"), s.D("shift")));
        }
    }

    private static void AssertWilson(System.Text.Json.JsonElement expected, Estimate actual)
    {
        Close.Equal(expected.D("value"), actual.Value, Close.Statistic, "value");
        Close.Equal(expected.D("lower"), actual.Lower, Close.Statistic, $"lower k={expected.L("k")} n={expected.L("n")}");
        Close.Equal(expected.D("upper"), actual.Upper, Close.Statistic, $"upper k={expected.L("k")} n={expected.L("n")}");
        Assert.Equal(expected.D("level"), actual.Level);
    }

    private static void AssertCbpe(System.Text.Json.JsonElement e, CbpeResult r)
    {
        Close.Equal(e.D("tp"), r.Confusion.TruePositives, Close.Statistic, "tp");
        Close.Equal(e.D("fp"), r.Confusion.FalsePositives, Close.Statistic, "fp");
        Close.Equal(e.D("tn"), r.Confusion.TrueNegatives, Close.Statistic, "tn");
        Close.Equal(e.D("fn"), r.Confusion.FalseNegatives, Close.Statistic, "fn");
        Close.Equal(e.D("sensitivity"), r.Sensitivity, Close.Statistic, "sensitivity");
        Close.Equal(e.D("specificity"), r.Specificity, Close.Statistic, "specificity");
        Close.Equal(e.D("accuracy"), r.Accuracy, Close.Statistic, "accuracy");
        Close.Equal(e.D("auroc"), r.Auroc, Close.Statistic, "auroc");
    }
}
