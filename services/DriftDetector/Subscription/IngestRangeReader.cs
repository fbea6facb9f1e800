using System.Text.Json;
using System.Text.Json.Serialization;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>One event of the Ingest store as the detector needs it: sequence, stream key and the deserialized contract record (a class, so
/// that a chunk's array of references stays below the large-object heap threshold; an array of 24-byte structs per 5,000-event chunk
/// landed there and forced a gen-2 collection every few chunks).</summary>
internal sealed record IngestEvent(long Sequence, string StreamKey, object Data);

/// <summary>A contiguous slice (<see cref="After"/>, <see cref="Through"/>] of the Ingest sequence, with its events in order.</summary>
internal sealed record IngestChunk(long After, long Through, IngestEvent[] Events);

/// <summary>
/// Reads the payloads of a sequence range that the Marten daemon handed out, straight from <c>mt_events</c>: only the columns the
/// detector needs, the JSON as UTF-8 bytes deserialized with a source-generated System.Text.Json context, in chunks of
/// <c>PageSize</c> sequence numbers fetched ahead on up to <c>ReadConnections</c> connections while the caller decides the current
/// chunk. Chunks are returned strictly in sequence order, and at most <c>ReadConnections</c> + 1 chunks are held in memory.
/// The filter is the daemon's own (<c>type = any(...) and is_archived = false</c>), so the events are exactly those Marten would
/// have loaded for the range; a row that cannot be read throws (the page fails, the daemon pauses the agent), it is never skipped.
/// </summary>
internal sealed class IngestRangeReader(IngestStore ingest, DriftDetectorOptions options)
{
    private static readonly string[] Types = [Stores.InferenceType, Stores.GroundTruthType, Stores.ReaderFeedbackType];

    /// <summary>The chunks of (<paramref name="after"/>, <paramref name="ceiling"/>] in order, prefetched in parallel.</summary>
    public async IAsyncEnumerable<IngestChunk> ReadAsync(long after, long ceiling, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var span = options.PageSize;
        var ahead = new Queue<Task<IngestChunk>>();
        var next = after;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            void TopUp()
            {
                while (next < ceiling && ahead.Count < options.ReadConnections)
                {
                    var from = next;
                    var through = Math.Min(ceiling, from + span);
                    ahead.Enqueue(Task.Run(() => LoadAsync(from, through, stop.Token), stop.Token));
                    next = through;
                }
            }

            TopUp();
            while (ahead.Count > 0)
            {
                var chunk = await ahead.Dequeue();

                // Start the next read before handing this chunk over: the caller decides it while ReadConnections reads run.
                TopUp();
                yield return chunk;
            }
        }
        finally
        {
            // The caller stopped early (error, cancellation): let reads in flight end before their connections go back to the pool.
            await stop.CancelAsync();
            foreach (var pending in ahead)
            {
                try
                {
                    await pending;
                }
                catch (Exception)
                {
                    // Already abandoned: only the first failure (the one the caller saw) matters.
                }
            }
        }
    }

    /// <summary>Reads the events of (<paramref name="after"/>, <paramref name="through"/>] in one query.</summary>
    public async Task<IngestChunk> LoadAsync(long after, long through, CancellationToken ct)
    {
        var list = new List<IngestEvent>((int)Math.Min(through - after, 100_000));
        await using var conn = await ingest.DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select seq_id, stream_id, type, data from \"{ingest.Schema}\".mt_events where seq_id > @after and seq_id <= @through and type = any(@types) and is_archived = false order by seq_id", conn);
        cmd.Parameters.Add(new NpgsqlParameter<long>("after", after));
        cmd.Parameters.Add(new NpgsqlParameter<long>("through", through));
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("types", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = Types });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var sequence = reader.GetInt64(0);
            var key = reader.GetString(1);
            var type = reader.GetString(2);
            var json = reader.GetFieldValue<byte[]>(3);
            list.Add(new IngestEvent(sequence, key, Deserialize(type, json, sequence)));
        }

        return new IngestChunk(after, through, list.ToArray());
    }

    /// <summary>Deserializes one stored event; a payload that does not match its contract is an error naming the sequence.</summary>
    public static object Deserialize(string type, ReadOnlySpan<byte> json, long sequence)
    {
        try
        {
            object? data = type switch
            {
                Stores.InferenceType => JsonSerializer.Deserialize(json, IngestJsonContext.Default.InferenceRecorded),
                Stores.GroundTruthType => JsonSerializer.Deserialize(json, IngestJsonContext.Default.GroundTruthRecorded),
                Stores.ReaderFeedbackType => JsonSerializer.Deserialize(json, IngestJsonContext.Default.ReaderFeedbackRecorded),
                _ => throw new InvalidOperationException($"Unexpected event type '{type}'."),
            };
            return data ?? throw new JsonException("The event data is null.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new IngestEventUnreadableException(sequence, type, ex);
        }
    }
}

/// <summary>An Ingest event whose stored JSON does not match its contract: the subscription stops on it (never skipped).</summary>
internal sealed class IngestEventUnreadableException(long sequence, string type, Exception inner)
    : Exception($"The Ingest event at sequence {sequence} ({type}) cannot be read: {inner.Message}", inner)
{
    public long Sequence { get; } = sequence;
}

/// <summary>
/// Source-generated (reflection-free) deserialization of the Ingest contracts as Marten's default serializer stores them
/// (property names as declared, matched case-insensitively as before; enums as numbers or names).
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(InferenceRecorded))]
[JsonSerializable(typeof(GroundTruthRecorded))]
[JsonSerializable(typeof(ReaderFeedbackRecorded))]
internal sealed partial class IngestJsonContext : JsonSerializerContext;
