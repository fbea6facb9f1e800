using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;
using AuthPolicies = Monitoring.ServiceDefaults.Policies;

namespace Monitoring.DriftDetector.Api;

/// <summary>One evaluation of a finding's signal: the statistic at the end of its window, with its threshold and interval.</summary>
public sealed record SeriesPoint(DateTimeOffset At, double? Statistic, double? Threshold, double? Lower, double? Upper, long? CurrentSize, bool Suppressed);

/// <summary>A histogram bin: edges and the share of the sample in it.</summary>
public sealed record HistogramBin(double Lower, double Upper, double Share);

/// <summary>Reference against current distribution of a numeric signal in one scope (withheld when either sample is below k).</summary>
public sealed record DistributionComparison(string Signal, string Scope, long? ReferenceSize, long? CurrentSize, bool Suppressed,
    IReadOnlyList<HistogramBin> Reference, IReadOnlyList<HistogramBin> Current);

/// <summary>A subgroup's realized performance with its interval; figures null when the cell is below k.</summary>
public sealed record SubgroupMetric(string Scope, IReadOnlyDictionary<string, string> Subgroup, string? Site, string State, bool Suppressed,
    double? Value, double? Lower, double? Upper, double? Floor, long? CurrentSize);

/// <summary>Per-subgroup performance of one metric (e.g. <c>performance:sensitivity:pneumothorax</c>).</summary>
public sealed record SubgroupPerformance(string Signal, IReadOnlyList<SubgroupMetric> Rows);

/// <summary>What the safety officer's console draws for a finding.</summary>
public sealed record FindingEvidenceSeries(string FindingId, string Deployment, string Signal, string Method, string Scope, DateTimeOffset DetectedAt,
    int PolicyVersion, int SmallCellThreshold, IReadOnlyList<SeriesPoint> Series, DistributionComparison? Distribution,
    IReadOnlyList<SubgroupPerformance> Performance);

/// <summary>
/// Evidence series for the AlertRouter's console, read from the stored views only (finding streams, the deployment status
/// view, the state snapshots): the detector's internals may change; these endpoints return what they can find and leave
/// the rest empty rather than fail. Small cells (n below k) are withheld as in <see cref="DriftApi"/>.
/// </summary>
internal static class EvidenceApi
{
    private const int Bins = 20;

    public static WebApplication MapEvidenceApi(this WebApplication app)
    {
        app.MapGroup("/v1/evidence").RequireAuthorization(AuthPolicies.Read).WithTags("Evidence")
            .MapGet("/findings/{id}", GetAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Signal over time, reference vs current distribution and per-subgroup performance for one finding; small cells withheld.");
        return app;
    }

    private static async Task<Results<Ok<FindingEvidenceSeries>, ProblemHttpResult>> GetAsync(
        string id, DriftStore drift, DriftDetectorOptions options, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        var view = await session.LoadAsync<FindingView>(id, ct);
        if (view is null || view.Evidence is null)
        {
            // Problem() rather than NotFound(ProblemDetails): the latter is written as plain application/json.
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown finding", detail: $"id: no finding '{id}'.");
        }

        var k = options.SmallCellThreshold;
        var events = await session.Events.FetchStreamAsync(Stores.FindingStream(id), token: ct);
        var series = events.Select(e => e.Data switch
        {
            FindingOpened o => o.Evidence,
            FindingUpdated u => u.Evidence,
            FindingResolved r => r.Evidence,
            _ => null,
        }).OfType<FindingEvidence>().Select(e => Point(e, k)).ToList();

        var status = await session.LoadAsync<DeploymentStatusView>(view.Deployment, ct);
        var performance = status is null ? [] : status.Rows
            .Where(r => r.Kind == FindingKind.PerformanceDecay && r.Signal.StartsWith("performance:", StringComparison.Ordinal))
            .GroupBy(r => r.Signal, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SubgroupPerformance(g.Key, g.OrderBy(r => r.Scope, StringComparer.Ordinal).Select(r => Metric(r, k)).ToList()))
            .ToList();
        var distribution = await DistributionAsync(drift, session, view, k, ct);
        return TypedResults.Ok(new FindingEvidenceSeries(view.Id, view.Deployment, view.Evidence.Signal, view.Evidence.Method, view.Scope, view.DetectedAt,
            view.Evidence.PolicyVersion, k, series, distribution, performance));
    }

    private static SeriesPoint Point(FindingEvidence e, int k)
    {
        var hidden = e.CurrentSize < k;
        return new SeriesPoint(e.Window.LastEventTime, hidden ? null : e.Statistic, e.Threshold, hidden ? null : e.Interval?.Lower,
            hidden ? null : e.Interval?.Upper, hidden ? null : e.CurrentSize, hidden);
    }

    private static SubgroupMetric Metric(StatusRow r, int k)
    {
        var hidden = r.CurrentSize < k;
        return new SubgroupMetric(r.Scope, r.Subgroup, r.Site, hidden ? "suppressed" : r.State, hidden, hidden ? null : r.Statistic,
            hidden ? null : r.Interval?.Lower, hidden ? null : r.Interval?.Upper, r.Threshold, hidden ? null : r.CurrentSize);
    }

    /// <summary>
    /// Reads the reservoirs of the signal in the finding's scope from the reference and state snapshots. Their JSON is the
    /// detector's internal state: anything unexpected yields no distribution instead of an error.
    /// </summary>
    private static async Task<DistributionComparison?> DistributionAsync(DriftStore drift, IQuerySession session, FindingView view, int k, CancellationToken ct)
    {
        try
        {
            // The snapshot rows; a store last written by a version before them still holds the snapshot as documents.
            var state = await SnapshotRows.ReadAsync(drift.DataSource, drift.Schema, SnapshotRows.Deployment, view.Deployment, ct)
                ?? Utf8((await session.LoadAsync<DeploymentSnapshot>(view.Deployment, ct))?.Json);
            var reference = await SnapshotRows.ReadAsync(drift.DataSource, drift.Schema, SnapshotRows.Reference, view.Deployment, ct)
                ?? Utf8((await session.LoadAsync<ReferenceSnapshot>(view.Deployment, ct))?.Json);
            if (state is null || reference is null || JsonNode.Parse(state) is not JsonObject s || JsonNode.Parse(reference) is not JsonObject r)
            {
                return null;
            }

            var slot = NumericSlot(Get(s, "Layout")?.GetValue<string>(), view.Evidence!.Signal);
            var scopes = Get(s, "ScopeKeys") as JsonArray;
            var scope = scopes?.Select((n, i) => (Key: n?.GetValue<string>(), i)).FirstOrDefault(x => x.Key == view.Scope).i ?? -1;
            if (slot < 0 || scope < 0 || (scope == 0 && scopes![0]?.GetValue<string>() != view.Scope))
            {
                return null;
            }

            var refValues = Values(Get(r, "Scopes"), scope, slot);
            var curValues = Values(Get(Get(s, "Current"), "Scopes"), scope, slot);
            if (refValues.Count < k || curValues.Count < k)
            {
                return new DistributionComparison(view.Evidence.Signal, view.Scope, null, null, true, [], []);
            }

            var lo = Math.Min(refValues.Min(), curValues.Min());
            var hi = Math.Max(refValues.Max(), curValues.Max());
            return new DistributionComparison(view.Evidence.Signal, view.Scope, refValues.Count, curValues.Count, false,
                Histogram(refValues, lo, hi, k), Histogram(curValues, lo, hi, k));
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A snapshot document's JSON as the UTF-8 bytes a snapshot row holds (null when absent).</summary>
    private static byte[]? Utf8(string? json) => string.IsNullOrEmpty(json) ? null : System.Text.Encoding.UTF8.GetBytes(json);

    /// <summary>Slot of a numeric signal in the accumulators, from the layout: features, then scores and performance labels, then latency.</summary>
    private static int NumericSlot(string? layout, string signal)
    {
        if (layout is null || JsonNode.Parse(layout) is not JsonObject l)
        {
            return -1;
        }

        var signals = Get(l, "Signals");
        var names = Strings(Get(signals, "Features")).Select(f => "feature:" + f).ToList();
        names.AddRange(Strings(Get(signals, "Scores")).Concat(Strings(Get(l, "Labels"))).Distinct(StringComparer.Ordinal).Select(x => "score:" + x));
        if (Get(signals, "Latency")?.GetValue<bool>() == true)
        {
            names.Add("latency");
        }

        return names.IndexOf(signal);
    }

    private static List<double> Values(JsonNode? scopes, int scope, int slot)
    {
        var numeric = Get((scopes as JsonArray)?.ElementAtOrDefault(scope), "Numeric") as JsonArray;
        return Get(numeric?.ElementAtOrDefault(slot), "Values") switch
        {
            JsonArray values => values.Select(v => v!.GetValue<double>()).Where(double.IsFinite).ToList(),
            // The snapshot's compact form: base64 of little-endian IEEE-754 doubles.
            JsonValue packed when packed.TryGetValue<string>(out var b64) => Unpack(Convert.FromBase64String(b64)),
            _ => [],
        };
    }

    private static List<double> Unpack(byte[] bytes)
    {
        var values = new List<double>(bytes.Length / sizeof(double));
        for (var i = 0; i + sizeof(double) <= bytes.Length; i += sizeof(double))
        {
            var v = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i));
            if (double.IsFinite(v))
            {
                values.Add(v);
            }
        }

        return values;
    }

    private static IReadOnlyList<HistogramBin> Histogram(IReadOnlyList<double> values, double lo, double hi, int k)
    {
        var width = hi > lo ? (hi - lo) / Bins : 1;
        var counts = new int[Bins];
        foreach (var v in values)
        {
            counts[Math.Clamp((int)((v - lo) / width), 0, Bins - 1)]++;
        }

        // A bin below k is shown as empty: the shape stays readable and no small cell is exposed.
        return counts.Select((c, i) => new HistogramBin(lo + i * width, lo + (i + 1) * width, c < k ? 0 : (double)c / values.Count)).ToList();
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x?.GetValue<string>()).OfType<string>() : [];

    /// <summary>Case-insensitive property (the snapshots are PascalCase, the layout may be camelCase).</summary>
    private static JsonNode? Get(JsonNode? node, string name) =>
        node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
}
