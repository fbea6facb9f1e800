using System.Diagnostics;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// Continues a producer request's W3C trace in work that happens later and elsewhere (the detector deciding a finding from
/// stored events, the AlertRouter delivering its notification): an activity whose remote parent is that trace, so every span
/// and outgoing <c>traceparent</c> header under it (MassTransit publish, HttpClient webhook) carries the same trace id.
/// </summary>
public static class TraceLink
{
    /// <summary>True for 32 lower-case hex digits, not all zero (a W3C trace id).</summary>
    public static bool IsTraceId(string? id) =>
        id is { Length: 32 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f') && id.Any(c => c != '0');

    /// <summary>
    /// Starts an activity named <paramref name="name"/> in trace <paramref name="traceId"/> (made current until disposed);
    /// null, and nothing changed, when <paramref name="traceId"/> is not a trace id.
    /// </summary>
    public static Activity? Continue(string? traceId, string name) => IsTraceId(traceId)
        ? new Activity(name)
            .SetParentId(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded)
            .Start()
        : null;
}
