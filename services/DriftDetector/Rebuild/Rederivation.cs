using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Subscription;
using Npgsql;

namespace Monitoring.DriftDetector.Rebuild;

/// <summary>A finding event that re-derivation did not reproduce as it was recorded.</summary>
/// <param name="Key">Type, finding (or deployment and window) and ingest sequence.</param>
/// <param name="Kind"><c>missing</c> (recorded, not re-derived), <c>extra</c> (re-derived, not recorded) or <c>differs</c>.</param>
/// <param name="Recorded">The recorded event (JSON), if any.</param>
/// <param name="Rederived">The re-derived event (JSON), if any.</param>
public sealed record RederiveDifference(string Key, string Kind, string? Recorded, string? Rederived);

/// <summary>Outcome of a re-derivation.</summary>
/// <param name="IngestEvents">Ingest events replayed (from the first one through the range's end).</param>
/// <param name="PolicyVersions">Recorded policy versions used.</param>
/// <param name="Recorded">Finding events recorded in the range.</param>
/// <param name="Rederived">Finding events re-derived in the range.</param>
/// <param name="Differences">Every difference.</param>
public sealed record RederiveResult(long IngestEvents, int PolicyVersions, int Recorded, int Rederived, IReadOnlyList<RederiveDifference> Differences);

/// <summary>
/// Re-derivation for auditors: reruns the detector's pure core (the <see cref="Detector"/>'s entry points only) in memory over the
/// chained Ingest history, under the policy versions recorded in the drift store at the time (chained <c>policy_activated</c>
/// events, so an edited policy is also what <c>verify</c> names), and compares the finding events it decides for ingest
/// sequences in [from, to] with the chained finding events recorded then. The detector's state depends on everything before
/// the range, so the replay starts at the first ingest event; memory grows with the number of inferences (a prototype).
/// </summary>
public static class Rederivation
{
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly Dictionary<string, Type> FindingTypes = new()
    {
        ["finding_opened"] = typeof(FindingOpened),
        ["finding_updated"] = typeof(FindingUpdated),
        ["finding_resolved"] = typeof(FindingResolved),
        ["performance_reconciled"] = typeof(PerformanceReconciled),
    };

    /// <summary>Re-derives the findings of ingest sequences <paramref name="from"/>..<paramref name="to"/> and compares.</summary>
    public static async Task<RederiveResult> RunAsync(NpgsqlDataSource db, string ingestSchema, string driftSchema, long from, long to, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var versions = new List<PolicyVersion>();
        await foreach (var (_, json) in ReadAsync(conn, driftSchema, "e.type = 'policy_activated'", ct))
        {
            var p = JsonSerializer.Deserialize<PolicyActivated>(json, StoredJson)!;
            versions.Add(new PolicyVersion(p.Deployment, p.Version, p.EffectiveAfterSequence,
                JsonSerializer.Deserialize<MonitoringPolicy>(p.PolicyJson, PolicyLoader.Json)!, p.Profile, p.Hash));
        }

        var detector = new Detector(new PolicyHistory(versions), new DetectorState());
        var inferences = new Dictionary<string, JoinedInference>(StringComparer.Ordinal);
        var rederived = new Dictionary<string, string>(StringComparer.Ordinal);
        long replayed = 0;
        await using (var cmd = new NpgsqlCommand(
            $"select e.seq_id, e.stream_id::text, e.type, e.data::text from {Monitoring.Audit.StoreSql.ChainedEvents(ingestSchema)} e " +
            "where e.seq_id <= @to order by e.seq_id", conn))
        {
            cmd.Parameters.AddWithValue("to", to);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (seq, stream, type) = (r.GetInt64(0), r.GetString(1), r.GetString(2));
                var data = IngestRangeReader.Deserialize(type, Encoding.UTF8.GetBytes(r.GetString(3)), seq);
                replayed++;
                switch (data)
                {
                    case InferenceRecorded i:
                        detector.Inference(seq, i);
                        inferences[stream] = new JoinedInference(seq, i);
                        break;
                    case GroundTruthRecorded g:
                        detector.GroundTruth(seq, g, inferences.GetValueOrDefault(stream));
                        break;
                    case ReaderFeedbackRecorded f:
                        detector.ReaderFeedback(seq, f, inferences.GetValueOrDefault(stream));
                        break;
                }

                foreach (var e in detector.TakeEmitted()) Collect(rederived, e, from, to);
            }
        }

        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var (type, json) in ReadAsync(conn, driftSchema, "e.type = any(@types)", ct))
        {
            Collect(recorded, JsonSerializer.Deserialize(json, FindingTypes[type], StoredJson)!, from, to);
        }

        var differences = new List<RederiveDifference>();
        foreach (var key in recorded.Keys.Union(rederived.Keys).Order(StringComparer.Ordinal))
        {
            var (a, b) = (recorded.GetValueOrDefault(key), rederived.GetValueOrDefault(key));
            if (a == b) continue;
            differences.Add(new RederiveDifference(key, a is null ? "extra" : b is null ? "missing" : "differs", a, b));
        }

        return new RederiveResult(replayed, versions.Count, recorded.Count, rederived.Count, differences);
    }

    private static void Collect(Dictionary<string, string> into, object e, long from, long to)
    {
        var (key, sequence) = e switch
        {
            FindingOpened o => ($"finding_opened {o.FindingId}", o.IngestSequence),
            FindingUpdated u => ($"finding_updated {u.FindingId}", u.IngestSequence),
            FindingResolved s => ($"finding_resolved {s.FindingId}", s.IngestSequence),
            PerformanceReconciled p => ($"performance_reconciled {p.Deployment} window {p.WindowIndex}", p.IngestSequence),
            _ => ("", -1L),
        };
        if (sequence < from || sequence > to) return;
        into[$"{key} at ingest {sequence}"] = JsonSerializer.Serialize(e, e.GetType(), StoredJson);
    }

    private static async IAsyncEnumerable<(string Type, string Json)> ReadAsync(NpgsqlConnection conn, string schema, string where,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"select e.type, e.data::text from {Monitoring.Audit.StoreSql.ChainedEvents(schema)} e where {where} order by e.seq_id", conn);
        cmd.Parameters.AddWithValue("types", FindingTypes.Keys.ToArray());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) yield return (r.GetString(0), r.GetString(1));
    }
}
