using System.Text.Json.Serialization;

namespace Monitoring.Contracts;

/// <summary>What kind of problem a finding describes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FindingKind>))]
public enum FindingKind
{
    /// <summary>An input or output distribution moved away from the reference.</summary>
    [JsonStringEnumMemberName("distribution-shift")] DistributionShift,

    /// <summary>Realized (labelled) performance fell below a floor or the reference for a subgroup.</summary>
    [JsonStringEnumMemberName("performance-decay")] PerformanceDecay,

    /// <summary>Label-free (CBPE) estimated performance fell below a floor.</summary>
    [JsonStringEnumMemberName("estimated-performance-decay")] EstimatedPerformanceDecay,

    /// <summary>A gap between subgroups exceeded the fairness tolerance.</summary>
    [JsonStringEnumMemberName("fairness-gap")] FairnessGap,

    /// <summary>A sequential detector (CUSUM, Page–Hinkley) signalled an abrupt change.</summary>
    [JsonStringEnumMemberName("abrupt-change")] AbruptChange,
}

/// <summary>Severity, mapped to PagerDuty's <c>critical|error|warning|info</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    /// <summary>Informational.</summary>
    [JsonStringEnumMemberName("info")] Info,

    /// <summary>Needs attention during working hours.</summary>
    [JsonStringEnumMemberName("warning")] Warning,

    /// <summary>Needs prompt attention.</summary>
    [JsonStringEnumMemberName("error")] Error,

    /// <summary>Clinical-safety impact: page now, decision required.</summary>
    [JsonStringEnumMemberName("critical")] Critical,
}

/// <summary>Window of the event stream a statistic was computed on.</summary>
/// <param name="FirstSequence">Event-store sequence of the first event in the window.</param>
/// <param name="LastSequence">Event-store sequence of the last event in the window.</param>
/// <param name="FirstEventTime">Event time (<c>occurredAt</c>) of the first event.</param>
/// <param name="LastEventTime">Event time of the last event.</param>
public sealed record WindowBounds(long FirstSequence, long LastSequence, DateTimeOffset FirstEventTime, DateTimeOffset LastEventTime);

/// <summary>A confidence interval.</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
/// <param name="Level">Confidence level, e.g. 0.95.</param>
public sealed record Interval(double Lower, double Upper, double Level);

/// <summary>The numbers behind a finding, enough for a person or an auditor to re-derive it.</summary>
public sealed record FindingEvidence
{
    /// <summary>Signal name, e.g. <c>feature:meanIntensity</c>, <c>study:manufacturer</c>, <c>score:pneumothorax</c>, <c>performance:sensitivity</c>.</summary>
    public required string Signal { get; init; }

    /// <summary>Method, e.g. <c>ks</c>, <c>chi2</c>, <c>psi</c>, <c>mmd</c>, <c>wilson</c>, <c>delong</c>, <c>cusum</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The test statistic or metric value.</summary>
    public required double Statistic { get; init; }

    /// <summary>Raw p-value, where the method has one.</summary>
    public double? PValue { get; init; }

    /// <summary>p-value after the policy's multiple-testing correction.</summary>
    public double? AdjustedPValue { get; init; }

    /// <summary>Effect size (e.g. PSI, Wasserstein distance, metric drop).</summary>
    public double? EffectSize { get; init; }

    /// <summary>Confidence interval of the metric or effect.</summary>
    public Interval? Interval { get; init; }

    /// <summary>Threshold the statistic was compared with.</summary>
    public double? Threshold { get; init; }

    /// <summary>Current window bounds.</summary>
    public required WindowBounds Window { get; init; }

    /// <summary>Reference sample size.</summary>
    public required int ReferenceSize { get; init; }

    /// <summary>Current window sample size.</summary>
    public required int CurrentSize { get; init; }

    /// <summary>Identifier of the reference profile used.</summary>
    public required string ReferenceId { get; init; }

    /// <summary>Version of the monitoring policy that applied.</summary>
    public required int PolicyVersion { get; init; }
}

/// <summary>
/// Published by the DriftDetector when a finding opens. <see cref="FindingId"/> is stable across replays and
/// redeliveries, so consumers de-duplicate on it.
/// </summary>
public sealed record DriftDetected
{
    /// <summary>Stable finding identifier.</summary>
    public required string FindingId { get; init; }

    /// <summary>Kind of finding.</summary>
    public required FindingKind Kind { get; init; }

    /// <summary>Severity.</summary>
    public required Severity Severity { get; init; }

    /// <summary>The model deployment.</summary>
    public required ModelRef Model { get; init; }

    /// <summary>Site, when the finding is specific to one.</summary>
    public string? Site { get; init; }

    /// <summary>Subgroup as attribute → value (empty for the whole population), e.g. <c>{"sex":"F","ageBand":"65+"}</c>.</summary>
    public IReadOnlyDictionary<string, string> Subgroup { get; init; } = new Dictionary<string, string>();

    /// <summary>Human-readable one-line summary.</summary>
    public required string Summary { get; init; }

    /// <summary>The evidence.</summary>
    public required FindingEvidence Evidence { get; init; }

    /// <summary>Event time at which the finding opened.</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>
    /// Root-cause group (<see cref="ChangeDetected.ChangeId"/>) this finding belongs to, when the detector attributed it; a
    /// consumer groups findings without one by deployment, site and detecting window.
    /// </summary>
    public string? ChangeId { get; init; }

    /// <summary>True when this finding names the root cause of its change; false for a consequence.</summary>
    public bool IsRootCause { get; init; }

    /// <summary>
    /// W3C trace id (32 lower-case hex digits) of the producer's request that delivered the event which decided this finding
    /// (the event that completed the detecting window), as the Ingest recorded it; null when that request carried none.
    /// The AlertRouter puts it on every notification of the alert, so a page can be followed back to the request.
    /// </summary>
    public string? TraceId { get; init; }
}

/// <summary>New evidence for an open finding.</summary>
public sealed record DriftUpdated
{
    /// <summary>Stable finding identifier.</summary>
    public required string FindingId { get; init; }

    /// <summary>Current severity.</summary>
    public required Severity Severity { get; init; }

    /// <summary>The latest evidence.</summary>
    public required FindingEvidence Evidence { get; init; }

    /// <summary>How many evaluations so far confirmed the finding.</summary>
    public required int Occurrences { get; init; }

    /// <summary>Event time of the update.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The finding no longer holds by the policy's recovery rule.</summary>
public sealed record DriftResolved
{
    /// <summary>Stable finding identifier.</summary>
    public required string FindingId { get; init; }

    /// <summary>The evidence that showed recovery.</summary>
    public required FindingEvidence Evidence { get; init; }

    /// <summary>Event time of resolution.</summary>
    public required DateTimeOffset ResolvedAt { get; init; }
}

/// <summary>The system's own health conditions that need a human (e.g. detector lag, a stopped subscription).</summary>
public sealed record HealthConditionChanged
{
    /// <summary>Condition name; the DriftDetector publishes <c>detector-lag</c>, <c>subscription-stopped</c> and <c>policy-invalid</c>.</summary>
    public required string Condition { get; init; }

    /// <summary>Service that reports it.</summary>
    public required string Service { get; init; }

    /// <summary>Site affected, when the condition is site-specific (a site-wide ingest outage).</summary>
    public string? Site { get; init; }

    /// <summary>True while the condition holds; false when it cleared.</summary>
    public required bool Firing { get; init; }

    /// <summary>Severity.</summary>
    public required Severity Severity { get; init; }

    /// <summary>Human-readable description.</summary>
    public required string Description { get; init; }

    /// <summary>When the condition changed.</summary>
    public required DateTimeOffset ObservedAt { get; init; }
}
