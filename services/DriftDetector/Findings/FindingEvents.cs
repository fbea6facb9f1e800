using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Findings;

// Stored events of the DriftDetector's own streams (schema "drift"). Private to this service: the integration
// messages DriftDetected / DriftUpdated / DriftResolved in libs/Contracts are mapped from these at the boundary.

/// <summary>
/// A finding opened. Stream key: the finding id. <paramref name="ChangeId"/> / <paramref name="IsRootCause"/>: the root-cause
/// group it joined and whether it named the root when it opened (null/false in streams written before changes existed).
/// <paramref name="DetectedAt"/> is the event time of the event that decided it; the evidence window starts at the
/// estimated start of the change (the monitor's excursion) or at the window's first event.
/// </summary>
public sealed record FindingOpened(
    string FindingId, string Deployment, FindingKind Kind, Severity Severity, ModelRef Model, string? Site,
    IReadOnlyDictionary<string, string> Subgroup, string Scope, string Summary, FindingEvidence Evidence,
    DateTimeOffset DetectedAt, long IngestSequence, string? ChangeId = null, bool IsRootCause = false);

/// <summary>New confirming evidence for an open finding.</summary>
public sealed record FindingUpdated(
    string FindingId, Severity Severity, FindingEvidence Evidence, int Occurrences, DateTimeOffset UpdatedAt, long IngestSequence);

/// <summary>The finding resolved by the policy's recovery rule (or because a new policy version replaced its layout).</summary>
public sealed record FindingResolved(string FindingId, FindingEvidence Evidence, DateTimeOffset ResolvedAt, string Reason, long IngestSequence);

/// <summary>CBPE estimates of a window reconciled with the realized values once its labels matured. Stream: <c>reconciliation:{deployment}</c>.</summary>
public sealed record PerformanceReconciled(string Deployment, int WindowIndex, WindowBounds Window, IReadOnlyList<ReconciliationEntry> Entries, long IngestSequence);

/// <summary>One estimate against its realized value.</summary>
public sealed record ReconciliationEntry(string Scope, string Label, string Metric, double Estimated, double? Realized, Interval? RealizedInterval, long Labelled);

/// <summary>A monitoring policy version became effective for a deployment. Stream: <c>policy:{deployment}</c>.</summary>
public sealed record PolicyActivated(
    string Deployment, int Version, string Hash, long EffectiveAfterSequence, string PolicyJson,
    Policies.ReferenceProfile? Profile, string Source);
