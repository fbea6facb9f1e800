using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// One CUSUM cell step by step (excursion start, effect bookkeeping, alarm at the threshold, cap at 5·h, clear at 0) and the
/// monitor findings' exact events: one finding per (scope, signal) however many cells alarm, resolved when the last one clears.
/// </summary>
public sealed class MonitorLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GivenAnIdleCell_WhenTheIncrementIsNotPositive_ThenNothingStarts()
    {
        var c = new Cell { StartSequence = 3, StartTime = T0, N = 7, Sum = 2 };

        Assert.Equal(CellEvent.None, Cells.Step(c, 0, 5, 1, 10, T0.AddHours(1)));
        Assert.Equal(CellEvent.None, Cells.Step(c, -0.5, 5, 1, 11, T0.AddHours(2)));

        Assert.Equal((0.0, 7L, 2.0, 3L, T0, false), (c.S, c.N, c.Sum, c.StartSequence, c.StartTime, c.Alarmed));
    }

    [Fact]
    public void GivenAnExcursion_WhenItCrossesTheThreshold_ThenItRaisesOnceWithItsStartAndEffectSums()
    {
        var c = new Cell { N = 9, Sum = 9 };

        Assert.Equal(CellEvent.None, Cells.Step(c, 0.4, 2.0, 1.0, 10, T0));
        Assert.Equal((0.4, 1L, 2.0, 10L, T0), (c.S, c.N, c.Sum, c.StartSequence, c.StartTime));
        Assert.Equal(CellEvent.None, Cells.Step(c, 0.5, 3.0, 1.0, 11, T0.AddMinutes(1)));
        // S = 1.0 exactly at h = 1: raised.
        Assert.Equal(CellEvent.Raised, Cells.Step(c, 0.1, 4.0, 1.0, 12, T0.AddMinutes(2)));
        Assert.Equal((1.0, 3L, 9.0, 10L, T0, true), (Math.Round(c.S, 12), c.N, c.Sum, c.StartSequence, c.StartTime, c.Alarmed));
        Assert.Equal(CellEvent.None, Cells.Step(c, 0.5, 1.0, 1.0, 13, T0.AddMinutes(3)));
        Assert.Equal(new WindowBounds(10, 20, T0, T0.AddHours(1)), Cells.Window(c, 20, T0.AddHours(1)));
    }

    [Fact]
    public void GivenAnAlarmedCell_WhenTheStatisticClimbs_ThenItIsCappedAtFiveThresholdsAndClearsOnlyAtZero()
    {
        var c = new Cell();
        Assert.Equal(CellEvent.Raised, Cells.Step(c, 2, 1, 1, 1, T0));

        Assert.Equal(CellEvent.None, Cells.Step(c, 10, 1, 1, 2, T0));
        Assert.Equal(5.0, c.S);
        Assert.Equal(CellEvent.None, Cells.Step(c, -4.5, 0, 1, 3, T0));
        Assert.Equal(0.5, c.S, 12);
        Assert.Equal(3L, c.N);
        // Back to 0: cleared, and the excursion's sums stop growing.
        Assert.Equal(CellEvent.Cleared, Cells.Step(c, -1, 7, 1, 4, T0));
        Assert.Equal((0.0, false, 3L, 2.0), (c.S, c.Alarmed, c.N, c.Sum));
        // A new excursion starts afresh.
        Assert.Equal(CellEvent.None, Cells.Step(c, 0.25, 6, 1, 5, T0.AddHours(3)));
        Assert.Equal((1L, 6.0, 5L, T0.AddHours(3)), (c.N, c.Sum, c.StartSequence, c.StartTime));
    }

    [Fact]
    public void GivenAnAlarmedCellBelowTheCap_WhenItStaysPositive_ThenItIsNeitherCappedNorCleared()
    {
        var c = new Cell();
        Cells.Step(c, 1.5, 1, 1, 1, T0);

        Assert.Equal(CellEvent.None, Cells.Step(c, 3.5, 1, 1, 2, T0));
        Assert.Equal(5.0, c.S);
        Assert.Equal(CellEvent.None, Cells.Step(c, -4.999, 1, 1, 3, T0));
        Assert.True(c.Alarmed);
    }

    [Fact]
    public void GivenAThresholdOtherThanOne_WhenAnAlarmedCellClimbs_ThenTheCapIsFiveTimesThatThreshold()
    {
        var c = new Cell();
        Assert.Equal(CellEvent.Raised, Cells.Step(c, 3, 1, 2, 1, T0));

        Cells.Step(c, 5, 1, 2, 2, T0);
        Assert.Equal(8.0, c.S);
        Cells.Step(c, 5, 1, 2, 3, T0);
        Assert.Equal(10.0, c.S);
    }

    private static (DeploymentState State, MonitorFindings Findings, List<object> Emitted) New(Action<Policies.MonitoringPolicy>? change = null)
    {
        var loaded = CoreHarness.LoadTestPolicy("policies/hysteresis-policy.yaml");
        change?.Invoke(loaded.Policy);
        var state = new DeploymentState { Key = "cxr-triage@2.3.1", Model = new ModelRef("cxr-triage", "2.3.1"), PolicyVersion = 4, Site = "site-a" };
        state.Reference.Id = "ref-3";
        var emitted = new List<object>();
        return (state, new MonitorFindings(state, new CompiledPolicy(loaded.Policy, 4), emitted, new ChangeTracker(state, emitted)), emitted);
    }

    private static Alarm Alarm(string scope, FindingKind kind = FindingKind.DistributionShift, long referenceSize = 800) =>
        new(kind, scope, "feature:meanIntensity", "cusum", new Cell { S = 12.5, N = 40, Sum = 20, StartSequence = 1000, StartTime = T0, Alarmed = true },
            10.25, 0.5, referenceSize, "mean up by 0.5 SD");

    [Fact]
    public void GivenAFirstCellAlarm_WhenRaised_ThenAFindingOpensWithTheExcursionAsItsEvidence()
    {
        var (state, findings, emitted) = New();

        findings.Raise(Alarm("sex=F"), 1040, T0.AddHours(2));

        var o = Assert.IsType<FindingOpened>(emitted[0]);
        var id = Detector.FindingId("cxr-triage@2.3.1", "monitor|sex=F|feature:meanIntensity", 1040);
        Assert.Equal((id, "cxr-triage@2.3.1", FindingKind.DistributionShift, Severity.Warning, "site-a", "sex=F"), (o.FindingId, o.Deployment, o.Kind, o.Severity, o.Site, o.Scope));
        Assert.Equal(new Dictionary<string, string> { ["sex"] = "F" }, o.Subgroup);
        Assert.Equal("feature:meanIntensity in sex=F of cxr-triage@2.3.1: mean up by 0.5 SD since 2026-03-01 00:00Z (cusum 12.5 ≥ threshold 10.25).", o.Summary);
        Assert.Equal(new FindingEvidence
        {
            Signal = "feature:meanIntensity", Method = "cusum", Statistic = 12.5, Threshold = 10.25, EffectSize = 0.5, Window = new WindowBounds(1000, 1040, T0, T0.AddHours(2)),
            ReferenceSize = 800, CurrentSize = 40, ReferenceId = "ref-3", PolicyVersion = 4,
        }, o.Evidence);
        Assert.Equal((T0.AddHours(2), 1040L, true), (o.DetectedAt, o.IngestSequence, o.IsRootCause));
        var change = Assert.IsType<ChangeOpened>(emitted[1]);
        Assert.Equal((o.ChangeId, id, T0, 40L), (change.ChangeId, change.RootFindingId, change.EstimatedStart, change.AffectedEvents));
        Assert.Equal(20.0, state.Changes[0].Members[0].Hits);
        Assert.Equal(800, state.Changes[0].Members[0].Size);
        Assert.Equal((id, 1), (state.Monitors.Open["sex=F|feature:meanIntensity"].FindingId, state.Monitors.Open["sex=F|feature:meanIntensity"].AlarmedCells));
    }

    [Fact]
    public void GivenThePopulationAndAHugeReference_WhenRaised_ThenTheSummarySaysWholePopulationAndSizesAreClamped()
    {
        var (_, findings, emitted) = New();

        findings.Raise(Alarm("*", FindingKind.PerformanceDecay, referenceSize: 3_000_000_000), 5, T0);

        var o = emitted.OfType<FindingOpened>().Single();
        Assert.StartsWith("feature:meanIntensity in the whole population of cxr-triage@2.3.1:", o.Summary, StringComparison.Ordinal);
        Assert.Equal((Severity.Critical, int.MaxValue), (o.Severity, o.Evidence.ReferenceSize));
    }

    [Fact]
    public void GivenAPolicySeverity_WhenAMonitorFindingOpens_ThenItHasThatSeverity()
    {
        var (_, findings, emitted) = New(p => p.Severity["distribution-shift"] = "info");

        findings.Raise(Alarm("*"), 5, T0);

        Assert.Equal(Severity.Info, emitted.OfType<FindingOpened>().Single().Severity);
    }

    [Fact]
    public void GivenTwoCellsOfOneFinding_WhenBothAlarmAndClear_ThenItOpensOnceAndResolvesAtTheLastClear()
    {
        var (state, findings, emitted) = New();
        findings.Raise(Alarm("sex=F"), 10, T0);
        var opened = emitted.OfType<FindingOpened>().Single();
        findings.Raise(Alarm("sex=F"), 11, T0.AddMinutes(1));
        Assert.Single(emitted.OfType<FindingOpened>());
        Assert.Equal(2, state.Monitors.Open["sex=F|feature:meanIntensity"].AlarmedCells);

        // A clear of a scope with no open finding changes nothing.
        findings.Clear(Alarm("sex=M"), 12, T0.AddMinutes(2));
        findings.Clear(Alarm("sex=F"), 13, T0.AddMinutes(3));
        Assert.DoesNotContain(emitted, e => e is FindingResolved);
        Assert.Equal(1, state.Monitors.Open["sex=F|feature:meanIntensity"].AlarmedCells);

        findings.Clear(Alarm("sex=F"), 14, T0.AddMinutes(4));

        var resolved = emitted.OfType<FindingResolved>().Single();
        Assert.Equal((opened.FindingId, opened.Evidence, T0.AddMinutes(4), "recovered", 14L), (resolved.FindingId, resolved.Evidence, resolved.ResolvedAt, resolved.Reason, resolved.IngestSequence));
        Assert.Empty(state.Monitors.Open);
        Assert.Equal(T0.AddMinutes(4), state.Changes[0].QuietSince);
    }
}
