using static Monitoring.Statistics.Tests.Refusal;

namespace Monitoring.Statistics.Tests;

/// <summary>
/// Every refusal of the library names the input at fault and says why (the message the services pass on as problem details),
/// and every validity boundary is where its documentation puts it: the last invalid value is refused, the first valid one taken.
/// </summary>
public class RefusalTests
{
    private static readonly double[] Some = [0.1, 0.4, 0.35, 0.8];
    private static readonly bool[] Labels = [false, true, false, true];

    [Fact]
    public void GivenBadSamples_WhenGuarded_ThenTheMessageNamesTheSampleTheIndexAndTheMinimum()
    {
        var empty = Refused("x", () => KolmogorovSmirnov.TwoSample([], Some));
        Assert.Contains("at least 1 value(s); got 0", empty.Message, StringComparison.Ordinal);
        var nan = Refused("y", () => KolmogorovSmirnov.TwoSample(Some, [1, double.NaN]));
        Assert.Contains("'y'[1] is NaN", nan.Message, StringComparison.Ordinal);
        Assert.Contains("at least 2 value(s); got 1", Refused("x", () => CramerVonMises.TwoSample([1.0], Some)).Message, StringComparison.Ordinal);
        Refused("y", () => MannWhitney.U(Some, [double.PositiveInfinity]));
        Assert.Contains("'q' is 1.5", Refused("q", () => SketchOf(3).Quantile(1.5)).Message, StringComparison.Ordinal);
        Refused("q", () => SketchOf(3).Quantile(-0.01));
        Refused("q", () => SketchOf(3).Quantile(double.NaN));
        Assert.Equal(1, SketchOf(3).Quantile(0));
        Assert.Equal(3, SketchOf(3).Quantile(1));
        Refused("p[1]", () => MultipleTesting.Holm([0.1, 1.01]));
        Refused("p[0]", () => MultipleTesting.Holm([-0.01]));
        Assert.Equal([0.0, 1.0], MultipleTesting.Holm([0.0, 1.0]));
        Refused("p", () => MultipleTesting.Holm([]), mentions: "at least one p-value");
    }

    [Fact]
    public void GivenBadCounts_WhenGuarded_ThenTheMessageSaysWhatIsWrong()
    {
        Assert.Contains("has no categories", Refused("reference", () => Categorical.GTest([], [])).Message, StringComparison.Ordinal);
        Assert.Contains("'current'[1] is -2", Refused("current", () => Categorical.GTest([1, 2], [1, -2])).Message, StringComparison.Ordinal);
        Assert.Contains("total count of zero", Refused("reference", () => Categorical.ChiSquaredHomogeneity([0, 0], [1, 2])).Message, StringComparison.Ordinal);
        Refused("current", () => Categorical.ChiSquaredHomogeneity([1, 2], [1, 2, 3]), mentions: "'reference' has 2 categories but 'current' has 3");
        Assert.Contains("has no bins", Refused("referenceCounts", () => PopulationStability.Index(ReadOnlySpan<long>.Empty, ReadOnlySpan<long>.Empty)).Message, StringComparison.Ordinal);
        Refused("currentCounts", () => PopulationStability.Index(new long[] { 1, 2 }, new long[] { 1 }), mentions: "1.");
        Assert.Equal(0, PopulationStability.Index(new long[] { 0, 3 }, new long[] { 0, 5 }).Value, 12);
        Refused("a", () => Categorical.FisherExact(-1, 2, 3, 4), mentions: "[[-1, 2], [3, 4]]");
        Refused("b", () => Categorical.FisherExact(1, -2, 3, 4), mentions: "[[1, -2], [3, 4]]");
        Refused("c", () => Categorical.FisherExact(1, 2, -3, 4), mentions: "[[1, 2], [-3, 4]]");
        Refused("d", () => Categorical.FisherExact(1, 2, 3, -4), mentions: "[[1, 2], [3, -4]]");
        Refused("a", () => Categorical.FisherExact(0, 0, 3, 4), mentions: "zero row or column total");
        Refused("a", () => Categorical.FisherExact(1, 2, 0, 0), mentions: "zero row or column total");
        Refused("a", () => Categorical.FisherExact(0, 2, 0, 4), mentions: "zero row or column total");
        Refused("a", () => Categorical.FisherExact(1, 0, 3, 0), mentions: "zero row or column total");
    }

    [Fact]
    public void GivenBadProbabilitiesOrScores_WhenThePerformanceKernelsRun_ThenTheyNameTheInput()
    {
        Refused("labels", () => Calibration.Brier([0.1, 0.2], [true]), mentions: "'scores' has 2 values but 'labels' has 1");
        Refused("probabilities", () => Calibration.Brier([0.1, 1.2], [true, false]), mentions: "'probabilities'[1] is 1.2");
        Refused("probabilities", () => Calibration.Brier([-0.1, 0.2], [true, false]), mentions: "'probabilities'[0] is -0.1");
        Assert.Equal(0, Calibration.Brier([0.0, 1.0], [false, true]));
        Refused("epsilon", () => Calibration.LogLoss([0.5], [true], 0), mentions: "(0, 0.5)");
        Refused("epsilon", () => Calibration.LogLoss([0.5], [true], 0.5));
        Assert.Equal(-Math.Log(0.49), Calibration.LogLoss([0.0], [true], 0.49), 12);
        Refused("bins", () => Calibration.ExpectedCalibrationError([0.5], [true], 0), mentions: "at least 1");
        Assert.Equal(0.5, Calibration.ExpectedCalibrationError([0.5], [true], 1), 12);
        Refused("threshold", () => Classification.Confusion(Some, Labels, double.NaN), mentions: "finite");
        Refused("labels", () => Classification.Confusion([true], [true, false]), mentions: "'predicted' has 1 values but 'labels' has 2");
        Refused("counts", () => Classification.Sensitivity(new ConfusionCounts(0, 3, 4, 0)), mentions: "The sensitivity is undefined: there are no positive cases.");
        Refused("counts", () => Classification.Specificity(new ConfusionCounts(3, 0, 0, 4)), mentions: "The specificity is undefined: there are no negative cases.");
        Refused("counts", () => Classification.Ppv(new ConfusionCounts(0, 0, 3, 4)), mentions: "The PPV is undefined: there are no predicted-positive cases.");
        Refused("counts", () => Classification.Npv(new ConfusionCounts(3, 4, 0, 0)), mentions: "The NPV is undefined: there are no predicted-negative cases.");
        Refused("counts", () => Classification.Accuracy(new ConfusionCounts(0, 0, 0, 0)), mentions: "The accuracy is undefined: there are no cases.");
        Refused("n", () => Proportions.Wilson(0, 0), mentions: "at least one trial");
        Refused("successes", () => Proportions.Wilson(-1, 5), mentions: "[0, 5]");
        Refused("successes", () => Proportions.Wilson(6, 5), mentions: "[0, 5]");
        Assert.Equal(1, Proportions.Wilson(5, 5).Value);
        Assert.Equal(0, Proportions.Wilson(0, 5).Value);
        Refused("level", () => Proportions.Wilson(1, 5, 0), mentions: "strictly between 0 and 1");
        Refused("level", () => Proportions.Wilson(1, 5, 1));
        Refused("threshold", () => Cbpe.Estimate(Some, Some, double.PositiveInfinity), mentions: "finite");
        Refused("calibratedProbabilities", () => Cbpe.Estimate(Some, [0.5], 0.5), mentions: "'scores' has 4 values but 'calibratedProbabilities' has 1");
        Refused("calibratedProbabilities", () => Cbpe.Estimate([1.0, 1.0], 0.5), mentions: "0 expected negatives");
        Refused("referenceLabels", () => Cbpe.Fit(Some, [true, true, true, true]), mentions: "both classes");
        Refused("y", () => IsotonicRegression.Fit([1.0, 2], [1.0]), mentions: "'x' has 2 values but 'y' has 1");
        Refused("weights", () => IsotonicRegression.Fit([1.0, 2], [1.0, 2], [1.0]), mentions: "'weights' has 1 values but 'x' has 2");
        Refused("weights", () => IsotonicRegression.Fit([1.0, 2], [1.0, 2], [1.0, 0]), mentions: "'weights'[1] is 0");
        Refused("weights", () => IsotonicRegression.Fit([1.0, 2], [1.0, 2], [1.0, double.PositiveInfinity]), mentions: "'weights'[1] is");
        var fit = IsotonicRegression.Fit([1.0, 2], [1.0, 2], [1.0, 1e-300]);
        Refused("x", () => fit.Predict(double.NaN), mentions: "finite");
        Refused("destination", () => fit.Predict([1.0, 2.0], new double[1]), mentions: "'destination' has 1 slots but 'x' has 2 values");
        fit.Predict(ReadOnlySpan<double>.Empty, Span<double>.Empty);
    }

    [Fact]
    public void GivenBadFairnessInput_ThenTheMessageNamesTheFieldOrGroup()
    {
        Refused("groups", () => Fairness.ByGroup(Some, Labels, ["a", "b"], 0.5), mentions: "'groups' has 2 values but 'scores' has 4");
        Refused("threshold", () => Fairness.ByGroup(Some, Labels, ["a", "b", "a", "b"], double.NaN), mentions: "finite");
        Refused("groups", () => Fairness.ByGroup(Some, Labels, ["a", null!, "a", "b"], 0.5), mentions: "'groups'[1] is null");
        var counts = new ConfusionCounts(20, 20, 20, 20);
        GroupPerformance[] twice = [new("a", counts), new("a", counts)];
        Refused("groups", () => Fairness.EqualizedOddsDifference(twice), mentions: "Group 'a' appears twice");
        GroupPerformance[] groups = [new("a", counts), new("b", counts)];
        Refused("options", () => Fairness.EqualizedOddsDifference(groups, new FairnessOptions(MinimumCount: 0)), mentions: "'MinimumCount' is 0");
        Refused("options", () => Fairness.EqualizedOddsDifference(groups, new FairnessOptions(BootstrapResamples: 99)), mentions: "'BootstrapResamples' is 99");
        Assert.NotNull(Fairness.EqualizedOddsDifference(groups, new FairnessOptions(MinimumCount: 1, BootstrapResamples: 100)).Value);
        Refused("metric", () => Fairness.Rate(groups[0], (GroupMetric)99), mentions: "'metric' is 99");
        Refused("metric", () => Fairness.WorstGroup(groups, (GroupMetric)99), mentions: "'metric' is 99");
    }

    [Fact]
    public void GivenBadDistributionInput_ThenTheMessageNamesTheSampleOrSetting()
    {
        Refused("samples", () => AndersonDarling.KSample([Some]), mentions: "at least two samples; got 1");
        Refused("samples", () => AndersonDarling.KSample([Some, null!]), mentions: "'samples'[1] is null");
        Refused("samples[1]", () => AndersonDarling.KSample([Some, []]));
        Refused("samples", () => AndersonDarling.KSample([[1.0, 1.0], [1.0]]), mentions: "more than one distinct observation");
        Refused("samples", () => AndersonDarling.KSample([[1.0], [2.0]]), mentions: "too small for the Anderson–Darling variance (N = 2)");
        float[][] ok = [[1f, 2f], [2f, 3f], [3f, 1f]];
        Refused("permutations", () => MaximumMeanDiscrepancy.Test(ok, ok, permutations: 0), mentions: "at least one permutation");
        Refused("maxPerSample", () => MaximumMeanDiscrepancy.Test(ok, ok, maxPerSample: 1), mentions: "at least 2");
        Assert.Equal(2, MaximumMeanDiscrepancy.Test(ok, ok, permutations: 1, maxPerSample: 2).SizeX);
        Refused("y", () => MaximumMeanDiscrepancy.Test(ok, [[1f, 2f]]), mentions: "at least two vectors; got 1");
        Refused("y", () => MaximumMeanDiscrepancy.Test(ok, [[1f, 2f], null!]), mentions: "'y'[1] is null");
        Refused("x", () => MaximumMeanDiscrepancy.Test([[], []], ok), mentions: "'x'[0] has no components");
        Refused("y", () => MaximumMeanDiscrepancy.Test(ok, [[1f, 2f], [1f]]), mentions: "'y'[1] has 1 components; expected 2");
        Refused("y", () => MaximumMeanDiscrepancy.Test(ok, [[1f], [1f]]), mentions: "'y'[0] has 1 components; expected 2");
        Refused("x", () => MaximumMeanDiscrepancy.Test([[1f, 2f], [1f, float.NaN]], ok), mentions: "'x'[1][1] is NaN");
        Refused("bins", () => PopulationStability.Index(Some, Some, bins: 1), mentions: "at least 2 bins");
        Assert.Equal(2, PopulationStability.Index(Some, Some, bins: 2).ReferenceProportions.Length);
        Refused("floor", () => PopulationStability.Index(Some, Some, floor: 0), mentions: "(0, 1)");
        Refused("floor", () => PopulationStability.Index(Some, Some, floor: 1));
        Refused("binning", () => PopulationStability.Index(Some, Some, binning: (PsiBinning)7), mentions: "not a known binning");
        Refused("current", () => PopulationStability.Index(Some, [double.NaN]));
        Refused("logBase", () => Distances.JensenShannon([1.0], [1.0], 1), mentions: "finite, positive and not 1");
        Refused("q", () => Distances.Hellinger([0.5, 0.5], [1.0]), mentions: "'p' has 2 entries but 'q' has 1");
        Refused("p", () => Distances.TotalVariation([-0.1, 1.1], [0.5, 0.5]), mentions: "'p'[0] is -0.1; weights must be non-negative");
        Refused("q", () => Distances.TotalVariation([0.5, 0.5], [0.5, double.NaN]), mentions: "'q'[1] is NaN; every value must be finite");
        Refused("q", () => Distances.TotalVariation([0.5, 0.5], [0.5, double.PositiveInfinity]), mentions: "every value must be finite");
        Refused("p", () => Distances.TotalVariation([0.0, 0.0], [0.5, 0.5]), mentions: "'p' sums to 0; it needs a positive, finite total");
        Refused("p", () => Distances.TotalVariation([double.MaxValue, double.MaxValue], [0.5, 0.5]), mentions: "positive, finite total");
        Refused("p", () => Distances.TotalVariation([], []), mentions: "at least 1 value(s)");
    }

    [Fact]
    public void GivenBadStreamingConfigurationOrState_ThenTheMessageSaysWhatIsWrong()
    {
        Refused("delta", () => new Adwin(delta: 0), mentions: "(0, 1)");
        Refused("delta", () => new Adwin(delta: 1));
        Refused("maxBucketsPerRow", () => new Adwin(maxBucketsPerRow: 1), mentions: "at least 2");
        Refused("clock", () => new Adwin(clock: 0), mentions: "at least 1");
        Refused("minSubWindowLength", () => new Adwin(minSubWindowLength: 0), mentions: "at least 1");
        var adwin = new Adwin(0.5, 2, 1, 1);
        Assert.Equal((0.5, 2, 1, 1), (adwin.Delta, adwin.MaxBucketsPerRow, adwin.Clock, adwin.MinSubWindowLength));
        Refused("x", () => adwin.Add(double.NaN), mentions: "finite");
        foreach (var x in new[] { 1.0, 2, 3, 4, 5 }) adwin.Add(x);
        var s = adwin.Snapshot();
        Refused("state", () => new Adwin(0.4, 2, 1, 1).Restore(s), mentions: "different configuration");
        Refused("state", () => new Adwin(0.5, 3, 1, 1).Restore(s), mentions: "different configuration");
        Refused("state", () => new Adwin(0.5, 2, 2, 1).Restore(s), mentions: "different configuration");
        Refused("state", () => new Adwin(0.5, 2, 1, 2).Restore(s), mentions: "different configuration");
        Refused("state", () => adwin.Restore(s with { RowVariances = s.RowVariances.Skip(1).ToArray() }), mentions: "inconsistent histogram");
        Refused("state", () => adwin.Restore(s with { RowTotals = new double[65][], RowVariances = new double[65][] }), mentions: "inconsistent histogram");
        Refused("state", () => adwin.Restore(s with { RowTotals = [[1, 2, 3, 4], .. s.RowTotals.Skip(1)], RowVariances = [[0, 0, 0, 0], .. s.RowVariances.Skip(1)] }), mentions: "row 0 is inconsistent");
        Refused("state", () => adwin.Restore(s with { RowTotals = [[.. s.RowTotals[0].SkipLast(1), double.NaN], .. s.RowTotals.Skip(1)] }), mentions: "row 0 is inconsistent");
        Refused("state", () => adwin.Restore(s with { RowVariances = [[.. s.RowVariances[0].SkipLast(1), double.NaN], .. s.RowVariances.Skip(1)] }), mentions: "row 0 is inconsistent");
        Refused("state", () => adwin.Restore(s with { RowVariances = [[.. s.RowVariances[0].SkipLast(1)], .. s.RowVariances.Skip(1)] }), mentions: "row 0 is inconsistent");
        Refused("state", () => adwin.Restore(s with { Width = s.Width + 1 }), mentions: "width does not match");
        Refused("state", () => adwin.Restore(s with { Time = -1 }), mentions: "width does not match");
        Refused("state", () => adwin.Restore(s with { Total = double.NaN }), mentions: "width does not match");
        Refused("state", () => adwin.Restore(s with { VarianceSum = double.PositiveInfinity }), mentions: "width does not match");
        adwin.Restore(s);
        Assert.Equal(s.Width, adwin.Width);

        Refused("k", () => new QuantileSketch(7), mentions: "[8, 65535]");
        Refused("k", () => new QuantileSketch(65536));
        Assert.Equal(65535, new QuantileSketch(65535).K);
        Assert.Equal(8, new QuantileSketch(8).K);
        Refused("x", () => new QuantileSketch().Add(double.NaN), mentions: "finite");
        var sketch = SketchOf(5);
        Refused("other", () => sketch.Merge(new QuantileSketch(16)), mentions: "k = 16 into one with k = 200");
        Refused("other", () => sketch.Merge(sketch), mentions: "merged into itself");
        Refused("x", () => sketch.Rank(double.NaN), mentions: "NaN");
        Assert.Contains("no rank", Assert.Throws<InvalidOperationException>(() => new QuantileSketch().Rank(1)).Message, StringComparison.Ordinal);
        Assert.Contains("no quantile", Assert.Throws<InvalidOperationException>(() => new QuantileSketch().Quantile(0.5)).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<InvalidOperationException>(() => new QuantileSketch().Min).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<InvalidOperationException>(() => new QuantileSketch().Max).Message, StringComparison.Ordinal);
        var state = sketch.Snapshot();
        Refused("state", () => QuantileSketch.Restore(state with { Levels = [] }), mentions: "no levels or too many");
        Refused("state", () => QuantileSketch.Restore(state with { Levels = new double[65][] }), mentions: "no levels or too many");
        Refused("state", () => QuantileSketch.Restore(state with { Levels = [[1, double.NaN, 3, 4, 5]] }), mentions: "level 0 holds a non-finite value");
        Refused("state", () => QuantileSketch.Restore(state with { Count = 6 }), mentions: "add up to 5, not 6");

        Refused("capacity", () => new SlidingWindow<int>(0), mentions: "at least 1");
        var window = new SlidingWindow<int>(1);
        window.Add(4);
        Assert.Equal([4], window.ToArray());
        Refused("destination", () => window.CopyTo(Span<int>.Empty), mentions: "'destination' has 0 slots; 1 needed");
        Assert.Contains("holds 1 item", Assert.Throws<ArgumentOutOfRangeException>(() => window[1]).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => window[-1]);

        Refused("capacity", () => new ReservoirSample<int>(0, 1), mentions: "at least 1");
        var reservoir = new ReservoirSample<int>(2, 7);
        foreach (var i in Enumerable.Range(0, 5)) reservoir.Add(i);
        var r = reservoir.Snapshot();
        Refused("state", () => new ReservoirSample<int>(3, 7).Restore(r), mentions: "inconsistent with this reservoir");
        Refused("state", () => reservoir.Restore(r with { Seen = -1 }));
        Refused("state", () => reservoir.Restore(r with { Items = [1] }));
        Refused("state", () => reservoir.Restore(r with { W = 0 }));
        Refused("state", () => reservoir.Restore(r with { W = 1.0001 }));
        Refused("state", () => reservoir.Restore(r with { NextIndex = 2 }));
        reservoir.Restore(r with { W = 1, NextIndex = 3 });

        Refused("state", () => new Xoshiro256(new ulong[4]), mentions: "not all zero");
        Refused("state", () => new Xoshiro256(new ulong[] { 1, 2, 3 }), mentions: "four integers");
        Assert.Throws<ArgumentOutOfRangeException>(() => new Xoshiro256(1).NextInt64(0));
        Assert.Equal(0, new Xoshiro256(1).NextInt64(1));
    }

    [Fact]
    public void GivenBadThresholdDesigns_ThenTheMessageNamesTheInput()
    {
        Refused("referenceSize", () => CalibratedThreshold.NormalScoreCusum(0.5, 1, 1000, 0.01), mentions: "at least 2");
        Assert.True(CalibratedThreshold.NormalScoreCusum(0.5, 2, 10, 0.9) > 0);
        Refused("k", () => CalibratedThreshold.NormalScoreCusum(0, 100, 1000, 0.01));
        Refused("observationsPerYear", () => CalibratedThreshold.NormalScoreCusum(0.5, 100, 0, 0.01));
        Refused("alarmsPerYear", () => CalibratedThreshold.NormalScoreCusum(0.5, 100, 1000, 0));
        Refused("hit", () => CalibratedThreshold.Bernoulli(0.5, 0.1, 5, 10, 1000, 0.01), mentions: "opposite signs");
        Refused("hit", () => CalibratedThreshold.Bernoulli(0.5, 0, 5, 10, 1000, 0.01), mentions: "opposite signs");
        Refused("hit", () => CalibratedThreshold.Bernoulli(double.NaN, -0.1, 5, 10, 1000, 0.01), mentions: "opposite signs");
        Refused("trials", () => CalibratedThreshold.Bernoulli(0.5, -0.1, -1, 10, 1000, 0.01), mentions: "Counts -1 of 10");
        Refused("trials", () => CalibratedThreshold.Bernoulli(0.5, -0.1, 11, 10, 1000, 0.01), mentions: "Counts 11 of 10");
        Assert.True(CalibratedThreshold.Bernoulli(0.5, -0.1, 0, 10, 1000, 0.5) > 0);
        Assert.True(CalibratedThreshold.Bernoulli(-0.5, 0.1, 10, 10, 1000, 0.5) > 0);
        Refused("observationsPerYear", () => CalibratedThreshold.Bernoulli(0.5, -0.1, 5, 10, 0, 0.01));
        Refused("alarmsPerYear", () => CalibratedThreshold.Bernoulli(0.5, -0.1, 5, 10, 1000, double.PositiveInfinity));
    }

    private static QuantileSketch SketchOf(int n)
    {
        var sketch = new QuantileSketch();
        for (var i = 1; i <= n; i++) sketch.Add(i);
        return sketch;
    }
}
