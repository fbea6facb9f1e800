using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Storage;
using Npgsql;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Joins a ground truth / reader feedback event to its inference. The store is the join table (one query per chunk for the
/// inferences not in memory), with a bounded first-in-first-out memory of the most recent inferences in front of it, so labels
/// that arrive soon after their inference cost no query. The memory only ever answers what the query would: Ingest stores at
/// most one inference per inference id (its writer rejects a second), so an inference remembered with a lower sequence than the
/// label is the one the query returns. A replay or a restart therefore joins identically whatever the memory holds; the memory
/// keeps only the fields the late-label path reads (model, site, study and patient attributes, scores, threshold).
/// </summary>
internal sealed class InferenceJoin(IngestStore ingest, DriftDetectorOptions options)
{
    private static readonly IReadOnlyDictionary<string, double> NoFeatures = new Dictionary<string, double>();
    private readonly Dictionary<string, JoinedInference> recent = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    /// <summary>Inferences held in memory (at most <c>JoinMemoryInferences</c>).</summary>
    public int Count => recent.Count;

    /// <summary>
    /// Remembers an inference just applied (the first one per id is kept, as the query keeps the first by sequence). Nothing is
    /// forgotten before <see cref="Trim"/>: a label later in the same chunk must find it, since the chunk's query left it out.
    /// </summary>
    public void Remember(string streamKey, long sequence, InferenceRecorded inference)
    {
        if (recent.TryAdd(streamKey, new JoinedInference(sequence, Slim(inference)))) order.Enqueue(streamKey);
    }

    /// <summary>Forgets the oldest inferences beyond <c>JoinMemoryInferences</c> (called between chunks).</summary>
    public void Trim()
    {
        while (recent.Count > options.JoinMemoryInferences && order.TryDequeue(out var oldest)) recent.Remove(oldest);
    }

    public void Clear()
    {
        recent.Clear();
        order.Clear();
    }

    /// <summary>The inference of a late event at <paramref name="sequence"/>: from memory, else from the chunk's query result.</summary>
    public JoinedInference? Join(Dictionary<string, JoinedInference> queried, string inferenceId, long sequence)
    {
        if (recent.TryGetValue(inferenceId, out var j) || queried.TryGetValue(inferenceId, out j)) return j.Sequence < sequence ? j : null;
        return null;
    }

    /// <summary>
    /// Looks up, in one query, the inferences of the chunk's late events that neither the memory nor an earlier event of the same
    /// chunk provides (those are remembered while the chunk is applied).
    /// </summary>
    public async Task<Dictionary<string, JoinedInference>> LookUpMissingAsync(IngestEvent[] events, long after, CancellationToken ct)
    {
        HashSet<string>? inChunk = null;
        HashSet<string>? ids = null;
        foreach (var e in events)
        {
            if (e.Sequence <= after) continue;
            if (e.Data is InferenceRecorded)
            {
                (inChunk ??= new HashSet<string>(StringComparer.Ordinal)).Add(e.StreamKey);
            }
            else if (e.Data is GroundTruthRecorded or ReaderFeedbackRecorded && !recent.ContainsKey(e.StreamKey) && inChunk?.Contains(e.StreamKey) != true)
            {
                (ids ??= new HashSet<string>(StringComparer.Ordinal)).Add(e.StreamKey);
            }
        }

        var result = new Dictionary<string, JoinedInference>(StringComparer.Ordinal);
        if (ids is null) return result;
        await using var conn = await ingest.DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select stream_id, seq_id, data from \"{ingest.Schema}\".mt_events where stream_id = any(@ids) and type = @type order by seq_id", conn);
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        cmd.Parameters.AddWithValue("type", Stores.InferenceType);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (result.ContainsKey(id)) continue;
            var sequence = reader.GetInt64(1);
            var data = (InferenceRecorded)IngestRangeReader.Deserialize(Stores.InferenceType, reader.GetFieldValue<byte[]>(2), sequence);
            result[id] = new JoinedInference(sequence, data);
        }

        return result;
    }

    /// <summary>The inference without what the late-label path never reads (features, embedding, patient pseudonym).</summary>
    internal static InferenceRecorded Slim(InferenceRecorded i) =>
        i with { Features = NoFeatures, Embedding = null, Patient = i.Patient with { PseudoId = "" } };
}
