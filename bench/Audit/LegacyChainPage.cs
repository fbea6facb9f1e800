using Npgsql;
using NpgsqlTypes;

using Monitoring.Audit;

namespace Monitoring.Audit.Benchmarks;

/// <summary>
/// <see cref="LegacyChainFollower"/>'s page (the previous <c>ChainPage</c>): the links of one page, kept compactly until its COPY: per sequence number only the fields the chain table
/// records (never the bodies) and the three hashes (data, metadata, link) in one buffer reused from page to page. The bodies
/// arrive as the UTF-8 bytes of PostgreSQL's text rendering (<c>convert_to(data::text, 'UTF8')</c>, the same bytes the verifier
/// and the export hash after decoding the text) and are hashed straight from a reused buffer: no string per body, nothing
/// kept that the garbage collector would have to promote while the page is open.
/// </summary>
internal sealed class LegacyChainPage(byte[] head)
{
    private const int Stride = 3 * ChainHash.Size;
    private readonly List<Entry> entries = [];
    private readonly byte[] link = head.ToArray();
    private byte[] hashes = new byte[Stride * 1024];
    private byte[] body = new byte[16 * 1024];

    /// <summary>The select list this page reads: the bodies and the metadata as UTF-8 bytes, hashed here.</summary>
    public static string Columns(StoreSql sql) =>
        $"e.seq_id, e.id, e.stream_id::text, e.type, e.version, e.timestamp, e.tenant_id, e.mt_dotnet_type, convert_to(e.data::text, 'UTF8'), convert_to({sql.MetadataText}, 'UTF8')";

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
        var slot = Slot();
        ChainHash.Link(link, sequence, LinkKind.Gap, [], link);
        link.CopyTo(slot[(2 * ChainHash.Size)..]);
        entries.Add(new Entry(sequence, LinkKind.Gap, default, null, null, 0, default));
        Gaps++;
    }

    /// <summary>Links the event at the reader's current row (the columns of <see cref="StoreSql.ChainColumns"/>).</summary>
    public void AddEvent(NpgsqlDataReader r)
    {
        var (sequence, id, stream, type, version, timestamp) = (r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetDateTime(5));
        var slot = Slot();
        var data = slot[..ChainHash.Size];
        var meta = slot.Slice(ChainHash.Size, ChainHash.Size);
        Redaction.DataHash(Bytes(r, 8), data);
        ChainHash.Sha256(Bytes(r, 9), meta);
        var content = ChainHash.Content(id, stream, type, version, timestamp, r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), data, meta);
        ChainHash.Link(link, sequence, LinkKind.Event, content, link);
        link.CopyTo(slot[(2 * ChainHash.Size)..]);
        entries.Add(new Entry(sequence, LinkKind.Event, id, stream, type, version, timestamp));
    }

    /// <summary>Appends the page's links to the chain table in one binary COPY.</summary>
    public async Task WriteAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync(
            $"copy {sql.Chain} (seq, kind, event_id, stream_id, type, version, ts, data_hash, meta_hash, link) from stdin (format binary)", ct);
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

    private Span<byte> Slot()
    {
        var at = entries.Count * Stride;
        if (at + Stride > hashes.Length) Array.Resize(ref hashes, hashes.Length * 2);
        return hashes.AsSpan(at, Stride);
    }

    /// <summary>A bytea column's bytes, copied into the reused buffer (grown for a body larger than any before).</summary>
    private ReadOnlySpan<byte> Bytes(NpgsqlDataReader r, int column)
    {
        var length = (int)r.GetBytes(column, 0, null, 0, 0);
        if (length > body.Length) body = new byte[Math.Max(length, body.Length * 2)];
        var read = (int)r.GetBytes(column, 0, body, 0, length);
        return body.AsSpan(0, read);
    }

    private readonly record struct Entry(long Sequence, LinkKind Kind, Guid Id, string? Stream, string? Type, long Version, DateTime Timestamp);
}
