using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Alerts;

/// <summary>
/// Pure decisions on incidents opened or updated by the detector's changes (root-cause groups): one incident per
/// change, paged once when it opens (<see cref="Open"/>), every later message an update that pages nobody.
/// </summary>
public static class IncidentDecisions
{
    /// <summary>Opens the incident of a change: <see cref="AlertDecisions.Raise"/> plus the change's members and scope.</summary>
    public static IReadOnlyList<object> Open(Guid alertId, ChangeDetected change, RoutingConfig config, DateTimeOffset now)
    {
        var clinical = IsClinical(change.Members, change.Severity, change.Kind);
        var labels = AlertLabels.ForChange(change, clinical);
        var events = AlertDecisions.Raise(alertId, AlertSource.Finding, labels, change.Summary, null, change.Severity, clinical, null,
            change.DetectedAt, config, now).ToList();
        var raised = (AlertRaised)events[0];
        events[0] = raised with
        {
            FindingId = change.RootFindingId,
            Kind = change.Kind,
            Model = change.Model,
            Site = change.Site ?? change.RootScope.GetValueOrDefault("site"),
            Subgroup = change.RootScope.Where(kv => kv.Key != "site").ToDictionary(),
            Evidence = null,
            TraceId = change.TraceId,
        };
        events.Insert(1, Attributed(change.ChangeId, change.Summary, change.Severity, clinical, change.Members, change.RootScope,
            change.EstimatedStart, change.AffectedEvents, raised.DecisionDueAt, change.DetectedAt, now));
        return events;
    }

    /// <summary>
    /// A change message for an incident that is already open (a redelivery, or the change arrived after one of its
    /// findings opened the incident): an update when anything moved, nothing otherwise; never a page.
    /// </summary>
    public static Outcome Absorb(Alert alert, ChangeDetected change, RoutingConfig config, DateTimeOffset now) =>
        Update(alert, change.ChangeId, change.Summary, change.Severity, change.Members, change.RootScope, change.EstimatedStart,
            change.AffectedEvents, change.DetectedAt, config, now);

    /// <summary>New members or evidence for the change: an update; a redelivery (nothing moved) changes nothing.</summary>
    public static Outcome Absorb(Alert alert, ChangeUpdated update, RoutingConfig config, DateTimeOffset now) =>
        Update(alert, update.ChangeId, update.Summary, update.Severity, update.Members, null, null, update.AffectedEvents,
            update.UpdatedAt, config, now);

    /// <summary>
    /// Every member of the change recovered: the incident resolves automatically, except a clinical-safety incident
    /// without an oversight decision, which records the recovery and stays open for a person.
    /// </summary>
    public static Outcome Recovered(Alert alert, ChangeResolved resolved, DateTimeOffset now)
    {
        var marker = AlertLabels.ChangeKey(resolved.ChangeId);
        if (alert.Status == AlertStatus.Resolved || alert.RecoveredFindingIds.Contains(marker))
        {
            return Outcome.Nothing;
        }

        var recovery = new AlertRecoveryObserved(marker, null, now);
        return alert.AwaitingDecision
            ? Outcome.Ok(recovery)
            : Outcome.Ok(recovery, new AlertResolved(AlertDecisions.DetectorActor, true, $"Change {resolved.ChangeId} recovered: every member finding cleared.", now));
    }

    private static Outcome Update(Alert alert, string changeId, string summary, Severity severity, IReadOnlyList<ChangeMember> members,
        IReadOnlyDictionary<string, string>? rootScope, DateTimeOffset? estimatedStart, long? affected, DateTimeOffset sourceTime,
        RoutingConfig config, DateTimeOffset now)
    {
        if (alert.Status == AlertStatus.Resolved)
        {
            return Outcome.Nothing;
        }

        var next = Members(members);
        // Findings already in the incident but not (yet) in the detector's member list stay: nothing is dropped.
        next.AddRange(alert.Members.Where(m => next.All(n => n.FindingId != m.FindingId)).Select(m => m with { Root = false }));
        var top = severity > alert.Severity ? severity : alert.Severity;
        var clinical = alert.ClinicalSafety || IsClinical(members, severity, alert.Kind);
        var moved = summary != alert.Summary || top != alert.Severity || clinical != alert.ClinicalSafety
            || (affected is not null && affected != alert.AffectedEvents) || alert.ChangeId != changeId
            || !next.Select(m => (m.FindingId, m.Severity, m.Root)).SequenceEqual(alert.Members.Select(m => (m.FindingId, m.Severity, m.Root)));
        if (!moved)
        {
            return Outcome.Nothing;
        }

        DateTimeOffset? due = !clinical || alert.Decision is not null ? null : alert.DecisionDueAt ?? now + config.DecisionDeadline;
        return Outcome.Ok(Attributed(changeId, summary, top, clinical, members, rootScope, estimatedStart, affected, due, sourceTime, now) with
        {
            Members = next,
        });
    }

    private static ChangeAttributed Attributed(string changeId, string summary, Severity severity, bool clinical, IReadOnlyList<ChangeMember> members,
        IReadOnlyDictionary<string, string>? rootScope, DateTimeOffset? estimatedStart, long? affected, DateTimeOffset? due,
        DateTimeOffset sourceTime, DateTimeOffset now) => new()
    {
        ChangeId = changeId,
        Summary = summary,
        Severity = severity,
        ClinicalSafety = clinical,
        Members = Members(members),
        RootScope = rootScope,
        EstimatedStart = estimatedStart,
        AffectedEvents = affected,
        DecisionDueAt = due,
        SourceTime = sourceTime,
        At = now,
    };

    private static List<IncidentMember> Members(IReadOnlyList<ChangeMember> members) =>
        members.Select((m, i) => new IncidentMember(m.FindingId, m.Kind, m.Signal, m.Subgroup, m.Severity, Root: i == 0)).ToList();

    /// <summary>Clinical-safety when any member is (the rule in <see cref="AlertLabels.IsClinicalSafety"/>).</summary>
    private static bool IsClinical(IReadOnlyList<ChangeMember> members, Severity severity, FindingKind? kind) =>
        AlertLabels.IsClinicalSafety(severity, kind) || members.Any(m => AlertLabels.IsClinicalSafety(m.Severity, m.Kind));
}
