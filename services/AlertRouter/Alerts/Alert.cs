using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Alerts;

/// <summary>
/// The alert aggregate, rebuilt from its events (and kept as an inline snapshot document so lists and due timers
/// are queries). <see cref="NextDueAt"/> is the durable timer: the earliest escalation or decision deadline.
/// </summary>
public sealed class Alert
{
    public Guid Id { get; set; }
    public string Fingerprint { get; set; } = "";
    public AlertSource Source { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string Summary { get; set; } = "";
    public string? Description { get; set; }
    public Severity Severity { get; set; }

    /// <summary>Severity's wire name (critical, error, warning, info), for queries: the enum itself is stored by its member name.</summary>
    public string SeverityName { get; set; } = "";
    public bool ClinicalSafety { get; set; }
    public FindingKind? Kind { get; set; }
    public ModelRef? Model { get; set; }
    public string? Site { get; set; }
    public Dictionary<string, string> Subgroup { get; set; } = [];
    public FindingEvidence? Evidence { get; set; }

    /// <summary>W3C trace id of the producer request that delivered the event which raised this alert (carried on its notifications).</summary>
    public string? TraceId { get; set; }
    public List<string> FindingIds { get; set; } = [];
    public List<string> RecoveredFindingIds { get; set; } = [];
    public int Occurrences { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset LastSourceTime { get; set; }
    public AlertStatus Status { get; set; }
    public string ConfigVersion { get; set; } = "";
    public List<string> Routes { get; set; } = [];
    public List<string> GroupKeys { get; set; } = [];
    public EscalationPlan? Escalation { get; set; }
    public int EscalationLevel { get; set; }
    public int EscalationCycle { get; set; }
    public DateTimeOffset? NextEscalationAt { get; set; }
    public DateTimeOffset? DecisionDueAt { get; set; }
    public DateTimeOffset? NextDueAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public OversightDecisionRecorded? Decision { get; set; }
    public bool Recovered { get; set; }
    public string? ResolvedBy { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public bool ResolvedAutomatically { get; set; }
    public string? ResolutionNote { get; set; }
    public List<Guid> SilencedBy { get; set; } = [];
    public List<Guid> InhibitedBy { get; set; } = [];
    public List<string> PagedPagerDutyReceivers { get; set; } = [];
    public int NotificationsSent { get; set; }
    public int NotificationsFailed { get; set; }

    /// <summary>The detector's change (root-cause group) this incident is, when it named one.</summary>
    public string? ChangeId { get; set; }

    /// <summary>Smallest scope that explains the change (from the detector), attribute → value.</summary>
    public Dictionary<string, string> RootScope { get; set; } = [];

    /// <summary>The findings of the incident, the root cause first.</summary>
    public List<IncidentMember> Members { get; set; } = [];
    public DateTimeOffset? EstimatedStart { get; set; }
    public long? AffectedEvents { get; set; }

    /// <summary>Latest evidence per member finding (the incident page draws its charts from these).</summary>
    public Dictionary<string, FindingEvidence> MemberEvidence { get; set; } = [];

    /// <summary>Event time of the latest message per member finding (redeliveries are recognised per finding).</summary>
    public Dictionary<string, DateTimeOffset> MemberSourceTimes { get; set; } = [];

    /// <summary>Pages sent per escalation level ("1", "2", ...): the notification budget is counted against it.</summary>
    public Dictionary<string, int> PagesByLevel { get; set; } = [];

    /// <summary>Pages already sent at <paramref name="level"/>.</summary>
    public int PagesAt(int level) => PagesByLevel.GetValueOrDefault(level.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Apply(AlertRaised e)
    {
        Id = e.AlertId;
        Fingerprint = e.Fingerprint;
        Source = e.Source;
        Labels = e.Labels.ToDictionary();
        Summary = e.Summary;
        Description = e.Description;
        Severity = e.Severity;
        SeverityName = AlertLabels.SeverityName(e.Severity);
        ClinicalSafety = e.ClinicalSafety;
        Kind = e.Kind;
        Model = e.Model;
        Site = e.Site;
        Subgroup = e.Subgroup.ToDictionary();
        Evidence = e.Evidence;
        TraceId = e.TraceId;
        FindingIds = e.FindingId is null ? [] : [e.FindingId];
        ChangeId = e.Labels.GetValueOrDefault(AlertLabels.ChangeLabel);
        Members = e.FindingId is null || e.Kind is null || e.Evidence is null
            ? []
            : [new IncidentMember(e.FindingId, e.Kind.Value, e.Evidence.Signal, e.Subgroup, e.Severity, Root: true)];
        Occurrences = 1;
        DetectedAt = e.DetectedAt;
        RaisedAt = e.RaisedAt;
        LastSourceTime = e.DetectedAt;
        Status = AlertStatus.Open;
        ConfigVersion = e.ConfigVersion;
        Routes = [.. e.Routes];
        GroupKeys = [.. e.GroupKeys];
        Escalation = e.Escalation;
        DecisionDueAt = e.DecisionDueAt;
        Remember(e.FindingId, e.Evidence, e.DetectedAt);
        Recompute();
    }

    private void Remember(string? findingId, FindingEvidence? evidence, DateTimeOffset sourceTime)
    {
        if (findingId is null)
        {
            return;
        }

        if (evidence is not null)
        {
            MemberEvidence[findingId] = evidence;
        }

        MemberSourceTimes[findingId] = sourceTime;
    }

    public void Apply(AlertUpdated e)
    {
        Remember(e.FindingId, e.Evidence, e.SourceTime);
        if (e.FindingId is not null && !FindingIds.Contains(e.FindingId))
        {
            FindingIds.Add(e.FindingId);
            if (e.Evidence is not null && Members.All(m => m.FindingId != e.FindingId))
            {
                Members.Add(new IncidentMember(e.FindingId, e.Kind ?? Kind ?? FindingKind.DistributionShift, e.Evidence.Signal,
                    e.Subgroup ?? new Dictionary<string, string>(), e.Severity, Root: false));
            }
        }

        Severity = e.Severity;
        SeverityName = AlertLabels.SeverityName(e.Severity);
        ClinicalSafety = e.ClinicalSafety;
        Labels[AlertLabels.SeverityLabel] = AlertLabels.SeverityName(e.Severity);
        Labels[AlertLabels.ClinicalSafetyLabel] = e.ClinicalSafety ? "true" : "false";
        Evidence = e.Evidence ?? Evidence;
        Description = e.Description ?? Description;
        Occurrences = e.Occurrences;
        LastSourceTime = e.SourceTime > LastSourceTime ? e.SourceTime : LastSourceTime;
        DecisionDueAt = e.DecisionDueAt;
        Recompute();
    }

    public void Apply(ChangeAttributed e)
    {
        ChangeId = e.ChangeId;
        Summary = e.Summary;
        Severity = e.Severity;
        SeverityName = AlertLabels.SeverityName(e.Severity);
        ClinicalSafety = e.ClinicalSafety;
        Labels[AlertLabels.SeverityLabel] = SeverityName;
        Labels[AlertLabels.ClinicalSafetyLabel] = e.ClinicalSafety ? "true" : "false";
        Members = [.. e.Members];
        foreach (var m in e.Members.Where(m => !FindingIds.Contains(m.FindingId)))
        {
            FindingIds.Add(m.FindingId);
        }

        RootScope = e.RootScope?.ToDictionary() ?? RootScope;
        EstimatedStart = e.EstimatedStart ?? EstimatedStart;
        AffectedEvents = e.AffectedEvents ?? AffectedEvents;
        LastSourceTime = e.SourceTime > LastSourceTime ? e.SourceTime : LastSourceTime;
        DecisionDueAt = e.DecisionDueAt;
        Recompute();
    }

    public void Apply(AlertEscalated e)
    {
        if (e.Targets.Count > 0)
        {
            var key = e.Level.ToString(System.Globalization.CultureInfo.InvariantCulture);
            PagesByLevel[key] = PagesByLevel.GetValueOrDefault(key) + 1;
        }

        EscalationLevel = e.Level;
        EscalationCycle = e.Cycle;
        NextEscalationAt = e.NextEscalationAt;
        DecisionDueAt = e.DecisionDueAt;
        Recompute();
    }

    public void Apply(AlertAcknowledged e)
    {
        Status = AlertStatus.Acknowledged;
        AcknowledgedBy = e.By;
        AcknowledgedAt = e.At;
        Recompute();
    }

    public void Apply(OversightDecisionRecorded e)
    {
        Decision = e;
        Recompute();
    }

    public void Apply(AlertRecoveryObserved e)
    {
        Recovered = true;
        if (e.Evidence is not null && MemberEvidence.ContainsKey(e.FindingId))
        {
            MemberEvidence[e.FindingId] = e.Evidence;
        }

        if (!RecoveredFindingIds.Contains(e.FindingId))
        {
            RecoveredFindingIds.Add(e.FindingId);
        }

        Evidence = e.Evidence ?? Evidence;
    }

    public void Apply(AlertResolved e)
    {
        Status = AlertStatus.Resolved;
        ResolvedBy = e.By;
        ResolvedAt = e.At;
        ResolvedAutomatically = e.Automatic;
        ResolutionNote = e.Note;
        Recompute();
    }

    public void Apply(AlertSilenced e)
    {
        if (!SilencedBy.Contains(e.SilenceId))
        {
            SilencedBy.Add(e.SilenceId);
        }
    }

    public void Apply(NotificationSuppressed e)
    {
        if (!InhibitedBy.Contains(e.InhibitedBy))
        {
            InhibitedBy.Add(e.InhibitedBy);
        }
    }

    public void Apply(NotificationSent e)
    {
        NotificationsSent++;
        if (e.ReceiverKind == ReceiverKind.PagerDuty && !PagedPagerDutyReceivers.Contains(e.Receiver))
        {
            PagedPagerDutyReceivers.Add(e.Receiver);
        }
    }

    public void Apply(NotificationFailed e) => NotificationsFailed++;

    /// <summary>True while a clinical-safety alert waits for its oversight decision.</summary>
    public bool AwaitingDecision => ClinicalSafety && Decision is null && Status != AlertStatus.Resolved;

    private void Recompute()
    {
        if (Status != AlertStatus.Open)
        {
            NextEscalationAt = null;
        }

        if (!AwaitingDecision)
        {
            DecisionDueAt = null;
        }

        NextDueAt = (NextEscalationAt, DecisionDueAt) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };
    }
}
