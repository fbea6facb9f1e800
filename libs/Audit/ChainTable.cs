using System.Buffers.Binary;
using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// How the chain is stored: one row per page the follower wrote (<c>audit_chain_page</c>: first and last sequence number and
/// the page's links packed in one <c>bytea</c>), not one row per sequence number. Each sequence number of the page has a
/// fixed-size entry of <see cref="Stride"/> bytes, in sequence order:
/// <code>
///   0      kind (1 = event, 2 = gap)
///   1..32  link (SHA-256, see ChainHash)
///  33..48  event id (RFC 4122 byte order, as PostgreSQL's uuid_send)   zero for a gap
///  49..56  version (int64, big-endian)                                 zero for a gap
///  57..64  timestamp, microseconds since the Unix epoch (int64, BE)    zero for a gap
///  65..96  SHA-256 of the body (or the erased body's recorded hash)    zero for a gap
///  97..128 SHA-256 of the metadata object                              zero for a gap
/// </code>
/// The links are the same as in the earlier one-row-per-event table, so checkpoints and exports do not change; what changed is
/// the write: one row (its body in TOAST) per page instead of thousands of rows and primary-key entries (13–17 % less CPU per
/// chained event; docs/benchmarks.md, "Audit chain"). The view <c>audit_chain</c> unpacks the pages into one row
/// per sequence number for people reading with SQL; programs read the pages (<see cref="ChainEntryReader"/>).
/// </summary>
public static class ChainTable
{
    /// <summary>Bytes per sequence number in a page.</summary>
    public const int Stride = 129;

    internal const int KindAt = 0, LinkAt = 1, IdAt = 33, VersionAt = 49, MicrosAt = 57, DataAt = 65, MetaAt = 97;

    /// <summary>
    /// Creates the page table and the unpacking view when missing, moving a chain kept in the earlier one-row-per-event table
    /// into pages. Runs at every follower start: a store already set up only has its catalog read (no lock taken, nothing rewritten).
    /// </summary>
    internal static string Create(StoreSql sql)
    {
        var zero = "'\\x" + new string('0', 64) + "'::bytea";
        return $"""
            do $setup$
            begin
                if to_regclass('{sql.ChainPages}') is null then
                    create table {sql.ChainPages} (
                        first_seq  bigint primary key,
                        last_seq   bigint not null,
                        entries    bytea not null,
                        chained_at timestamptz not null default now(),
                        constraint audit_chain_page_shape check (last_seq >= first_seq and octet_length(entries) = (last_seq - first_seq + 1) * {Stride}));
                    -- hashes do not compress: store the packed links out of line as they are, without a compression attempt per page
                    alter table {sql.ChainPages} alter column entries set storage external;
                end if;
                if exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                           where n.nspname = '{sql.Schema}' and c.relname = 'audit_chain' and c.relkind = 'r') then
                    insert into {sql.ChainPages} (first_seq, last_seq, entries, chained_at)
                    select min(seq), max(seq), string_agg(entry, ''::bytea order by seq), max(chained_at)
                    from (select seq, chained_at,
                                 set_byte('\x00'::bytea, 0, kind) || link || coalesce(uuid_send(event_id), substr({zero}, 1, 16))
                                 || int8send(coalesce(version, 0)) || int8send(coalesce((extract(epoch from ts) * 1000000)::bigint, 0))
                                 || coalesce(data_hash, {zero}) || coalesce(meta_hash, {zero}) as entry
                          from {sql.ChainView}) legacy
                    group by (seq - 1) / 5000;
                    drop table {sql.ChainView};
                end if;
                if to_regclass('{sql.ChainView}') is null then
                    create view {sql.ChainView} as
                    select p.first_seq + i as seq, get_byte(e.b, {KindAt})::smallint as kind, substr(e.b, {LinkAt + 1}, {ChainHash.Size}) as link,
                           encode(substr(v.ev, {IdAt + 1}, 16), 'hex')::uuid as event_id,
                           ('x' || encode(substr(v.ev, {VersionAt + 1}, 8), 'hex'))::bit(64)::bigint as version,
                           timestamptz 'epoch' + ('x' || encode(substr(v.ev, {MicrosAt + 1}, 8), 'hex'))::bit(64)::bigint * interval '1 microsecond' as ts,
                           substr(v.ev, {DataAt + 1}, {ChainHash.Size}) as data_hash, substr(v.ev, {MetaAt + 1}, {ChainHash.Size}) as meta_hash, p.chained_at
                    from {sql.ChainPages} p
                    cross join lateral generate_series(0, (p.last_seq - p.first_seq)::int) i
                    -- the entry sliced once; an event's fields from it, nulls for a gap
                    cross join lateral (select substr(p.entries, i * {Stride} + 1, {Stride}) as b) e
                    cross join lateral (select case when get_byte(e.b, {KindAt}) = {(int)LinkKind.Event} then e.b end as ev) v;
                end if;
            end
            $setup$;
            """;
    }

    /// <summary>The last chained sequence number and its link (the tail the follower continues from); null for an empty chain.</summary>
    public static async Task<(long Sequence, byte[] Link)?> TailAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select last_seq, {LinkOf("last_seq")} from {sql.ChainPages} order by first_seq desc limit 1", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), (byte[])reader[1]) : null;
    }

    /// <summary>The recorded link of the last chained sequence number below <paramref name="sequence"/>; null when there is none.</summary>
    public static async Task<byte[]?> LinkBeforeAsync(NpgsqlConnection conn, StoreSql sql, long sequence, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"select {LinkOf("least(@s, last_seq)")} from {sql.ChainPages} where first_seq <= @s order by first_seq desc limit 1", conn);
        cmd.Parameters.AddWithValue("s", sequence - 1);
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    /// <summary>SQL for the recorded link of sequence number <paramref name="sequence"/> (an expression) within a page row.</summary>
    private static string LinkOf(string sequence) => $"substr(entries, ({sequence} - first_seq)::int * {Stride} + {LinkAt + 1}, {ChainHash.Size})";

    /// <summary>Writes the fixed fields of one entry (kind, id, version, timestamp; zeros elsewhere); the caller fills in the hashes and the link.</summary>
    internal static void WriteHeader(Span<byte> entry, LinkKind kind, Guid id, long version, long micros)
    {
        entry[..Stride].Clear();
        entry[KindAt] = (byte)kind;
        if (kind != LinkKind.Event) return;
        id.TryWriteBytes(entry.Slice(IdAt, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(entry[VersionAt..], version);
        BinaryPrimitives.WriteInt64BigEndian(entry[MicrosAt..], micros);
    }
}

/// <summary>One sequence number of the chain as recorded: a view over its entry in a page (<see cref="ChainTable"/>).</summary>
internal readonly struct ChainEntry(long sequence, ReadOnlyMemory<byte> entry)
{
    public long Sequence => sequence;

    public LinkKind Kind => (LinkKind)entry.Span[ChainTable.KindAt];

    public ReadOnlyMemory<byte> Link => entry.Slice(ChainTable.LinkAt, ChainHash.Size);

    public Guid EventId => new(entry.Span.Slice(ChainTable.IdAt, 16), bigEndian: true);

    public long Version => BinaryPrimitives.ReadInt64BigEndian(entry.Span[ChainTable.VersionAt..]);

    public DateTime Timestamp => new(DateTime.UnixEpoch.Ticks + BinaryPrimitives.ReadInt64BigEndian(entry.Span[ChainTable.MicrosAt..]) * 10, DateTimeKind.Utc);

    public ReadOnlySpan<byte> DataHash => entry.Span.Slice(ChainTable.DataAt, ChainHash.Size);

    public ReadOnlySpan<byte> MetaHash => entry.Span.Slice(ChainTable.MetaAt, ChainHash.Size);

    public string Describe() => $"id {EventId} v{Version} at {Timestamp:O}";
}

/// <summary>
/// Reads the chain's entries in sequence order from its pages (one page in memory at a time: constant memory). A page whose
/// shape is wrong (its entries' length, or a range overlapping the page before) was not written by the follower: it is
/// reported through <paramref name="malformed"/> and skipped, so its events show as having no link.
/// </summary>
internal sealed class ChainEntryReader(NpgsqlDataReader pages, Action<long, string>? malformed = null)
{
    private byte[] page = [];
    private long first;
    private int count, next;
    private long last;

    /// <summary>Query for the pages in order: all of them, or (<paramref name="ranged"/>) those that hold parameters <c>@from</c>..<c>@to</c>.</summary>
    public static string Query(StoreSql sql, bool ranged) =>
        $"select first_seq, last_seq, entries from {sql.ChainPages} " + (ranged ? "where last_seq >= @from and first_seq <= @to " : "") + "order by first_seq";

    public async ValueTask<ChainEntry?> NextAsync(CancellationToken ct)
    {
        while (next == count)
        {
            if (!await pages.ReadAsync(ct)) return null;
            var (f, l) = (pages.GetInt64(0), pages.GetInt64(1));
            var bytes = await pages.GetFieldValueAsync<byte[]>(2, ct);
            if (l < f || bytes.LongLength != (l - f + 1) * ChainTable.Stride)
            {
                malformed?.Invoke(f, $"chain page {f}..{l} holds {bytes.Length} bytes, not {ChainTable.Stride} per sequence number: the chain table was changed");
                continue;
            }

            if (count > 0 && f <= last)
            {
                malformed?.Invoke(f, $"chain page {f}..{l} overlaps the page before (through {last}): the chain table was changed");
                continue;
            }

            (page, first, last, count, next) = (bytes, f, l, (int)(l - f + 1), 0);
        }

        var i = next++;
        return new ChainEntry(first + i, page.AsMemory(i * ChainTable.Stride, ChainTable.Stride));
    }
}
