using System.Threading.Channels;
using Npgsql;

namespace Monitoring.Audit;

/// <summary>A committed event with the hashes the chain takes of it.</summary>
internal sealed record HashedEvent(EventRecord Row, byte[] DataHash, byte[] MetaHash, byte[] Content, bool Redacted);

/// <summary>
/// Reads committed events in sequence order on its own task and hashes each one (body, metadata, content) as it goes,
/// handing them on in batches through a small bounded channel: the verifier then merges them with the chain and links them
/// on another thread. Reading and hashing the events is most of the database verify's client work; split this way it uses
/// a second core, and memory stays bounded (at most a few batches in flight).
/// </summary>
internal sealed class HashedEventStream : IAsyncDisposable
{
    private const int BatchSize = 256;
    private readonly Channel<HashedEvent[]> channel =
        Channel.CreateBounded<HashedEvent[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource stop;
    private readonly Task producer;
    private HashedEvent[] batch = [];
    private int next;

    public HashedEventStream(NpgsqlDataReader reader, CancellationToken ct)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        producer = Task.Run(() => ProduceAsync(reader, stop.Token), CancellationToken.None);
    }

    /// <summary>The next event in sequence order, or null after the last.</summary>
    public async ValueTask<HashedEvent?> NextAsync(CancellationToken ct)
    {
        while (next == batch.Length)
        {
            // A failure of the reading side (lost connection...) surfaces here, as the channel's completion.
            if (!await channel.Reader.WaitToReadAsync(ct)) return null;
            if (channel.Reader.TryRead(out var read))
            {
                batch = read;
                next = 0;
            }
        }

        return batch[next++];
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await producer; // never faults: its failures complete the channel
        stop.Dispose();
    }

    private async Task ProduceAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        try
        {
            var buffer = new List<HashedEvent>(BatchSize);
            while (await reader.ReadAsync(ct))
            {
                var e = StoreSql.ReadEvent(reader);
                var dataHash = Redaction.DataHash(e.Data, out var redacted);
                var metaHash = ChainHash.Of(e.Meta);
                buffer.Add(new HashedEvent(e, dataHash, metaHash, ChainHash.Content(e, dataHash, metaHash), redacted));
                if (buffer.Count == BatchSize)
                {
                    await channel.Writer.WriteAsync(buffer.ToArray(), ct);
                    buffer.Clear();
                }
            }

            if (buffer.Count > 0) await channel.Writer.WriteAsync(buffer.ToArray(), ct);
            channel.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            channel.Writer.TryComplete(ex);
        }
    }
}
