using Npgsql;
using NpgsqlTypes;

using Monitoring.Audit;

namespace Monitoring.Audit.Benchmarks;

/// <summary>
/// <see cref="LegacyChainFollower"/>'s page (the previous format's <c>ChainPage</c>): the links of one page of the follower, kept compactly until its COPY: per sequence number only the fields the chain table
/// records (never the bodies) and the three hashes (data, metadata, link) in one buffer reused from page to page. The bodies'
/// and metadata's hashes arrive computed by PostgreSQL (<see cref="StoreSql.ChainColumns"/>) and are read straight into that
/// buffer: no body crosses the wire to the follower, nothing is kept that the garbage collector would have to promote while
/// the page is open.
/// </summary>
internal sealed class LegacyChainPage(byte[] head)
{
    /// <summary>The previous format's table (one row per sequence number), under a name of its own.</summary>
    public static string Table(string schema) => $"\"{schema}\".audit_chain_rows";

    /// <summary>Creates <see cref="Table"/> if missing.</summary>
    public static string Create(string schema) =>
        $"""
         create table if not exists {Table(schema)} (
             seq        bigint primary key,
             kind       smallint not null,
             event_id   uuid,
             stream_id  text,
             type       text,
             version    bigint,
             ts         timestamptz,
             data_hash  bytea,
             meta_hash  bytea,
             link       bytea not null,
             chained_at timestamptz not null default now())
         """;

    private const int Stride = 3 * ChainHash.Size;
    private readonly List<Entry> entries = [];
    private readonly byte[] link = head.ToArray();
    private byte[] hashes = new byte[Stride * 1024];

    /// <summary>Links added since the last <see cref="Clear"/>.</summary>
    public int Count => entries.Count;

    /// <summary>Gap links among them.</summary>
    public int Gaps { get; private set; }

    /// <summary>Last sequence number added.</summary>
    public long Last => entries[^1].Sequence;

    /// <summary>The chain's head after the last link added (a copy).</summary>
    public byte[] Head => link.ToArray();

    /// <summary>Starts a new page (after the previous one was written).</summary>
    public void Clear()
    {
        entries.Clear();
        Gaps = 0;
    }

    /// <summary>Links a sequence number proven never committed.</summary>
    public void AddGap(long sequence)
    {
        var slot = hashes.AsSpan(Reserve(), Stride);
        ChainHash.Link(link, sequence, LinkKind.Gap, [], link);
        link.CopyTo(slot[(2 * ChainHash.Size)..]);
        entries.Add(new Entry(sequence, LinkKind.Gap, default, null, null, 0, default));
        Gaps++;
    }

    /// <summary>Links the event at the reader's current row (the columns of <see cref="StoreSql.ChainColumns"/>).</summary>
    public void AddEvent(NpgsqlDataReader r)
    {
        var (sequence, id, stream, type, version, timestamp) = (r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetDateTime(5));
        var at = Reserve();
        ReadHash(r, 8, at);
        ReadHash(r, 9, at + ChainHash.Size);
        var slot = hashes.AsSpan(at, Stride);
        var content = ChainHash.Content(id, stream, type, version, timestamp, r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7),
            slot[..ChainHash.Size], slot.Slice(ChainHash.Size, ChainHash.Size));
        ChainHash.Link(link, sequence, LinkKind.Event, content, link);
        link.CopyTo(slot[(2 * ChainHash.Size)..]);
        entries.Add(new Entry(sequence, LinkKind.Event, id, stream, type, version, timestamp));
    }

    /// <summary>Appends the page's links to the chain table in one binary COPY.</summary>
    public async Task WriteAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync(
            $"copy {Table(sql.Schema)} (seq, kind, event_id, stream_id, type, version, ts, data_hash, meta_hash, link) from stdin (format binary)", ct);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var at = i * Stride;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync((short)e.Kind, NpgsqlDbType.Smallint, ct);
            if (e.Kind == LinkKind.Event)
            {
                await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.Stream!, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Type!, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.Timestamp, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(hashes.AsMemory(at, ChainHash.Size), NpgsqlDbType.Bytea, ct);
                await copy.WriteAsync(hashes.AsMemory(at + ChainHash.Size, ChainHash.Size), NpgsqlDbType.Bytea, ct);
            }
            else
            {
                for (var c = 0; c < 7; c++) await copy.WriteNullAsync(ct);
            }

            await copy.WriteAsync(hashes.AsMemory(at + 2 * ChainHash.Size, ChainHash.Size), NpgsqlDbType.Bytea, ct);
        }

        await copy.CompleteAsync(ct);
    }

    /// <summary>Where the next link's three hashes go in <see cref="hashes"/> (grown when full).</summary>
    private int Reserve()
    {
        var at = entries.Count * Stride;
        if (at + Stride > hashes.Length) Array.Resize(ref hashes, hashes.Length * 2);
        return at;
    }

    /// <summary>A 32-byte hash column, read into <see cref="hashes"/> at <paramref name="at"/>.</summary>
    private void ReadHash(NpgsqlDataReader r, int column, int at)
    {
        if (r.GetBytes(column, 0, null, 0, 0) != ChainHash.Size || r.GetBytes(column, 0, hashes, at, ChainHash.Size) != ChainHash.Size)
        {
            throw new InvalidOperationException($"column {column} of sequence {r.GetInt64(0)} is not a {ChainHash.Size}-byte hash");
        }
    }

    private readonly record struct Entry(long Sequence, LinkKind Kind, Guid Id, string? Stream, string? Type, long Version, DateTime Timestamp);
}
