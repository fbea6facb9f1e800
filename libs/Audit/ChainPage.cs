using Npgsql;
using NpgsqlTypes;

namespace Monitoring.Audit;

/// <summary>
/// The links of one page of the follower, packed as they are stored (<see cref="ChainTable"/>: a fixed-size entry per sequence
/// number) in one buffer reused from page to page, then written as one row. The bodies' and metadata's hashes arrive computed
/// by PostgreSQL (<see cref="StoreSql.ChainColumns"/>) and are read straight into their entry: no body crosses the wire to the
/// follower, and nothing is allocated per event.
/// </summary>
internal sealed class ChainPage(byte[] head)
{
    private readonly byte[] link = head.ToArray();
    private byte[] entries = new byte[ChainTable.Stride * 1024];
    private long first;

    /// <summary>Links added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Gap links among them.</summary>
    public int Gaps { get; private set; }

    /// <summary>Last sequence number added.</summary>
    public long Last => first + Count - 1;

    /// <summary>The chain's head after the last link added (a copy).</summary>
    public byte[] Head => link.ToArray();

    /// <summary>Starts a new page (after the previous one was written).</summary>
    public void Clear()
    {
        Count = 0;
        Gaps = 0;
    }

    /// <summary>Links a sequence number proven never committed.</summary>
    public void AddGap(long sequence)
    {
        var entry = entries.AsSpan(Reserve(sequence), ChainTable.Stride);
        ChainTable.WriteHeader(entry, LinkKind.Gap, default, 0, 0);
        ChainHash.Link(link, sequence, LinkKind.Gap, [], link);
        link.CopyTo(entry[ChainTable.LinkAt..]);
        Gaps++;
    }

    /// <summary>Links the event at the reader's current row (the columns of <see cref="StoreSql.ChainColumns"/>).</summary>
    public void AddEvent(NpgsqlDataReader r)
    {
        var (sequence, id, stream, type, version, timestamp) = (r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetDateTime(5));
        var at = Reserve(sequence);
        var entry = entries.AsSpan(at, ChainTable.Stride);
        ChainTable.WriteHeader(entry, LinkKind.Event, id, version, ChainHash.Micros(timestamp));
        ReadHash(r, 8, at + ChainTable.DataAt);
        ReadHash(r, 9, at + ChainTable.MetaAt);
        Span<byte> content = stackalloc byte[ChainHash.Size];
        ChainHash.Content(id, stream, type, version, timestamp, r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7),
            entry.Slice(ChainTable.DataAt, ChainHash.Size), entry.Slice(ChainTable.MetaAt, ChainHash.Size), content);
        ChainHash.Link(link, sequence, LinkKind.Event, content, link);
        link.CopyTo(entry[ChainTable.LinkAt..]);
    }

    /// <summary>Appends the page to the chain as one row.</summary>
    public async Task WriteAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"insert into {sql.ChainPages} (first_seq, last_seq, entries) values (@first, @last, @entries)", conn);
        cmd.Parameters.AddWithValue("first", first);
        cmd.Parameters.AddWithValue("last", Last);
        cmd.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("entries", NpgsqlDbType.Bytea) { TypedValue = entries.AsMemory(0, Count * ChainTable.Stride) });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Where the next entry starts in <see cref="entries"/> (grown when full); sequence numbers of a page are consecutive.</summary>
    private int Reserve(long sequence)
    {
        if (Count == 0) first = sequence;
        else if (sequence != Last + 1) throw new InvalidOperationException($"sequence {sequence} does not follow {Last} in the page");
        var at = Count * ChainTable.Stride;
        if (at + ChainTable.Stride > entries.Length) Array.Resize(ref entries, entries.Length * 2);
        Count++;
        return at;
    }

    /// <summary>A 32-byte hash column, read into <see cref="entries"/> at <paramref name="at"/>.</summary>
    private void ReadHash(NpgsqlDataReader r, int column, int at)
    {
        if (r.GetBytes(column, 0, null, 0, 0) != ChainHash.Size || r.GetBytes(column, 0, entries, at, ChainHash.Size) != ChainHash.Size)
        {
            throw new InvalidOperationException($"column {column} of sequence {r.GetInt64(0)} is not a {ChainHash.Size}-byte hash");
        }
    }
}
