using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Findings;

// Stored events of root-cause groups ("changes"), stream change:<id> in schema "drift". Mapped at the boundary to the
// ChangeDetected / ChangeUpdated / ChangeResolved contracts (Publishing/FindingPublisher).

/// <summary>A root-cause group opened with its first finding. <paramref name="RootScope"/> is the scope key (<c>site=b&amp;manufacturer=X</c>).</summary>
public sealed record ChangeOpened(
    string ChangeId, string Deployment, ModelRef Model, string? Site, string RootScope, IReadOnlyDictionary<string, string> RootSubgroup,
    FindingKind Kind, Severity Severity, string Summary, string RootFindingId, IReadOnlyList<ChangeMember> Members,
    DateTimeOffset? EstimatedStart, long? AffectedEvents, DateTimeOffset DetectedAt, long IngestSequence);

/// <summary>New members, or a narrower root, for an open change. <paramref name="Revision"/> counts revisions (message id).</summary>
public sealed record ChangeRevised(
    string ChangeId, int Revision, Severity Severity, string Summary, string RootFindingId, string RootScope,
    IReadOnlyDictionary<string, string> RootSubgroup, IReadOnlyList<ChangeMember> Members, long? AffectedEvents,
    DateTimeOffset UpdatedAt, long IngestSequence);

/// <summary>Every member of the change resolved.</summary>
public sealed record ChangeClosed(string ChangeId, DateTimeOffset ResolvedAt, long IngestSequence);
