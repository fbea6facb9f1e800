using System.Text.Json.Serialization;
using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Alerts;

// Stored events of the alert stream. Private to this service: the wire contracts are in libs/Contracts.

/// <summary>Where an alert came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertSource>))]
public enum AlertSource { Finding, Health }

/// <summary>Lifecycle state of an alert.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertStatus>))]
public enum AlertStatus { Open, Acknowledged, Resolved }

/// <summary>The oversight decisions a person can record.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OversightDecision>))]
public enum OversightDecision
{
    /// <summary>Keep the model in use unchanged.</summary>
    [JsonStringEnumMemberName("continue")] Continue,

    /// <summary>Keep it in use and watch more closely.</summary>
    [JsonStringEnumMemberName("continue-with-closer-monitoring")] ContinueWithCloserMonitoring,

    /// <summary>Restrict use to (or away from) a site or subgroup.</summary>
    [JsonStringEnumMemberName("restrict-to-site-or-subgroup")] RestrictToSiteOrSubgroup,

    /// <summary>Stop using the model.</summary>
    [JsonStringEnumMemberName("suspend-model")] SuspendModel,

    /// <summary>Return to the previous model version.</summary>
    [JsonStringEnumMemberName("roll-back")] RollBack,
}

/// <summary>Why an escalation happened.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EscalationReason>))]
public enum EscalationReason { Initial, NotAcknowledged, DecisionOverdue }

/// <summary>The escalation policy snapshot an alert was raised with, so later config changes do not rewrite history.</summary>
public sealed record EscalationPlan(string Policy, IReadOnlyList<EscalationLevel> Levels, int Repeat);

/// <summary>Someone or something paged at an escalation level.</summary>
/// <param name="Receiver">Receiver used as transport.</param>
/// <param name="Schedule">On-call schedule the person was taken from, if any.</param>
/// <param name="Person">Person on call, if from a schedule.</param>
/// <param name="Address">Address that overrides the receiver's (the person's email).</param>
public sealed record EscalationTarget(string Receiver, string? Schedule, string? Person, string? Address);

/// <summary>An alert opened for a finding or a health condition.</summary>
public sealed record AlertRaised
{
    public required Guid AlertId { get; init; }
    public required string Fingerprint { get; init; }
    public required AlertSource Source { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required string Summary { get; init; }
    public string? Description { get; init; }
    public required Severity Severity { get; init; }
    public required bool ClinicalSafety { get; init; }
    public string? FindingId { get; init; }
    public FindingKind? Kind { get; init; }
    public ModelRef? Model { get; init; }
    public string? Site { get; init; }
    public IReadOnlyDictionary<string, string> Subgroup { get; init; } = new Dictionary<string, string>();
    public FindingEvidence? Evidence { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
    public required DateTimeOffset RaisedAt { get; init; }
    public required string ConfigVersion { get; init; }
    public required IReadOnlyList<string> Routes { get; init; }
    public required IReadOnlyList<string> GroupKeys { get; init; }
    public EscalationPlan? Escalation { get; init; }
    public DateTimeOffset? DecisionDueAt { get; init; }

    /// <summary>W3C trace id of the producer request behind the deciding event (<see cref="DriftDetected.TraceId"/>), when known.</summary>
    public string? TraceId { get; init; }
}

/// <summary>New evidence, another occurrence, or a severity change.</summary>
public sealed record AlertUpdated(
    string? FindingId, Severity Severity, bool ClinicalSafety, FindingEvidence? Evidence, string? Description,
    int Occurrences, DateTimeOffset? DecisionDueAt, DateTimeOffset SourceTime, DateTimeOffset At,
    FindingKind? Kind = null, IReadOnlyDictionary<string, string>? Subgroup = null);

/// <summary>One successful delivery attempt.</summary>
public sealed record NotificationSent(
    Guid DeliveryId, string Receiver, ReceiverKind ReceiverKind, string Purpose, int? Level, string? Target,
    int Attempt, bool Fallback, DateTimeOffset At);

/// <summary>One failed delivery attempt; <see cref="Final"/> when no retry follows.</summary>
public sealed record NotificationFailed(
    Guid DeliveryId, string Receiver, ReceiverKind ReceiverKind, string Purpose, int? Level, string? Target,
    int Attempt, bool Final, string Error, DateTimeOffset At);

/// <summary>A notification was not sent because another firing alert inhibits this one.</summary>
public sealed record NotificationSuppressed(Guid InhibitedBy, string Rule, DateTimeOffset At);

/// <summary>
/// The alert was paged at an escalation level. <see cref="Withheld"/>: the level was due again but the incident's
/// notification budget for that level was spent, so nobody was paged (recorded, so the history shows why).
/// </summary>
public sealed record AlertEscalated(
    int Level, int Cycle, EscalationReason Reason, IReadOnlyList<EscalationTarget> Targets,
    DateTimeOffset? NextEscalationAt, DateTimeOffset? DecisionDueAt, DateTimeOffset At, bool Withheld = false);

/// <summary>One member of an incident: a finding, the root cause first, then its consequences.</summary>
public sealed record IncidentMember(string FindingId, FindingKind Kind, string Signal, IReadOnlyDictionary<string, string> Subgroup, Severity Severity, bool Root);

/// <summary>
/// The detector attributed findings to the incident's change (or the change's members, summary, severity or affected
/// count moved): an update to the incident, never a page.
/// </summary>
public sealed record ChangeAttributed
{
    public required string ChangeId { get; init; }
    public required string Summary { get; init; }
    public required Severity Severity { get; init; }
    public required bool ClinicalSafety { get; init; }
    public required IReadOnlyList<IncidentMember> Members { get; init; }
    public IReadOnlyDictionary<string, string>? RootScope { get; init; }
    public DateTimeOffset? EstimatedStart { get; init; }
    public long? AffectedEvents { get; init; }
    public DateTimeOffset? DecisionDueAt { get; init; }
    public required DateTimeOffset SourceTime { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>Someone took the alert.</summary>
public sealed record AlertAcknowledged(string By, string? Note, DateTimeOffset At);

/// <summary>A person recorded what happens to the model, and why.</summary>
public sealed record OversightDecisionRecorded(
    OversightDecision Decision, string Rationale, string? RestrictToSite, IReadOnlyDictionary<string, string>? RestrictToSubgroup,
    string By, DateTimeOffset At);

/// <summary>The finding recovered but the alert stays open (a clinical-safety alert awaiting its decision).</summary>
public sealed record AlertRecoveryObserved(string FindingId, FindingEvidence? Evidence, DateTimeOffset At);

/// <summary>The alert closed, by a person or automatically.</summary>
public sealed record AlertResolved(string By, bool Automatic, string? Note, DateTimeOffset At);

/// <summary>A silence muted the alert's notifications.</summary>
public sealed record AlertSilenced(Guid SilenceId, string Author, string? ApprovedBy, string Reason, DateTimeOffset At);
