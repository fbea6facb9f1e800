using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Finding lifecycle of the sequential monitors: one finding per (scope, signal), opened at the first cell alarm (at the event
/// that crossed the threshold, with the excursion's start as the estimated start of the change), resolved when every alarmed
/// cell of it is back at 0 (the capped statistic gives the hysteresis). Each opened finding is attached to a root-cause group.
/// </summary>
internal sealed class MonitorFindings(DeploymentState state, CompiledPolicy policy, List<object> emitted, ChangeTracker changes)
{
    public void Raise(in Alarm a, long sequence, DateTimeOffset time)
    {
        var key = a.Scope + "|" + a.Signal;
        var open = state.Monitors.Open;
        if (open.TryGetValue(key, out var existing))
        {
            existing.AlarmedCells++;
            return;
        }

        var id = Detector.FindingId(state.Key, "monitor|" + key, sequence);
        var evidence = new FindingEvidence
        {
            Signal = a.Signal, Method = a.Method, Statistic = a.Cell.S, Threshold = a.Threshold, EffectSize = a.Effect,
            Window = Cells.Window(a.Cell, sequence, time), ReferenceSize = (int)Math.Min(int.MaxValue, a.ReferenceSize),
            CurrentSize = (int)Math.Min(int.MaxValue, a.Cell.N), ReferenceId = state.Reference.Id, PolicyVersion = state.PolicyVersion,
        };
        var severity = policy.SeverityFor(a.Kind, a.Kind == FindingKind.PerformanceDecay ? Severity.Critical : Severity.Warning);
        open[key] = new MonitorFinding { FindingId = id, AlarmedCells = 1, Evidence = evidence };
        var (changeId, isRoot) = changes.Attach(new ChangeCandidate(id, a.Kind, a.Signal, a.Scope, severity, a.Effect, a.Cell.N, a.Cell.StartTime, time, a.NewGroup, a.Cell.Sum, a.ReferenceSize), sequence);
        var (site, subgroup) = ScopeText.Describe(a.Scope, state.Site);
        var where = a.Scope == "*" ? "the whole population" : a.Scope;
        var summary = $"{a.Signal} in {where} of {state.Model}: {a.Detail} since {a.Cell.StartTime:yyyy-MM-dd HH:mm}Z ({a.Method} {Detector.F(a.Cell.S)} ≥ threshold {Detector.F(a.Threshold)}).";
        emitted.Add(new FindingOpened(id, state.Key, a.Kind, severity, state.Model, site, subgroup, a.Scope, summary, evidence, time, sequence, changeId, isRoot));
        changes.Flush();
    }

    public void Clear(in Alarm a, long sequence, DateTimeOffset time)
    {
        var key = a.Scope + "|" + a.Signal;
        if (!state.Monitors.Open.TryGetValue(key, out var f)) return;
        if (--f.AlarmedCells > 0) return;
        state.Monitors.Open.Remove(key);
        emitted.Add(new FindingResolved(f.FindingId, f.Evidence!, time, "recovered", sequence));
        changes.Resolved(f.FindingId, time, sequence);
    }
}
