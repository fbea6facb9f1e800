using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The window decision and the finding lifecycle, row by row: which outcome each (p, effect) row gets at the policy's levels,
/// the multiple-testing family, the status row shown for it, and the exact events of confirm / update / resolve.
/// Levels of every test: α = 0.01, resolveAlpha = 0.05, no correction, minimum effect 0.1 (clear below 0.05).
/// </summary>
public sealed class DecisionTests
{
    private static DecisionHarness Harness(int confirmAfter = 1, int resolveAfter = 2, string correction = "none") => new(p =>
    {
        p.Thresholds.Alpha = 0.01;
        p.Thresholds.ResolveAlpha = 0.05;
        p.Thresholds.Correction = correction;
        p.Thresholds.ConfirmAfter = confirmAfter;
        p.Thresholds.ResolveAfter = resolveAfter;
    });

    private static Row Shift(string scope = "site=A", double? p = 0.001, double effect = 0.2, double statistic = 12.5) => new()
    {
        Kind = FindingKind.DistributionShift, Scope = scope, Signal = "study:manufacturer", Method = "m", Statistic = statistic, P = p,
        Effect = effect, MinEffect = 0.1, ReferenceSize = 1000, CurrentSize = 100, Threshold = 0.01,
    };

    private static Row Clear(string scope = "site=A") => Shift(scope, p: 0.5, effect: 0.01, statistic: 0.4);

    private static Row Unsure(string scope = "site=A") => Shift(scope, p: 0.02, effect: 0.2, statistic: 7);

    private static string StateOf(DecisionHarness h, Row r) => h.State.Status[DecisionHarness.Key(r)].State;

    private static FindingEvidence EvidenceOf(Row r, int window, string referenceId = "", double? adjusted = null) => new()
    {
        Signal = r.Signal, Method = r.Method, Statistic = r.Statistic, PValue = r.P, AdjustedPValue = adjusted ?? r.P, EffectSize = r.Effect,
        Interval = r.Interval, Threshold = r.Threshold, Window = DecisionHarness.Window(window), ReferenceSize = (int)r.ReferenceSize,
        CurrentSize = (int)r.CurrentSize, ReferenceId = referenceId, PolicyVersion = 1,
    };

    private static List<object> Findings(List<object> events) =>
        events.Where(e => e is FindingOpened or FindingUpdated or FindingResolved).ToList();

    [Theory]
    // p below α and the effect at least the minimum: detected; at α exactly it is not.
    [InlineData(0.001, 0.1, "detected")]
    [InlineData(0.0099, 0.2, "detected")]
    [InlineData(0.01, 0.2, "inconclusive")]
    // Significant but a small effect: inconclusive unless the effect is under half the minimum.
    [InlineData(0.001, 0.0999, "inconclusive")]
    [InlineData(0.001, 0.05, "inconclusive")]
    [InlineData(0.001, 0.0499, "ok")]
    // Between α and resolveAlpha: inconclusive; from resolveAlpha on: clear.
    [InlineData(0.049, 0.08, "inconclusive")]
    [InlineData(0.05, 0.08, "ok")]
    [InlineData(0.02, 0.06, "inconclusive")]
    [InlineData(0.02, 0.0499, "ok")]
    // Distances without a p-value are judged on the effect alone.
    [InlineData(null, 0.1, "detected")]
    [InlineData(null, 0.0999, "inconclusive")]
    [InlineData(null, 0.05, "inconclusive")]
    [InlineData(null, 0.0499, "ok")]
    public void GivenARowsPValueAndEffect_WhenDecided_ThenItsStatusIsTheOutcomeAtThePolicysLevels(double? p, double effect, string expected)
    {
        var h = Harness();
        var row = Shift(p: p, effect: effect);

        h.Decide(0, [row]);

        Assert.Equal(expected, StateOf(h, row));
    }

    [Fact]
    public void GivenAnAlphaForThisEvaluation_WhenDecided_ThenItReplacesThePolicysAlphaAndRaisesTheResolveLevelWithIt()
    {
        var h = Harness();
        var detected = Shift("site=A", p: 0.1, effect: 0.2);
        var between = Shift("site=B", p: 0.1, effect: 0.08);
        var clear = Shift("site=C", p: 0.2, effect: 0.08);

        h.Decide(0, [detected, between, clear], alpha: 0.2);

        // resolveAlpha = max(0.2, 0.05): p 0.1 with a small effect is inconclusive, not clear.
        Assert.Equal(["detected", "inconclusive", "ok"], new[] { StateOf(h, detected), StateOf(h, between), StateOf(h, clear) });
    }

    [Fact]
    public void GivenRowsWithAndWithoutAPValue_WhenCorrected_ThenOnlyTheSufficientUnfixedRowsFormTheFamily()
    {
        var h = Harness(correction: "holm");
        var a = Shift("site=A", p: 0.01);
        var b = Shift("site=B", p: 0.04);
        var insufficient = new Row { Kind = FindingKind.DistributionShift, Scope = "site=C", Signal = "study:manufacturer", Method = "m", P = 0.5, Insufficient = true, ReferenceSize = 1000, CurrentSize = 5 };
        var fixedRow = new Row { Kind = FindingKind.PerformanceDecay, Scope = "site=D", Signal = "performance:sensitivity", Method = "wilson-floor", P = 0.3, Fixed = Outcome.Clear, Statistic = 0.9 };
        var distance = Shift("site=E", p: null);

        h.Decide(0, [a, b, insufficient, fixedRow, distance]);

        // Holm over the two tested rows: 2 · 0.01, max(0.02, 1 · 0.04).
        Assert.Equal(0.02, h.State.Status[DecisionHarness.Key(a)].AdjustedPValue!.Value, 12);
        Assert.Equal(0.04, h.State.Status[DecisionHarness.Key(b)].AdjustedPValue!.Value, 12);
        Assert.Null(h.State.Status[DecisionHarness.Key(insufficient)].AdjustedPValue);
        Assert.Null(h.State.Status[DecisionHarness.Key(fixedRow)].AdjustedPValue);
        Assert.Null(h.State.Status[DecisionHarness.Key(distance)].AdjustedPValue);
        Assert.Equal("ok", StateOf(h, fixedRow));
    }

    [Fact]
    public void GivenADetectedAndAnInsufficientRow_WhenDecided_ThenTheirStatusRowsCarryExactlyTheirEvidence()
    {
        var h = Harness(confirmAfter: 2);
        var row = Shift("sex=F", p: 0.001);
        var withInterval = new Row
        {
            Kind = FindingKind.DistributionShift, Scope = "*", Signal = "feature:meanIntensity", Method = "m", Statistic = 3, P = 0.2, Effect = 0.01,
            MinEffect = 0.1, Interval = new Interval(1, 5, 0.95), Threshold = 0.01, ReferenceSize = 300, CurrentSize = 40,
        };
        var insufficient = new Row
        {
            Kind = FindingKind.DistributionShift, Scope = "site=B", Signal = "study:manufacturer", Method = "m", Statistic = 9, Effect = 0.3,
            ReferenceSize = 1000, CurrentSize = 7, Insufficient = true, Interval = new Interval(0, 1, 0.95), Threshold = 0.2,
        };

        var events = h.Decide(0, [row, withInterval, insufficient]);

        Assert.Empty(Findings(events));
        var s = h.State.Status[DecisionHarness.Key(row)];
        Assert.Equal(("sex=F", "study:manufacturer", "m", FindingKind.DistributionShift, "detected"), (s.Scope, s.Signal, s.Method, s.Kind, s.State));
        Assert.Equal((12.5, 0.001, 0.001, 0.2, 0.01, 1000L, 100L), (s.Statistic, s.PValue, s.AdjustedPValue, s.EffectSize, s.Threshold, s.ReferenceSize, s.CurrentSize));
        Assert.Equal(DecisionHarness.Window(0), s.Window);
        Assert.Null(s.Interval);
        // The first of two confirming detections: tracked, no finding yet.
        Assert.Null(s.OpenFindingId);
        Assert.Equal(1, h.State.Trackers[DecisionHarness.Key(row)].ConsecutiveDetections);

        var w = h.State.Status[DecisionHarness.Key(withInterval)];
        Assert.Equal(("ok", new Interval(1, 5, 0.95), 300L, 40L), (w.State, w.Interval, w.ReferenceSize, w.CurrentSize));

        var i = h.State.Status[DecisionHarness.Key(insufficient)];
        Assert.Equal("insufficient-evidence", i.State);
        Assert.Null(i.Statistic);
        Assert.Null(i.EffectSize);
        Assert.Null(i.PValue);
        Assert.Equal((new Interval(0, 1, 0.95), (double?)0.2, 1000L, 7L), (i.Interval, i.Threshold, i.ReferenceSize, i.CurrentSize));
        Assert.False(h.State.Trackers.ContainsKey(DecisionHarness.Key(insufficient)));
    }

    [Fact]
    public void GivenRecordStatusOff_WhenDecided_ThenTheLifecycleStepsButNoStatusRowIsWritten()
    {
        var h = Harness();
        var row = Shift();

        var events = h.Decide(0, [row], recordStatus: false);

        Assert.Empty(h.State.Status);
        Assert.Single(events.OfType<FindingOpened>());
    }

    [Fact]
    public void GivenConfirmAfter2AndResolveAfter2_WhenWindowsDetectUpdateAndRecover_ThenTheExactEventsFollow()
    {
        var h = Harness(confirmAfter: 2, resolveAfter: 2);
        h.State.Reference.Id = "ref-7";
        var key = DecisionHarness.Key(Shift());

        Assert.Empty(h.Decide(0, [Shift()]));

        var openingEvents = h.Decide(1, [Shift()]);
        var opened = Assert.Single(Findings(openingEvents));
        var id = Detector.FindingId(DecisionHarness.Deployment, key, 200);
        // The finding first, then the change it opened.
        Assert.Equal(2, openingEvents.Count);
        Assert.Equal((id, 200L), Assert.IsType<ChangeOpened>(openingEvents[1]) is var change ? (change.RootFindingId, change.IngestSequence) : default);
        var o = Assert.IsType<FindingOpened>(opened);
        Assert.Equal(id, o.FindingId);
        Assert.Equal(DecisionHarness.Deployment, o.Deployment);
        Assert.Equal(FindingKind.DistributionShift, o.Kind);
        Assert.Equal(Severity.Warning, o.Severity);
        Assert.Equal(new ModelRef("cxr-triage", "2.3.1"), o.Model);
        Assert.Equal("A", o.Site);
        Assert.Empty(o.Subgroup);
        Assert.Equal("site=A", o.Scope);
        Assert.Equal("study:manufacturer shifted in site=A of cxr-triage@2.3.1: m 12.5, adjusted p 0.001, effect 0.2, n 100 vs reference 1000.", o.Summary);
        Assert.Equal(EvidenceOf(Shift(), 1, "ref-7"), o.Evidence);
        Assert.Equal(DecisionHarness.Window(1).LastEventTime, o.DetectedAt);
        Assert.Equal(200, o.IngestSequence);
        Assert.NotNull(o.ChangeId);
        Assert.True(o.IsRootCause);
        Assert.Equal(id, h.State.Status[key].OpenFindingId);

        var stronger = Shift(statistic: 20, effect: 0.3);
        Assert.Equal([new FindingUpdated(id, Severity.Warning, EvidenceOf(stronger, 2, "ref-7"), 2, DecisionHarness.Window(2).LastEventTime, 300)],
            Findings(h.Decide(2, [stronger])));
        Assert.Equal([new FindingUpdated(id, Severity.Warning, EvidenceOf(Shift(), 3, "ref-7"), 3, DecisionHarness.Window(3).LastEventTime, 400)],
            Findings(h.Decide(3, [Shift()])));

        // One clear window, then an inconclusive one: the clear streak restarts.
        Assert.Empty(Findings(h.Decide(4, [Clear()])));
        Assert.Equal(id, h.State.Status[key].OpenFindingId);
        Assert.Equal((1, 0), (h.State.Trackers[key].ConsecutiveClear, h.State.Trackers[key].ConsecutiveDetections));
        Assert.Empty(Findings(h.Decide(5, [Unsure()])));
        Assert.Equal((0, 0), (h.State.Trackers[key].ConsecutiveClear, h.State.Trackers[key].ConsecutiveDetections));
        Assert.Empty(Findings(h.Decide(6, [Clear()])));
        Assert.Equal(1, h.State.Trackers[key].ConsecutiveClear);

        // Resolved on the second consecutive clear window, with that window's evidence.
        Assert.Equal([new FindingResolved(id, EvidenceOf(Clear(), 7, "ref-7"), DecisionHarness.Window(7).LastEventTime, "recovered", 800)],
            Findings(h.Decide(7, [Clear()])));
        Assert.False(h.State.Trackers.ContainsKey(key));
        Assert.Null(h.State.Status[key].OpenFindingId);
        // Its change starts its quiet period at the resolution.
        Assert.Equal(DecisionHarness.Window(7).LastEventTime, Assert.Single(h.State.Changes).QuietSince);
    }

    [Fact]
    public void GivenAnOpenFindingWithOneClearWindow_WhenADetectionInterrupts_ThenTheClearStreakRestarts()
    {
        var h = Harness(confirmAfter: 1, resolveAfter: 2);

        var lifecycle = string.Concat(new[] { Shift(), Clear(), Shift(), Clear(), Clear() }.Select((row, i) => Findings(h.Decide(i, [row])) switch
        {
            [] => "-",
            [FindingOpened] => "O",
            [FindingUpdated] => "U",
            [FindingResolved] => "R",
            _ => "?",
        }));

        Assert.Equal("O-U-R", lifecycle);
    }

    [Fact]
    public void GivenAnOpenWindowFinding_WhenAPolicyVersionChangesTheLayout_ThenItResolvesWithItsLastDetectionsEvidence()
    {
        var h = Harness(confirmAfter: 1);
        var opened = Assert.IsType<FindingOpened>(Findings(h.Decide(0, [Shift()]))[0]);
        var stronger = Shift(statistic: 30, effect: 0.4);
        h.Decide(1, [stronger]);
        var loaded = CoreHarness.LoadTestPolicy("policies/hysteresis-policy.yaml");
        loaded.Policy.Window.Count = 500;
        var emitted = new List<object>();

        DeploymentRuntime.Start(DecisionHarness.Deployment, new PolicyVersion(DecisionHarness.Deployment, 2, 900, loaded.Policy, null, "v2"), h.State, emitted, 901);

        var resolved = Assert.IsType<FindingResolved>(emitted[0]);
        Assert.Equal((opened.FindingId, "policy-replaced", DecisionHarness.Window(1).LastEventTime, 901L), (resolved.FindingId, resolved.Reason, resolved.ResolvedAt, resolved.IngestSequence));
        Assert.Equal(EvidenceOf(stronger, 1), resolved.Evidence);
    }

    [Fact]
    public void GivenADetectionAfterAResolution_WhenConfirmed_ThenANewFindingOpensAndTheCountRestarts()
    {
        var h = Harness(confirmAfter: 1, resolveAfter: 1);
        var key = DecisionHarness.Key(Shift());

        var first = Assert.IsType<FindingOpened>(Assert.Single(Findings(h.Decide(0, [Shift()]))));
        Assert.IsType<FindingResolved>(Assert.Single(Findings(h.Decide(1, [Clear()]))));
        var second = Assert.IsType<FindingOpened>(Assert.Single(Findings(h.Decide(2, [Shift()]))));
        var update = Assert.IsType<FindingUpdated>(Assert.Single(Findings(h.Decide(3, [Shift()]))));

        Assert.NotEqual(first.FindingId, second.FindingId);
        Assert.Equal(Detector.FindingId(DecisionHarness.Deployment, key, 300), second.FindingId);
        Assert.Equal((second.FindingId, 2), (update.FindingId, update.Occurrences));
    }

    [Theory]
    [InlineData("DID", "---")]
    [InlineData("DCD", "---")]
    [InlineData("DIDD", "---O")]
    [InlineData("DCDD", "---O")]
    [InlineData("DD", "-O")]
    public void GivenConfirmAfter2_WhenDetectionsAreInterrupted_ThenOnlyTwoInARowOpen(string pattern, string expected)
    {
        var h = Harness(confirmAfter: 2);
        var lifecycle = "";
        for (var i = 0; i < pattern.Length; i++)
        {
            var row = pattern[i] switch { 'D' => Shift(), 'C' => Clear(), _ => Unsure() };
            var events = Findings(h.Decide(i, [row]));
            lifecycle += events.Count == 0 ? "-" : events[0] is FindingOpened ? "O" : "?";
            if (pattern[i] != 'D') Assert.False(h.State.Trackers.ContainsKey(DecisionHarness.Key(row)));
        }

        Assert.Equal(expected, lifecycle);
    }

    [Fact]
    public void GivenNoTracker_WhenAWindowIsClearOrInconclusive_ThenNothingIsTracked()
    {
        var h = Harness();

        Assert.Empty(h.Decide(0, [Clear("site=A"), Unsure("site=B")]));

        Assert.Empty(h.State.Trackers);
        Assert.Null(h.State.Status[DecisionHarness.Key(Clear("site=A"))].OpenFindingId);
    }

    [Fact]
    public void GivenARowWithItsOwnResolveAfter_WhenClear_ThenItOverridesThePolicys()
    {
        var h = Harness(resolveAfter: 3);
        var opened = Assert.IsType<FindingOpened>(Assert.Single(Findings(h.Decide(0, [Shift()]))));
        var own = new Row
        {
            Kind = FindingKind.DistributionShift, Scope = "site=A", Signal = "study:manufacturer", Method = "m", Statistic = 0.4, P = 0.5,
            Effect = 0.01, MinEffect = 0.1, ReferenceSize = 1000, CurrentSize = 100, Threshold = 0.01, ResolveAfter = 1,
        };

        var resolved = Assert.IsType<FindingResolved>(Assert.Single(Findings(h.Decide(1, [own]))));

        Assert.Equal(opened.FindingId, resolved.FindingId);
    }

    [Theory]
    [InlineData(FindingKind.DistributionShift, Severity.Warning)]
    [InlineData(FindingKind.PerformanceDecay, Severity.Critical)]
    [InlineData(FindingKind.FairnessGap, Severity.Error)]
    [InlineData(FindingKind.EstimatedPerformanceDecay, Severity.Warning)]
    public void GivenAFindingKind_WhenItOpensWithoutAPolicySeverity_ThenItGetsTheKindsDefaultSeverity(FindingKind kind, Severity expected)
    {
        var h = Harness();
        var row = new Row
        {
            Kind = kind, Scope = "*", Signal = "s", Method = "m", Statistic = 1, P = 0.001, Effect = 0.2, MinEffect = 0.1, ReferenceSize = 10, CurrentSize = 10,
        };

        var opened = Assert.IsType<FindingOpened>(Assert.Single(Findings(h.Decide(0, [row]))));

        Assert.Equal(expected, opened.Severity);
    }

    [Fact]
    public void GivenAPolicySeverity_WhenAFindingOpensAndUpdates_ThenBothCarryIt()
    {
        var h = new DecisionHarness(p =>
        {
            p.Thresholds.Alpha = 0.01;
            p.Thresholds.Correction = "none";
            p.Severity["distribution-shift"] = "error";
        });

        var opened = Assert.IsType<FindingOpened>(Assert.Single(Findings(h.Decide(0, [Shift()]))));
        var updated = Assert.IsType<FindingUpdated>(Assert.Single(Findings(h.Decide(1, [Shift()]))));

        Assert.Equal((Severity.Error, Severity.Error), (opened.Severity, updated.Severity));
    }

    [Fact]
    public void GivenAFloorRowAndASubgroupScope_WhenItOpens_ThenTheSummaryShowsItsIntervalAndThresholdAndTheSubgroup()
    {
        var h = Harness();
        var floor = new Row
        {
            Kind = FindingKind.PerformanceDecay, Scope = "sex=F&ageBand=65%2B", Signal = "performance:sensitivity:pneumothorax", Method = "wilson-floor",
            Statistic = 0.6, Effect = 0.15, Interval = new Interval(0.5, 0.7, 0.95), Threshold = 0.8, ReferenceSize = 5_000_000_000, CurrentSize = 100,
            Fixed = Outcome.Detected, Verb = "is below its floor",
        };
        var population = Shift("*");

        var opened = h.Decide(0, [floor, population]).OfType<FindingOpened>().ToList();

        Assert.Equal(2, opened.Count);
        Assert.Equal("performance:sensitivity:pneumothorax is below its floor in sex=F&ageBand=65%2B of cxr-triage@2.3.1: wilson-floor 0.6 [0.5, 0.7] (threshold 0.8), effect 0.15, n 100 vs reference 5000000000.", opened[0].Summary);
        Assert.Null(opened[0].Site);
        Assert.Equal(new Dictionary<string, string> { ["ageBand"] = "65+", ["sex"] = "F" }, opened[0].Subgroup);
        Assert.Equal(int.MaxValue, opened[0].Evidence.ReferenceSize);
        Assert.Equal(100, opened[0].Evidence.CurrentSize);
        Assert.Equal("study:manufacturer shifted in the whole population of cxr-triage@2.3.1: m 12.5, adjusted p 0.001, effect 0.2, n 100 vs reference 1000.", opened[1].Summary);
    }
}
