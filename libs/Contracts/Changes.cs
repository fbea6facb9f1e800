namespace Monitoring.Contracts;

/// <summary>
/// One finding that a root-cause group holds: either the root cause itself or one of its consequences
/// (a wider or overlapping scope, or another signal, that the same change explains).
/// </summary>
/// <param name="FindingId">Stable finding identifier (as in <see cref="DriftDetected.FindingId"/>).</param>
/// <param name="Kind">Kind of the finding.</param>
/// <param name="Signal">Signal, e.g. <c>feature:meanIntensity</c>.</param>
/// <param name="Subgroup">Scope of the finding as attribute → value (empty for everyone).</param>
/// <param name="Severity">Severity of the finding.</param>
public sealed record ChangeMember(
    string FindingId,
    FindingKind Kind,
    string Signal,
    IReadOnlyDictionary<string, string> Subgroup,
    Severity Severity);

/// <summary>
/// Published by the DriftDetector when findings are attributed to one change (a root-cause group). The AlertRouter opens
/// one incident per <see cref="ChangeId"/> and pages once for it; later findings of the same change arrive as
/// <see cref="ChangeUpdated"/>. <see cref="ChangeId"/> is stable across replays and redeliveries.
/// </summary>
public sealed record ChangeDetected
{
    /// <summary>Stable identifier of the root-cause group.</summary>
    public required string ChangeId { get; init; }

    /// <summary>The model deployment.</summary>
    public required ModelRef Model { get; init; }

    /// <summary>Site, when the root scope is within one site.</summary>
    public string? Site { get; init; }

    /// <summary>The smallest scope that explains the change, attribute → value (e.g. <c>{"site":"site-b","manufacturer":"SIEMENS"}</c>).</summary>
    public required IReadOnlyDictionary<string, string> RootScope { get; init; }

    /// <summary>Kind of the root finding.</summary>
    public required FindingKind Kind { get; init; }

    /// <summary>Highest severity among the members.</summary>
    public required Severity Severity { get; init; }

    /// <summary>Plain-language summary: what changed, for whom, since when.</summary>
    public required string Summary { get; init; }

    /// <summary>The finding that names the root cause.</summary>
    public required string RootFindingId { get; init; }

    /// <summary>Every member, the root first, then its consequences.</summary>
    public required IReadOnlyList<ChangeMember> Members { get; init; }

    /// <summary>Estimated event time at which the change began (change-point estimate), when known.</summary>
    public DateTimeOffset? EstimatedStart { get; init; }

    /// <summary>Events in the root scope since <see cref="EstimatedStart"/>, when known.</summary>
    public long? AffectedEvents { get; init; }

    /// <summary>Event time at which the change was detected.</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>W3C trace id of the producer's request that delivered the event which opened the change (see <see cref="DriftDetected.TraceId"/>).</summary>
    public string? TraceId { get; init; }
}

/// <summary>New members or evidence for an open change: an update to its incident, never a new page.</summary>
public sealed record ChangeUpdated
{
    /// <summary>Stable identifier of the root-cause group.</summary>
    public required string ChangeId { get; init; }

    /// <summary>Current highest severity among the members.</summary>
    public required Severity Severity { get; init; }

    /// <summary>Current plain-language summary.</summary>
    public required string Summary { get; init; }

    /// <summary>Every member now, the root first.</summary>
    public required IReadOnlyList<ChangeMember> Members { get; init; }

    /// <summary>Events in the root scope since the estimated start, when known.</summary>
    public long? AffectedEvents { get; init; }

    /// <summary>Event time of the update.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The finding that names the root cause now (it can move to a narrower scope as members arrive), when known.</summary>
    public string? RootFindingId { get; init; }

    /// <summary>The root scope now, attribute → value, when known.</summary>
    public IReadOnlyDictionary<string, string>? RootScope { get; init; }
}

/// <summary>Every member of the change resolved by the policy's recovery rule.</summary>
public sealed record ChangeResolved
{
    /// <summary>Stable identifier of the root-cause group.</summary>
    public required string ChangeId { get; init; }

    /// <summary>Event time of resolution.</summary>
    public required DateTimeOffset ResolvedAt { get; init; }
}
