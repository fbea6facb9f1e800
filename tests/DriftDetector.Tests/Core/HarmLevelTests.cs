using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Normal = MathNet.Numerics.Distributions.Normal;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// With the sequential monitors on, a floor or fairness row detected at the shown confidence level opens a finding only if
/// it also holds at the deployment's false-alarm budget: one-sided α = 0.2 · falseAlarmsPerYear / (evaluations a year ·
/// harm rows of the evaluation), the row's standard error taken from its interval's width. Each test puts the threshold
/// 0.002 on either side of that bound.
/// </summary>
public sealed class HarmLevelTests
{
    private const double Statistic = 0.6;
    private static readonly Interval Shown = new(0.5, 0.7, 0.95);

    private static DecisionHarness Harness(bool monitors = true, bool windowFindings = false) => new(p =>
    {
        p.Sequential.Monitors = monitors;
        p.Sequential.FalseAlarmsPerYear = 0.5;
        p.Thresholds.WindowFindings = windowFindings;
        p.Thresholds.Correction = "none";
        p.Thresholds.Alpha = 0.01;
    });

    /// <summary>The bound the finding level compares with the threshold: statistic ± z(α) · se.</summary>
    private static double Bound(int harmRows, double evaluationsPerYear, bool lower = false)
    {
        var se = (Shown.Upper - Shown.Lower) / (2 * Normal.InvCDF(0, 1, 0.975));
        var z = Normal.InvCDF(0, 1, 1 - 0.2 * 0.5 / (evaluationsPerYear * harmRows));
        return lower ? Statistic - z * se : Statistic + z * se;
    }

    private static Row Harm(string scope, string method, double threshold, Outcome outcome = Outcome.Detected, Interval? interval = null, bool noInterval = false) => new()
    {
        Kind = method == "equalized-odds" ? FindingKind.FairnessGap : FindingKind.PerformanceDecay, Scope = scope,
        Signal = "performance:sensitivity:pneumothorax", Method = method, Statistic = Statistic, Effect = 0.1,
        Interval = noInterval ? null : interval ?? Shown, Threshold = threshold, ReferenceSize = 500, CurrentSize = 200, Fixed = outcome,
    };

    private static string StateOf(DecisionHarness h, Row r) => h.State.Status[DecisionHarness.Key(r)].State;

    [Theory]
    [InlineData("wilson-floor")]
    [InlineData("delong-floor")]
    [InlineData("cbpe")]
    public void GivenAFloorRowDetectedAtTheShownLevel_WhenJudgedAtTheBudget_ThenOnlyAnUpperBoundBelowTheFloorOpensAFinding(string method)
    {
        var h = Harness();
        var bound = Bound(2, 365.25);
        var above = Harm("site=A", method, bound + 0.002);
        var below = Harm("site=B", method, bound - 0.002);

        var events = h.Decide(0, [above, below]);

        Assert.Equal(("detected", "not-demonstrated"), (StateOf(h, above), StateOf(h, below)));
        var opened = Assert.Single(events.OfType<FindingOpened>());
        Assert.Equal("site=A", opened.Scope);
    }

    [Fact]
    public void GivenAFairnessGapRow_WhenJudgedAtTheBudget_ThenOnlyALowerBoundAboveTheToleranceOpensAFinding()
    {
        var h = Harness();
        var bound = Bound(2, 365.25, lower: true);
        var gap = Harm("sex=*", "equalized-odds", bound - 0.002);
        var notShown = Harm("ageBand=*", "equalized-odds", bound + 0.002);

        var events = h.Decide(0, [gap, notShown]);

        Assert.Equal(("detected", "inconclusive"), (StateOf(h, gap), StateOf(h, notShown)));
        Assert.Equal(Severity.Error, Assert.Single(events.OfType<FindingOpened>()).Severity);
    }

    [Fact]
    public void GivenRowsThatAreNotHarmEvidence_WhenCountingTheHarmRows_ThenOnlySufficientFixedHarmRowsCount()
    {
        var h = Harness();
        var bound = Bound(2, 365.25);
        var rows = new List<Row>
        {
            Harm("site=A", "wilson-floor", bound + 0.002),
            Harm("site=B", "wilson-floor", bound - 0.002),
            // None of these counts: insufficient, not a harm method, judged by its p-value.
            new() { Kind = FindingKind.PerformanceDecay, Scope = "site=C", Signal = "performance:sensitivity:pneumothorax", Method = "cbpe", Insufficient = true, Fixed = Outcome.Detected },
            new() { Kind = FindingKind.DistributionShift, Scope = "site=D", Signal = "study:manufacturer", Method = "chi2", Statistic = 9, Effect = 0.01, MinEffect = 0.03, Fixed = Outcome.Clear },
            new() { Kind = FindingKind.PerformanceDecay, Scope = "site=E", Signal = "performance:sensitivity:pneumothorax", Method = "wilson-floor", P = 0.5, Effect = 0.01, MinEffect = 0.03 },
        };

        h.Decide(0, rows);

        Assert.Equal(["detected", "not-demonstrated", "insufficient-evidence", "ok", "ok"], rows.Select(r => StateOf(h, r)));
    }

    [Fact]
    public void GivenASingleHarmRow_WhenJudged_ThenItHasTheWholeBudget()
    {
        var h = Harness();
        var bound = Bound(1, 365.25);
        var row = Harm("site=A", "wilson-floor", bound + 0.002);

        h.Decide(0, [row]);
        Assert.Equal("detected", StateOf(h, row));

        var h2 = Harness();
        var row2 = Harm("site=A", "wilson-floor", bound - 0.002);
        h2.Decide(0, [row2]);
        Assert.Equal("not-demonstrated", StateOf(h2, row2));
    }

    [Theory]
    // Two days of traffic a window: 182.6 evaluations a year.
    [InlineData(48.0, 182.625)]
    // Twelve hours: 730.5.
    [InlineData(12.0, 730.5)]
    // A window of one instant counts as an hour (8,766 a year), not infinitely many.
    [InlineData(0.0, 8766.0)]
    public void GivenTheLatestClosedWindowsSpan_WhenJudged_ThenEvaluationsAYearComeFromIt(double hours, double evaluationsPerYear)
    {
        var bound = Bound(1, evaluationsPerYear);
        foreach (var (offset, expected) in new[] { (0.002, "detected"), (-0.002, "not-demonstrated") })
        {
            var h = Harness();
            var closed = new ClosedWindow();
            closed.Bounds.Add(1, DecisionHarness.T0);
            closed.Bounds.Add(2, DecisionHarness.T0.AddHours(hours));
            h.State.Recent.Add(new ClosedWindow());
            h.State.Recent.Add(closed);
            var row = Harm("site=A", "wilson-floor", bound + offset);

            h.Decide(0, [row]);

            Assert.Equal(expected, StateOf(h, row));
        }
    }

    [Fact]
    public void GivenAnEmptyLatestClosedWindow_WhenJudged_ThenItCountsAsOneDay()
    {
        var bound = Bound(1, 365.25);
        var h = Harness();
        h.State.Recent.Add(new ClosedWindow());
        var row = Harm("site=A", "wilson-floor", bound + 0.002);
        var h2 = Harness();
        h2.State.Recent.Add(new ClosedWindow());
        var row2 = Harm("site=A", "wilson-floor", bound - 0.002);

        h.Decide(0, [row]);
        h2.Decide(0, [row2]);

        Assert.Equal(("detected", "not-demonstrated"), (StateOf(h, row), StateOf(h2, row2)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void GivenMonitorsOffOrWindowFindingsOn_WhenAFloorRowIsDetected_ThenItIsAFindingAtTheShownLevel(bool monitors, bool windowFindings)
    {
        var h = Harness(monitors, windowFindings);
        var row = Harm("site=A", "wilson-floor", Bound(1, 365.25) - 0.05);

        var events = h.Decide(0, [row]);

        Assert.Equal("detected", StateOf(h, row));
        Assert.Single(events.OfType<FindingOpened>());
    }

    [Fact]
    public void GivenHarmRowsWithoutIntervalOrThresholdOrNotDetected_WhenJudged_ThenTheirOutcomeStands()
    {
        var h = Harness();
        var threshold = Bound(1, 365.25) - 0.05;
        var noInterval = Harm("site=A", "wilson-floor", threshold, noInterval: true);
        var noThreshold = new Row
        {
            Kind = FindingKind.PerformanceDecay, Scope = "site=B", Signal = "performance:sensitivity:pneumothorax", Method = "wilson-floor",
            Statistic = Statistic, Effect = 0.1, Interval = Shown, Fixed = Outcome.Detected,
        };
        // Outcomes other than detected are never re-judged: a clear floor whose budget bound would say "detected" stays clear.
        var clear = Harm("site=C", "wilson-floor", 0.99, Outcome.Clear);
        var straddles = Harm("site=D", "wilson-floor", 0.99, Outcome.NotDemonstrated);

        h.Decide(0, [noInterval, noThreshold, clear, straddles]);

        Assert.Equal(["detected", "detected", "ok", "not-demonstrated"], new[] { noInterval, noThreshold, clear, straddles }.Select(r => StateOf(h, r)));
    }

    [Fact]
    public void GivenMonitorsOn_WhenAWindowTestDetects_ThenItOpensNothingAndLinksToTheMonitorsOpenFinding()
    {
        var h = Harness();
        h.State.Monitors.Open["site=A|study:manufacturer"] = new Detection.Monitors.MonitorFinding { FindingId = "fdg-monitor" };
        var linked = new Row
        {
            Kind = FindingKind.DistributionShift, Scope = "site=A", Signal = "study:manufacturer", Method = "chi2", Statistic = 30, P = 1e-9, Effect = 0.2, MinEffect = 0.03,
        };
        var alone = new Row
        {
            Kind = FindingKind.DistributionShift, Scope = "site=B", Signal = "study:manufacturer", Method = "chi2", Statistic = 30, P = 1e-9, Effect = 0.2, MinEffect = 0.03,
        };

        var events = h.Decide(0, [linked, alone]);

        Assert.Empty(events);
        Assert.Empty(h.State.Trackers);
        Assert.Equal(("detected", "fdg-monitor"), (StateOf(h, linked), h.State.Status[DecisionHarness.Key(linked)].OpenFindingId));
        Assert.Null(h.State.Status[DecisionHarness.Key(alone)].OpenFindingId);
    }

    [Fact]
    public void GivenAThresholdExactlyAtTheBudgetBound_WhenJudged_ThenItIsNotEvidenceOfHarm()
    {
        // The bound computed in the same floating-point order as the decider: equality is not beyond the threshold.
        var zLevel = Normal.InvCDF(0, 1, 1 - (1 - Shown.Level) / 2);
        var se = (Shown.Upper - Shown.Lower) / (2 * zLevel);
        var z = Normal.InvCDF(0, 1, 1 - Math.Clamp(DeploymentRuntime.HarmShare * 0.5 / (365.25 * Math.Max(1, 2)), 1e-15, 0.5));
        var h = Harness();
        var floor = Harm("site=A", "wilson-floor", Statistic + z * se);
        var gap = Harm("sex=*", "equalized-odds", Statistic - z * se);

        h.Decide(0, [floor, gap]);

        Assert.Equal(("not-demonstrated", "inconclusive"), (StateOf(h, floor), StateOf(h, gap)));
    }
}
