using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.Statistics;
using static Monitoring.DriftDetector.Tests.Core.MonitorFixture;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The monitor families' last untriaged mutants (docs/quality.md, "Equivalent mutants of the detector set"): a subgroup's
/// departure from the population's outcome rate exactly at, just inside and just outside two standard errors plus the spread;
/// the excursion mean of an outcome chart that mixes hits and misses; the specificity baseline's own folded cases; and a
/// category cell whose threshold no budget can meet. Exact values from the state the bank writes, no replay.
/// </summary>
public sealed class UntriagedMonitorTests
{
    private const string Label = "pneumothorax";

    private static void MissedPositive(MonitorFixture f, int[] scopes)
    {
        var e = f.Inference() with { Prediction = new Prediction { Scores = new Dictionary<string, double> { [Label] = 0.1 }, PredictedLabels = [], Threshold = 0.5 } };
        f.Bank.ObserveLabel([.. scopes], e, [Label], 5000, T0);
    }

    [Fact]
    public void GivenSubgroupsAtTheEdgeOfDeparting_WhenAPositiveIsMissed_ThenOnlyAGapStrictlyBeyondTwoStandardErrorsPlusTheSpreadKeepsItsOwnBaseline()
    {
        // Population 1,000 positives, 100 missed (p = 0.1). Terms (p̂ₛ − p)² − p̂ₛ(1 − p̂ₛ)/nₛ: A1–A3 200/20 (−0.00045 each),
        // B 20/4 (0.002), G 320/64 (0.0095), H 20/6 (0.0295), K 100/24 (0.017776): the median of the seven, τ², is B's 0.002,
        // and the prior holds 0.09/0.002 = 45 cases. G: |0.2 − 0.1| = 2·√(0.2·0.8/320 + 0.002) = 2·√0.0025 = 0.1, equal in
        // doubles too (checked offline): not departing, so shrunk with 45 cases. H: 0.2 < 2·√(0.3·0.7/20 + 0.002) ≈ 0.224,
        // shrunk (2·√(0.0105 − 0.002) ≈ 0.184 would make it depart). K: 0.14 > 2·√(0.24·0.76/100 + 0.002) ≈ 0.1237 departs: its
        // own baseline with the minimum 20 cases (2·√(0.24·1.24/100 + 0.002) ≈ 0.1411 would not).
        var f = OutcomeFamilyTests.OneLabel(p => (p.Performance.MinLabelled, p.Sequential.FalseAlarmsPerYear) = (10, 6), "site=A1", "site=A2", "site=A3", "site=B", "site=G", "site=H", "site=K")
            .Labels(0, 0, tp: 900, fn: 100, tn: 0, fp: 0)
            .Labels(1, 0, 180, 20, 0, 0).Labels(2, 0, 180, 20, 0, 0).Labels(3, 0, 180, 20, 0, 0)
            .Labels(4, 0, 16, 4, 0, 0).Labels(5, 0, 256, 64, 0, 0).Labels(6, 0, 14, 6, 0, 0).Labels(7, 0, 76, 24, 0, 0);
        for (var si = 0; si < 8; si++) f.Count(si, 500);
        f.Freeze();
        var p = 100.0 / 1000;
        var tau2 = (4.0 / 20 - p) * (4.0 / 20 - p) - 4.0 / 20 * (1 - 4.0 / 20) / 20;
        Assert.Equal(0.1, Math.Abs(64.0 / 320 - p));
        Assert.Equal(0.1, 2 * Math.Sqrt(64.0 / 320 * (1 - 64.0 / 320) / 320 + tau2));
        var prior = Math.Clamp(p * (1 - p) / tau2, 20, 2000);
        var a = 6.0 / 16; // 8 scopes × 2 cells, the only family

        MissedPositive(f, [5, 6, 7]);

        Assert.Equal(OutcomeFamilyTests.Chart((64 + prior * p) / (320 + prior), 320 + prior, 5000, a).Hit, f.Scope(5).Outcomes[0].Sensitivity.Chart.S, 12);
        Assert.Equal(OutcomeFamilyTests.Chart((6 + prior * p) / (20 + prior), 20 + prior, 5000, a).Hit, f.Scope(6).Outcomes[0].Sensitivity.Chart.S, 12);
        Assert.Equal(OutcomeFamilyTests.Chart((24 + 20 * p) / 120, 120, 5000, a).Hit, f.Scope(7).Outcomes[0].Sensitivity.Chart.S, 12);
    }

    [Fact]
    public void GivenAnExcursionOfAMissThenAFind_WhenStepped_ThenItsMeanCountsOnlyTheMiss()
    {
        // p₀ = 20/200: a miss adds ln(0.2/0.1) > 0, a find ln(0.8/0.9) ≈ −0.118, so the chart stays above 0 after both.
        var f = OutcomeFamilyTests.OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        var chart = OutcomeFamilyTests.Chart(0.1, 200, 5000, 0.25);

        f.Label([0], positive: true, predicted: false).Label([0], positive: true, predicted: true);

        var cell = f.Scope(0).Outcomes[0].Sensitivity;
        Assert.Equal(chart.Hit + chart.Miss, cell.Chart.S, 12);
        Assert.Equal((2L, 1.0), (cell.Chart.N, cell.Chart.Sum));
        Assert.Equal((2L, 1L), (cell.PendingEvents, cell.PendingCases));
    }

    [Fact]
    public void GivenFoundPositivesFoldedIntoTheSensitivityBaseline_WhenAFalsePositiveArrives_ThenTheSpecificityBaselineIsItsOwn()
    {
        // 100 found positives fold into the sensitivity baseline (100 events, 0 cases); the specificity baseline stays 30/300.
        var f = OutcomeFamilyTests.OneLabel().Labels(0, 0, tp: 180, fn: 20, tn: 270, fp: 30).Count(0, 500).Freeze();
        for (var i = 0; i < 100; i++) f.Label([0], positive: true, predicted: true);
        Assert.Equal(100L, f.Scope(0).Outcomes[0].Sensitivity.BaselineEvents);

        f.Label([0], positive: false, predicted: true);

        var cell = f.Scope(0).Outcomes[0].Specificity;
        Assert.Equal(OutcomeFamilyTests.Chart(30.0 / 300, 300, 5000, 0.25).Hit, cell.Chart.S, 12);
        Assert.Equal((1L, 0L, 1L), (cell.Seen, cell.BaselineEvents, cell.PendingCases));
    }

    [Fact]
    public void GivenABudgetNoCategoryThresholdCanMeet_WhenValuesArrive_ThenNoCellMoves()
    {
        // GE/SIEMENS/PHILIPS 200/120/80 of 400: 7 designed cells, each with an unreachable share of 1e-12 false alarms a year.
        var f = new MonitorFixture(Policy(p => (p.Signals.Study, p.Sequential.FalseAlarmsPerYear) = (["manufacturer"], 1e-12)))
            .Categories(0, 0, ("GE", 200), ("SIEMENS", 120), ("PHILIPS", 80)).Freeze();
        var up = BernoulliCusum.Design(0.2, BernoulliCusum.ShiftOdds(0.2, Math.Log(2)), 2);
        Assert.Equal(double.PositiveInfinity, CalibratedThreshold.Bernoulli(up.Hit, up.Miss, 80, 400, 4000, 1e-12 / 7));

        for (var i = 0; i < 20; i++) f.Observe([0], [], [i % 2 == 0 ? "PHILIPS" : "CANON"]);

        var cells = f.Scope(0).Categories[0]!.Cells;
        Assert.Equal(7, cells.Count);
        Assert.All(cells, c => Assert.Equal((0.0, 0L, 0.0), (c.S, c.N, c.Sum)));
        Assert.Empty(f.Emitted);
    }
}
