using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.Statistics;
using static Monitoring.DriftDetector.Tests.Core.MonitorFixture;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The outcome family on labelled reference counts written into the state: the baseline rate of each (scope, label, kind of
/// case) and its empirical-Bayes prior, the chart designed from it and its calibrated threshold, the exact step of a decay
/// alarm and of its clear, the folding of post-reference cases into the baseline, the pooled channel and the guards.
/// </summary>
public sealed class OutcomeFamilyTests
{
    private const string Label = "pneumothorax";

    /// <summary>
    /// The chart the family uses for a baseline rate p₀ over <paramref name="cases"/> cases at <paramref name="perYear"/> cases a
    /// year: designed for a rise of designDrop (0.10) and calibrated on the family's cache grid (OutcomeFamily.Chart: 0.001 of
    /// p₀ clamped to [0.002, 0.95], 5 % of the size, 2.5 % of the rate).
    /// </summary>
    internal static BernoulliCusum Chart(double p0, double cases, double perYear, double alarmsPerYear)
    {
        var q0 = Math.Round(Math.Clamp(p0, 0.002, 0.95) * 1000) / 1000;
        var n = Math.Exp(Math.Round(Math.Log(Math.Max((long)cases, 1)) * 20) / 20);
        var design = BernoulliCusum.Design(q0, Math.Min(0.99, q0 + 0.1), 2);
        return design with { Threshold = CalibratedThreshold.Bernoulli(design.Hit, design.Miss, q0 * n, n, GridRate(perYear), alarmsPerYear) };
    }

    internal static MonitorFixture OneLabel(Action<Policies.MonitoringPolicy>? change = null, params string[] scopes) =>
        new(Policy(p =>
        {
            p.Performance.Labels = [Label];
            change?.Invoke(p);
        }), scopes);

    private static void Case(MonitorFixture f, int[] scopes, bool positive, double score, IReadOnlyDictionary<string, double>? scores = null)
    {
        var e = f.Inference() with { Prediction = new Prediction { Scores = scores ?? new Dictionary<string, double> { [Label] = score }, PredictedLabels = [], Threshold = 0.5 } };
        f.Bank.ObserveLabel([.. scopes], e, positive ? [Label] : [], 5000 + f.Scope(0).Outcomes[0].Sensitivity.Seen + f.Scope(0).Outcomes[0].Specificity.Seen, T0);
    }

    [Fact]
    public void GivenAPopulationBaseline_WhenPositivesAreMissedInARow_ThenTheSensitivityChartAlarmsAtItsCalibratedThresholdWithTheDecayAsItsEffect()
    {
        // 200 positives, 20 missed (p₀ 0.1); 300 negatives, 30 false positives. One family of 2 cells: 0.25 a year each. 500
        // reference inferences: 5,000 a year, every one labelled so far (seen + 1 ≥ count + 1).
        var f = OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        // First 100 positives found: each folds into the baseline while the chart is at 0 (p₀ 20/300).
        for (var i = 0; i < 100; i++) f.Label([0], positive: true, predicted: true);
        var cell = f.Scope(0).Outcomes[0].Sensitivity;
        Assert.Equal((100L, 0L, 100L, 0.0), (cell.BaselineEvents, cell.BaselineCases, cell.Seen, cell.Chart.S));
        var chart = Chart(20.0 / 300, 300, 5000, 0.25);
        var steps = (int)Math.Ceiling(chart.Threshold / chart.Hit);

        for (var i = 0; i < steps; i++) f.Label([0], positive: true, predicted: false);

        var o = Assert.Single(f.Opened);
        Assert.Equal((FindingKind.PerformanceDecay, Severity.Critical, "performance:sensitivity:pneumothorax", "bernoulli-cusum", "*"),
            (o.Kind, o.Severity, o.Evidence.Signal, o.Evidence.Method, o.Scope));
        Assert.Equal((1100L + steps, chart.Threshold, 300, steps), (o.IngestSequence, o.Evidence.Threshold, o.Evidence.ReferenceSize, o.Evidence.CurrentSize));
        Assert.Equal(1 - 20.0 / 300, o.Evidence.EffectSize!.Value, 12);
        Assert.Equal(steps * chart.Hit, o.Evidence.Statistic, 9);
        Assert.Contains($": sensitivity fell to 0 over {steps} labelled positives from {Detector.F(1 - 20.0 / 300)} (baseline of 300) since", o.Summary, StringComparison.Ordinal);
        // The excursion's cases wait outside the baseline.
        Assert.Equal((100L, 0L, (long)steps, (long)steps), (cell.BaselineEvents, cell.BaselineCases, cell.PendingEvents, cell.PendingCases));

        // Found positives bring it back to 0: resolved at that step, and the excursion joins the baseline.
        var back = (int)Math.Ceiling(steps * chart.Hit / -chart.Miss - 1e-9);
        for (var i = 0; i < back - 1; i++) f.Label([0], positive: true, predicted: true);
        Assert.Empty(f.Resolved);
        Assert.Equal(((long)steps + back - 1, (long)steps), (cell.PendingEvents, cell.PendingCases));
        f.Label([0], positive: true, predicted: true);

        var r = Assert.Single(f.Resolved);
        Assert.Equal((o.FindingId, 1100L + steps + back), (r.FindingId, r.IngestSequence));
        Assert.Equal((100L + steps + back, (long)steps, 0L, 0L), (cell.BaselineEvents, cell.BaselineCases, cell.PendingEvents, cell.PendingCases));
        Assert.Equal(0L, f.Scope(0).Outcomes[0].Specificity.Seen);
    }

    [Fact]
    public void GivenNegatives_WhenFlaggedPositiveInARow_ThenTheSpecificityChartAlarmsWithItsOwnBaseline()
    {
        var f = OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 240, fp: 60).Count(0, 500).Freeze();
        var chart = Chart(0.2, 300, 5000, 0.25);
        var steps = (int)Math.Ceiling(chart.Threshold / chart.Hit);

        for (var i = 0; i < steps; i++) f.Label([0], positive: false, predicted: true);

        var o = Assert.Single(f.Opened);
        Assert.Equal(("performance:specificity:pneumothorax", 1000L + steps, chart.Threshold, 0.8), (o.Evidence.Signal, o.IngestSequence, o.Evidence.Threshold, Math.Round(o.Evidence.EffectSize!.Value, 12)));
        Assert.Contains($": specificity fell to 0 over {steps} labelled negatives from 0.8 (baseline of 300) since", o.Summary, StringComparison.Ordinal);
        Assert.Equal(((long)steps, 0L), (f.Scope(0).Outcomes[0].Specificity.Seen, f.Scope(0).Outcomes[0].Sensitivity.Seen));
    }

    [Fact]
    public void GivenFewerInferencesLabelledThanSeen_WhenACaseArrives_ThenTheChartsRateIsTheScopesRateTimesTheLabelledShare()
    {
        // 99 inferences observed, then missed positives: the k-th sees (k + 1)/100 of the scope's 5,000 a year (at most all of it).
        var f = OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        for (var i = 0; i < 99; i++) f.Observe([0], [double.NaN]);

        Case(f, [0], positive: true, score: 0.1);
        var first = Chart(0.1, 200, 5000 * 2 / 100.0, 0.25);
        Assert.Equal(first.Hit, f.Scope(0).Outcomes[0].Sensitivity.Chart.S, 12);
        var steps = 1;
        double h;
        do
        {
            steps++;
            h = Chart(0.1, 200, 5000 * Math.Min(1, (steps + 1) / 100.0), 0.25).Threshold;
        }
        while (steps * first.Hit < h);
        for (var i = 1; i < steps; i++) Case(f, [0], positive: true, score: 0.1);

        var o = Assert.Single(f.Opened);
        Assert.Equal((h, steps), (o.Evidence.Threshold, o.Evidence.CurrentSize));
    }

    [Fact]
    public void GivenAScoreAtTheThresholdOrMissing_WhenLabelled_ThenAtTheThresholdIsPredictedPositiveAndMissingOrNaNIsSkipped()
    {
        var f = OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        var cells = f.Scope(0).Outcomes[0];

        Case(f, [0], positive: true, score: 0.5);       // found
        Case(f, [0], positive: false, score: 0.5);      // a false positive
        Case(f, [0], positive: true, score: double.NaN);
        Case(f, [0], positive: true, score: 0, scores: new Dictionary<string, double> { ["other"] = 0.1 });

        Assert.Equal((1L, 0L, 0.0), (cells.Sensitivity.Seen, cells.Sensitivity.BaselineCases, cells.Sensitivity.Chart.S));
        Assert.Equal((1L, 0L, 1L), (cells.Specificity.Seen, cells.Specificity.BaselineEvents, cells.Specificity.PendingCases));
        Assert.Equal(Chart(0.1, 300, 5000, 0.25).Hit, cells.Specificity.Chart.S, 12);
    }

    [Fact]
    public void GivenABaselineBelowMinLabelled_WhenCasesArrive_ThenTheyFeedTheBaselineUntilItReachesMinLabelled()
    {
        // 49 labelled positives (7 missed) with minLabelled 50: the first case is learned, the second is charted.
        var f = OneLabel(p => p.Performance.MinLabelled = 50).Labels(0, 0, tp: 42, fn: 7, tn: 270, fp: 30).Count(0, 500).Freeze();
        var cell = f.Scope(0).Outcomes[0].Sensitivity;

        f.Label([0], positive: true, predicted: false);
        Assert.Equal((1L, 1L, 1L, 0.0), (cell.Seen, cell.BaselineEvents, cell.BaselineCases, cell.Chart.S));
        f.Label([0], positive: true, predicted: false);

        Assert.Equal((2L, 1L, 1L, 1L), (cell.Seen, cell.BaselineEvents, cell.PendingEvents, cell.PendingCases));
        Assert.Equal(Chart(8.0 / 50, 50, 5000, 0.25).Hit, cell.Chart.S, 12);
    }

    [Fact]
    public void GivenABudgetNoThresholdCanMeet_WhenCasesArrive_ThenTheChartStaysOffAndEveryCaseFeedsTheBaseline()
    {
        var f = OneLabel(p => p.Sequential.FalseAlarmsPerYear = 1e-12).Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        Assert.Equal(double.PositiveInfinity, Chart(0.1, 200, 5000, 0.25e-12).Threshold);
        var cell = f.Scope(0).Outcomes[0].Sensitivity;

        for (var i = 0; i < 30; i++) f.Label([0], positive: true, predicted: i % 3 == 0);

        Assert.Equal((30L, 30L, 20L, 0.0, 0L), (cell.Seen, cell.BaselineEvents, cell.BaselineCases, cell.Chart.S, cell.PendingEvents));
        Assert.Empty(f.Emitted);
    }

    [Fact]
    public void GivenTwoLabels_WhenACaseIsLabelled_ThenEachLabelsChannelAndThePooledChannelSeeItsCases()
    {
        // Channels: pneumothorax, effusion, all-labels (the pooled one: both labels' reference cases). 1 scope × 3 channels × 2 cells.
        var f = new MonitorFixture(Policy(p => p.Performance.Labels = [Label, "effusion"]))
            .Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Labels(0, 1, tp: 80, fn: 20, tn: 360, fp: 40).Count(0, 500).Freeze();
        var scores = new Dictionary<string, double> { [Label] = 0.2, ["effusion"] = 0.7 };

        // A pneumothorax the model missed and an effusion it flagged that was not there.
        Case(f, [0], positive: true, score: 0, scores: scores);

        var o = f.Scope(0).Outcomes;
        Assert.Equal(3, o.Count);
        Assert.Equal([(1L, 0L), (0L, 1L), (1L, 1L)], o.Select(c => (c.Sensitivity.Seen, c.Specificity.Seen)));
        var a = 0.5 / 6;
        Assert.Equal(Chart(0.1, 200, 5000, a).Hit, o[0].Sensitivity.Chart.S, 12);
        Assert.Equal(Chart(0.1, 400, 5000, a).Hit, o[1].Specificity.Chart.S, 12);
        Assert.Equal(Chart(40.0 / 300, 300, 5000, a).Hit, o[2].Sensitivity.Chart.S, 12);
        Assert.Equal(Chart(70.0 / 700, 700, 5000, a).Hit, o[2].Specificity.Chart.S, 12);

        // Missed pneumothoraces only: the pooled channel (p₀ 40/300) alarms at its own threshold.
        var pooled = Chart(40.0 / 300, 300, 5000, a);
        var perLabel = Chart(0.1, 200, 5000, a);
        var last = Math.Max((int)Math.Ceiling(pooled.Threshold / pooled.Hit), (int)Math.Ceiling(perLabel.Threshold / perLabel.Hit));
        for (var i = 1; i < last; i++) Case(f, [0], positive: true, score: 0, scores: new Dictionary<string, double> { [Label] = 0.2 });
        var signals = f.Opened.Select(x => (x.Evidence.Signal, x.Evidence.Threshold)).ToList();
        Assert.Contains(("performance:sensitivity:all-labels", (double?)pooled.Threshold), signals);
        Assert.Contains(("performance:sensitivity:pneumothorax", (double?)perLabel.Threshold), signals);
    }

    [Fact]
    public void GivenSubgroupsThatDifferLittle_WhenTheirPositivesAreMissed_ThenEachBaselineIsShrunkTowardsThePopulationByTheMedianSpread()
    {
        // Population 1,000 positives, 100 missed (p 0.1). Subgroups (n, missed): A 200/20, B 200/30, C 400/54, D 19/10 (under 20:
        // no term, no departure), E 100/40 (departs: |0.4 − 0.1| > 2·√(0.4·0.6/100 + τ²)). Terms (p̂ₛ − p)² − p̂ₛ(1 − p̂ₛ)/nₛ of
        // A, B, C, E; their median (the upper middle of four) is B's: τ² = 0.05² − 0.15·0.85/200 = 0.0018625, and the prior
        // holds p(1 − p)/τ² ≈ 48.3 cases; E keeps its own baseline with the minimum 20. C would depart without the spread τ²
        // (|0.135 − 0.1| > 2·√(0.135·0.865/400)) but not with it.
        // A budget of 6 false alarms a year (0.5 a cell): thresholds small subgroups can meet.
        var f = OneLabel(p => (p.Performance.MinLabelled, p.Sequential.FalseAlarmsPerYear) = (10, 6), "site=A", "site=B", "site=C", "site=D", "site=E")
            .Labels(0, 0, tp: 900, fn: 100, tn: 900, fp: 100).Labels(1, 0, 180, 20, 0, 0).Labels(2, 0, 170, 30, 0, 0)
            .Labels(3, 0, 346, 54, 0, 0).Labels(4, 0, 9, 10, 0, 0).Labels(5, 0, 60, 40, 0, 0);
        for (var si = 0; si < 6; si++) f.Count(si, 500);
        f.Freeze();
        var tau2 = 0.05 * 0.05 - 0.15 * 0.85 / 200;
        var prior = 0.09 / tau2;
        (double P0, double Cases, long N) Shrunk(long n, long x, double cases) => ((x + cases * 0.1) / (n + cases), n + cases, n);
        var expected = new[] { (0.1, 1000.0, 1000L), Shrunk(200, 20, prior), Shrunk(200, 30, prior), Shrunk(400, 54, prior), Shrunk(19, 10, prior), Shrunk(100, 40, 20) };
        var a = 0.5;

        for (var i = 0; i < 200; i++) Case(f, [0, 1, 2, 3, 4, 5], positive: true, score: 0.1);

        var opened = f.Opened.ToDictionary(o => o.Scope);
        Assert.True(opened.Count == 6, string.Join(", ", opened.Keys));
        string[] scopes = ["*", "site=A", "site=B", "site=C", "site=D", "site=E"];
        for (var si = 0; si < 6; si++)
        {
            var (p0, cases, n) = expected[si];
            var chart = Chart(p0, cases, 5000, a);
            var o = opened[scopes[si]];
            Assert.Equal((scopes[si], chart.Threshold, n, (int)Math.Ceiling(chart.Threshold / chart.Hit)),
                (o.Scope, o.Evidence.Threshold, (long)o.Evidence.ReferenceSize, o.Evidence.CurrentSize));
            Assert.Equal(1 - p0, o.Evidence.EffectSize!.Value, 12);
        }
    }

    [Fact]
    public void GivenFewerThanThreeSubgroupsWithTwentyCases_WhenTheirCasesArrive_ThenThePriorHasTheMinimumTwentyCases()
    {
        // site=C has no labelled reference accumulator: 0 reference cases, so it learns (below minLabelled).
        var f = OneLabel(p => p.Performance.MinLabelled = 10, "site=A", "site=B", "site=C")
            .Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0).Labels(1, 0, 180, 20, 0, 0).Labels(2, 0, 170, 30, 0, 0).Count(0, 500).Count(1, 500).Count(2, 500);
        f.State.Reference.Late.RemoveAt(3);
        f.Freeze();

        Case(f, [2, 3], positive: true, score: 0.1);

        var chart = Chart((30 + 20 * 0.1) / 220, 220, 5000, 0.5 / 8);
        Assert.Equal(chart.Hit, f.Scope(2).Outcomes[0].Sensitivity.Chart.S, 12);
        Assert.Equal((1L, 1L, 0.0), (f.Scope(3).Outcomes[0].Sensitivity.BaselineEvents, f.Scope(3).Outcomes[0].Sensitivity.BaselineCases, f.Scope(3).Outcomes[0].Sensitivity.Chart.S));
    }

    [Fact]
    public void GivenThreeSubgroupsWithTwentyCasesAndOneWithNineteen_WhenTheirCasesArrive_ThenOnlyTheThreeMakeTheSpread()
    {
        // Terms of A 200/20 (−0.00045), C 400/54 (0.000933) and B 200/30 (0.0018625): the median of three is C's. D 19/10 has
        // no term (under 20 cases); counted, it would be a fourth and move the median (the upper middle) to B's.
        var f = OneLabel(p => (p.Performance.MinLabelled, p.Sequential.FalseAlarmsPerYear) = (10, 6), "site=A", "site=B", "site=C", "site=D")
            .Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0).Labels(1, 0, 180, 20, 0, 0).Labels(2, 0, 170, 30, 0, 0)
            .Labels(3, 0, 346, 54, 0, 0).Labels(4, 0, 9, 10, 0, 0);
        for (var si = 0; si < 5; si++) f.Count(si, 500);
        f.Freeze();
        var prior = 0.09 / (0.035 * 0.035 - 0.135 * 0.865 / 400);

        Case(f, [2], positive: true, score: 0.1);

        // B's baseline (its own 30 of 200 missed) shrunk towards the population's 0.1 by the prior's cases.
        Assert.Equal(Chart((30 + prior * 0.1) / (200 + prior), 200 + prior, 5000, 6.0 / 10).Hit, f.Scope(2).Outcomes[0].Sensitivity.Chart.S, 12);
    }

    [Fact]
    public void GivenThreeSubgroupsOneWithExactlyTwentyCasesThatDeparts_WhenTheirCasesArrive_ThenItCountsInTheSpreadAndKeepsItsOwnBaseline()
    {
        // Terms of A 200/24, B 200/30 and F 20/10 (exactly 20: counted); median B's 0.0018625, prior ≈ 48.3 cases. F departs
        // (|0.5 − 0.1| > 2·√(0.5·0.5/20 + τ²)): it keeps its own baseline with the minimum 20 pseudo-cases.
        var f = OneLabel(p => (p.Performance.MinLabelled, p.Sequential.FalseAlarmsPerYear) = (10, 6), "site=A", "site=B", "site=F")
            .Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0).Labels(1, 0, 176, 24, 0, 0).Labels(2, 0, 170, 30, 0, 0).Labels(3, 0, 10, 10, 0, 0);
        for (var si = 0; si < 4; si++) f.Count(si, 500);
        f.Freeze();
        var prior = 0.09 / (0.05 * 0.05 - 0.15 * 0.85 / 200);

        Case(f, [1, 3], positive: true, score: 0.1);

        var a = 6.0 / 8;
        Assert.Equal(Chart((24 + prior * 0.1) / (200 + prior), 200 + prior, 5000, a).Hit, f.Scope(1).Outcomes[0].Sensitivity.Chart.S, 12);
        Assert.Equal(Chart((10 + 20 * 0.1) / 40, 40, 5000, a).Hit, f.Scope(3).Outcomes[0].Sensitivity.Chart.S, 12);
    }

    [Fact]
    public void GivenLateLabelsThatChangeTheSpread_WhenTheNextCaseArrives_ThenThePriorIsRecomputedFromTheReferenceAlone()
    {
        // Before: A 200/20, B 200/30, C 200/16 (median term C's, τ² = 0.000032: the prior is capped at 2,000 cases). A found
        // positive in * and B folds into their baselines. Then late labels of reference inferences: C 220/40, population
        // 1,020/124. The prior is recomputed from the reference (p = 124/1,020, not the population's baseline 124/1,021):
        // terms A, B, C around that p, median B's.
        var f = OneLabel(p => (p.Performance.MinLabelled, p.Sequential.FalseAlarmsPerYear) = (10, 6), "site=A", "site=B", "site=C")
            .Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0).Labels(1, 0, 180, 20, 0, 0).Labels(2, 0, 170, 30, 0, 0).Labels(3, 0, 184, 16, 0, 0);
        for (var si = 0; si < 4; si++) f.Count(si, 500);
        f.Freeze();
        Case(f, [0, 2], positive: true, score: 0.9);
        f.Labels(0, 0, 896, 124, 0, 0).Labels(3, 0, 180, 40, 0, 0);

        var p = 124.0 / 1020;
        double Term(double n, double x) => (x / n - p) * (x / n - p) - x / n * (1 - x / n) / n;
        var terms = new[] { Term(200, 20), Term(200, 30), Term(220, 40) }.Order().ToArray();
        Assert.Equal(Term(200, 30), terms[1]);
        var prior = Math.Clamp(p * (1 - p) / terms[1], 20, 2000);
        var population = 124.0 / 1021;
        var p0 = (20 + prior * population) / (200 + prior);
        var chart = Chart(p0, 200 + prior, 5000, 6.0 / 8);
        var steps = (int)Math.Ceiling(chart.Threshold / chart.Hit);
        for (var i = 0; i < steps; i++) Case(f, [1], positive: true, score: 0.1);

        var o = Assert.Single(f.Opened);
        Assert.Equal(("site=A", chart.Threshold, steps), (o.Scope, o.Evidence.Threshold, o.Evidence.CurrentSize));
        Assert.Equal(1 - p0, o.Evidence.EffectSize!.Value, 12);
    }

    [Fact]
    public void GivenLateLabelsOfReferenceInferences_WhenTheNextCaseArrives_ThenThePriorAndTheBaselineUseTheNewCounts()
    {
        var f = OneLabel(p => p.Performance.MinLabelled = 10, "site=A").Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0).Labels(1, 0, 180, 20, 0, 0)
            .Count(0, 500).Count(1, 500).Freeze();
        Case(f, [1], positive: true, score: 0.9);   // found: folds into site=A's baseline (201 cases, 20 missed)

        // A late label of a reference inference at site A: a missed positive (population 1,001/101, site=A 201/21 + 1 folded).
        f.Labels(0, 0, 900, 101, 0, 0).Labels(1, 0, 180, 21, 0, 0);
        Case(f, [1], positive: true, score: 0.1);

        var population = 101.0 / 1001;
        var chart = Chart((21 + 20 * population) / (202 + 20), 222, 5000, 0.5 / 4);
        Assert.Equal(chart.Hit, f.Scope(1).Outcomes[0].Sensitivity.Chart.S, 12);
    }

    [Fact]
    public void GivenASnapshotFromBeforeThePooledChannel_WhenACaseArrives_ThenTheMissingChannelIsAddedAndAScopeAfterTheFreezeIsSkipped()
    {
        var f = new MonitorFixture(Policy(p => p.Performance.Labels = [Label, "effusion"]))
            .Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Labels(0, 1, tp: 90, fn: 10, tn: 360, fp: 40).Count(0, 500).Freeze();
        f.Scope(0).Outcomes.RemoveAt(2);

        Case(f, [0, 1], positive: true, score: 0, scores: new Dictionary<string, double> { [Label] = 0.2 });

        Assert.Equal(3, f.Scope(0).Outcomes.Count);
        Assert.Equal(1L, f.Scope(0).Outcomes[2].Sensitivity.Seen);
    }
}
