using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.Statistics;
using static Monitoring.DriftDetector.Tests.Core.MonitorFixture;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The numeric family on a reference written into the state: which (scope, signal) gets charts, each chart's calibrated
/// threshold for its share of the budget and its scope's rate, the cell layout (design up/down per slot, then the small-shift
/// pairs), the exact step of the alarm and of the clear, and the current effect the root-cause grouping reads.
/// </summary>
public sealed class NumericFamilyTests
{
    private const double Above = 1e6, Below = -1e6;

    /// <summary>Normal score of a value above every one of n reference values: Φ⁻¹((n + ½)/(n + 1)).</summary>
    private static double ZMax(int n) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (n + 0.5) / (n + 1));

    private static double R(double x) => Math.Round(x, 9);

    private static double[] Statistics(MonitorFixture f, int si) => f.Scope(si).Numeric.Select(c => R(c.S)).ToArray();

    private static MonitorFixture OneFeature(params string[] scopes) => new(Policy(p => p.Signals.Features = ["meanIntensity"]), scopes);

    private static MonitorFixture TwoFeatures() => new(Policy(p => p.Signals.Features = ["meanIntensity", "imageQuality"]));

    [Fact]
    public void GivenScopesAboveAndBelowMinSample_WhenAShiftIsObserved_ThenOnlyScopesWithMinSampleReferenceValuesAlarmAtTheirCalibratedThresholds()
    {
        // "*": 400 reference values; site=A exactly minSample (30): charts; site=B 29: none. 2 scopes × 4 cells share the whole
        // budget (0.5 a year, one family): 0.0625 a cell. Rates: 10 × reference count a year (reference span 0.1 year).
        var f = OneFeature("site=A", "site=B").Ramp(0, 0, 400).Ramp(1, 0, 30).Ramp(2, 0, 29).Freeze();
        var hAll = CalibratedThreshold.NormalScoreCusum(0.5, 400, GridRate(4000), 0.0625);
        var hA = CalibratedThreshold.NormalScoreCusum(0.5, 30, GridRate(300), 0.0625);
        var (zAll, zA) = (ZMax(400), ZMax(30));
        var stepsAll = (int)Math.Ceiling(hAll / (zAll - 0.5));
        var stepsA = (int)Math.Ceiling(hA / (zA - 0.5));
        Assert.Equal((4, 7), (stepsAll, stepsA)); // the design chart crosses first (the small-shift one needs h ≈ 19 and 37)

        for (var i = 0; i < 30; i++) f.Observe([0, 1, 2], [Above]);

        var opened = f.Opened.ToList();
        Assert.Equal(["*", "site=A"], opened.Select(o => o.Scope));
        var all = opened[0];
        Assert.Equal((1000L + stepsAll, Time(1000 + stepsAll)), (all.IngestSequence, all.DetectedAt));
        Assert.Equal(new FindingEvidence
        {
            Signal = "feature:meanIntensity", Method = "cusum", Statistic = R(stepsAll * (zAll - 0.5)), Threshold = hAll, EffectSize = R(zAll),
            Window = new WindowBounds(1001, 1000 + stepsAll, Time(1001), Time(1000 + stepsAll)), ReferenceSize = 400, CurrentSize = stepsAll,
            ReferenceId = "ref-7", PolicyVersion = 3,
        }, all.Evidence with { Statistic = R(all.Evidence.Statistic), EffectSize = R(all.Evidence.EffectSize!.Value) });
        Assert.Equal((FindingKind.DistributionShift, Severity.Warning), (all.Kind, all.Severity));
        Assert.Equal(
            $"feature:meanIntensity in the whole population of cxr-triage@2.3.1: shifted up by {Detector.F(zAll)} reference SD (normal scores) over {stepsAll} events since {Time(1001):yyyy-MM-dd HH:mm}Z (cusum {Detector.F(stepsAll * (zAll - 0.5))} ≥ threshold {Detector.F(hAll)}).",
            all.Summary);
        var a = opened[1];
        Assert.Equal((1000L + stepsA, hA, 30, stepsA), (a.IngestSequence, a.Evidence.Threshold, a.Evidence.ReferenceSize, a.Evidence.CurrentSize));
        Assert.Equal(zA, a.Evidence.EffectSize!.Value, 12);
        // site=B has no chart: its cells never move, but it counts the inferences.
        Assert.All(f.Scope(2).Numeric, c => Assert.Equal(0.0, c.S));
        Assert.Equal((4, 30L, 400L, 29L), (f.Scope(2).Numeric.Count, f.Scope(2).Count, f.Scope(0).ReferenceCount, f.Scope(2).ReferenceCount));
    }

    [Fact]
    public void GivenTwoFeatures_WhenOneValueIsAboveAndOneAtTheMedian_ThenOnlyThatSlotsUpCellsOfBothChartsMove()
    {
        var f = TwoFeatures().Ramp(0, 0, 399).Ramp(0, 1, 400).Freeze();
        var z = ZMax(400);

        // Slot 0 at the median of 1..399 (score 0), slot 1 above every reference value.
        f.Observe([0], [200, Above]);

        // Layout: design (up, down) of slot 0, of slot 1, then small-shift (up, down) of slot 0, of slot 1.
        Assert.Equal([0, 0, R(z - 0.5), 0, 0, 0, R(z - 0.25), 0], Statistics(f, 0));
        Assert.Equal([0L, 0, 1, 0, 0, 0, 1, 0], f.Scope(0).Numeric.Select(c => c.N));

        // Below every value: slot 1's down cells start, its up cells fall back to 0; a NaN (signal missing) changes nothing.
        f.Observe([0], [double.NaN, Below]);
        Assert.Equal([0, 0, 0, R(z - 0.5), 0, 0, 0, R(z - 0.25)], Statistics(f, 0));
        Assert.Equal([0L, 0, 1, 1, 0, 0, 1, 1], f.Scope(0).Numeric.Select(c => c.N));
        Assert.Equal([0, 0, R(z), R(-z), 0, 0, R(z), R(-z)], f.Scope(0).Numeric.Select(c => R(c.Sum)));
        Assert.Equal(2L, f.Scope(0).Count);
        Assert.Empty(f.Emitted);
    }

    [Fact]
    public void GivenAnAlarm_WhenValuesReturnToTheMedian_ThenTheFindingResolvesTheStepTheDesignCellIsBackAtZero()
    {
        // One scope × 4 cells: 0.125 a year each. 1..399: 200 is the median (score 0: each step takes k off every up cell).
        var f = OneFeature().Ramp(0, 0, 399).Freeze();
        var (h0, h1, z) = (CalibratedThreshold.NormalScoreCusum(0.5, 399, GridRate(3990), 0.125), CalibratedThreshold.NormalScoreCusum(0.25, 399, GridRate(3990), 0.125), ZMax(399));
        var steps = (int)Math.Ceiling(h0 / (z - 0.5));
        Assert.True(steps * (z - 0.25) < h1); // the small-shift chart stays below its threshold
        for (var i = 0; i < steps; i++) f.Observe([0], [Above]);
        var opened = Assert.Single(f.Opened);
        Assert.Equal((1000L + steps, h0), (opened.IngestSequence, opened.Evidence.Threshold));
        var back = (int)Math.Ceiling(steps * (z - 0.5) / 0.5);

        for (var i = 0; i < back - 1; i++) f.Observe([0], [200]);
        Assert.Empty(f.Resolved);
        Assert.True(f.Scope(0).Numeric[0].Alarmed);
        f.Observe([0], [200]);

        var resolved = Assert.Single(f.Resolved);
        Assert.Equal((opened.FindingId, opened.Evidence, 1000L + steps + back, Time(1000 + steps + back), "recovered"),
            (resolved.FindingId, resolved.Evidence, resolved.IngestSequence, resolved.ResolvedAt, resolved.Reason));
        Assert.Empty(f.State.Monitors.Open);
        Assert.Equal((0.0, false), (f.Scope(0).Numeric[0].S, f.Scope(0).Numeric[0].Alarmed));
    }

    [Fact]
    public void GivenAShiftBetweenTheTwoCharts_WhenItPersists_ThenOnlyTheSmallShiftChartAlarmsAndItsSummarySaysSo()
    {
        // 262.5 against 1..399: mid-rank 262, u = 262.5/400, score ≈ 0.402: above k = 0.25, below k = 0.5.
        var f = OneFeature().Ramp(0, 0, 399).Freeze();
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 262.5 / 400);
        var h1 = CalibratedThreshold.NormalScoreCusum(0.25, 399, GridRate(3990), 0.125);
        var steps = (int)Math.Ceiling(h1 / (z - 0.25) - 1e-9);

        for (var i = 0; i < steps; i++) f.Observe([0], [262.5]);

        var opened = Assert.Single(f.Opened);
        Assert.Equal((1000L + steps, h1, steps), (opened.IngestSequence, opened.Evidence.Threshold, opened.Evidence.CurrentSize));
        Assert.Contains($": shifted up by {Detector.F(z)} reference SD (normal scores, small-shift chart) over {steps} events since", opened.Summary, StringComparison.Ordinal);
        Assert.Equal([0, 0, R(steps * (z - 0.25)), 0], Statistics(f, 0));
    }

    [Fact]
    public void GivenChartsOfTwoSlots_WhenTheCurrentEffectIsAsked_ThenItIsTheExcursionMeanOfTheCellFurthestTowardsItsThreshold()
    {
        var f = TwoFeatures().Ramp(0, 0, 399).Ramp(0, 1, 399);
        Assert.Null(f.Bank.CurrentEffect("*", "feature:meanIntensity")); // not frozen: no monitors
        f.Freeze();
        Assert.Equal(0.0, f.Bank.CurrentEffect("*", "feature:meanIntensity")); // every cell at 0

        // 262.5 starts only the small-shift up cell (score ≈ 0.402); two values above every one then start the design up cell,
        // whose S/h (≈ 5.05/h₀) is past the small-shift cell's (≈ 5.70/h₁ with h₁ ≈ 2 h₀): its mean is z, not (0.402 + 2z)/3.
        var z = ZMax(399);
        f.Observe([0], [262.5, 200]).Observe([0], [Above, 200]).Observe([0], [Above, 200]);

        Assert.Equal(2L, f.Scope(0).Numeric[0].N);
        Assert.Equal(z, f.Bank.CurrentEffect("*", "feature:meanIntensity")!.Value, 12);
        Assert.Equal(0.0, f.Bank.CurrentEffect("*", "feature:imageQuality"));
        Assert.Null(f.Bank.CurrentEffect("*", "feature:absent"));
        Assert.Null(f.Bank.CurrentEffect("site=Z", "feature:meanIntensity"));
        // A scope that appeared after the reference froze has no monitors.
        f.State.ScopeKeys.Add("site=new");
        Assert.Null(f.Bank.CurrentEffect("site=new", "feature:meanIntensity"));

        // A snapshot from before the small-shift charts (the design cells of both slots): read from the design cells only.
        f.Scope(0).Numeric.RemoveRange(4, 4);
        Assert.Equal(z, f.Bank.CurrentEffect("*", "feature:meanIntensity")!.Value, 12);
        Assert.Equal(0.0, f.Bank.CurrentEffect("*", "feature:imageQuality"));
        // A snapshot with slot 0's cells only: slot 1 has none.
        f.Scope(0).Numeric.RemoveRange(2, 2);
        Assert.Equal(z, f.Bank.CurrentEffect("*", "feature:meanIntensity")!.Value, 12);
        Assert.Null(f.Bank.CurrentEffect("*", "feature:imageQuality"));
    }

    [Fact]
    public void GivenADownwardShift_WhenTheSmallShiftCellIsFurthest_ThenTheCurrentEffectIsItsExcursionMean()
    {
        // Below the median by a score of ≈ −0.402 three times: only the small-shift down cell moves (S = 3 × 0.152, mean −0.402).
        var f = OneFeature().Ramp(0, 0, 399).Freeze();
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 137.5 / 400);
        for (var i = 0; i < 3; i++) f.Observe([0], [137.5]);

        Assert.Equal([0, 0, 0, R(3 * (-z - 0.25))], Statistics(f, 0));
        Assert.Equal(z, f.Bank.CurrentEffect("*", "feature:meanIntensity")!.Value, 12);
    }
}
