using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// Export of a contiguous range of a store's chain to NDJSON: a header line (store, range, the link before the range), the signed checkpoints that fall in
/// the range, one line per sequence number (event fields, body and metadata embedded as PostgreSQL's exact jsonb text, the recorded link; or
/// a gap). Streamed row by row: constant memory whatever the range.
/// </summary>
public static class ExportWriter
{
    /// <summary>Format name in the header.</summary>
    public const string Format = "audit-export/1";

    /// <summary>Timestamps as written (microseconds, UTC).</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Writes sequence numbers <paramref name="from"/>..<paramref name="to"/> (inclusive, chained rows only); returns lines written.</summary>
    public static async Task<long> WriteAsync(NpgsqlDataSource db, string store, string schema, long from, long to,
        IReadOnlyList<SignedCheckpoint> checkpoints, Stream output, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var sql = await StoreSql.TryLoadAsync(conn, schema, ct) ?? throw new InvalidOperationException($"no event table in schema {schema}");
        var previous = await ChainTable.LinkBeforeAsync(conn, sql, from, ct) ?? ChainHash.Genesis(store);

        // Lines are written into one buffer and handed to the output about every 64 KiB: one asynchronous write per few dozen
        // lines rather than per line (the output may be an HTTP response, which only takes asynchronous writes).
        var buffer = new ArrayBufferWriter<byte>(FlushAt + (1 << 14));
        await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.WriteStartObject();
        writer.WriteString("format", Format);
        writer.WriteString("store", store);
        writer.WriteNumber("from", from);
        writer.WriteNumber("to", to);
        writer.WriteString("previous", ChainHash.Hex(previous));
        writer.WriteEndObject();
        EndLine(writer, buffer);

        // Checkpoints come before the events, so a verifier knows which links to compare while it streams.
        foreach (var c in checkpoints.Where(c => c.Sequence >= from && c.Sequence <= to))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("checkpoint");
            JsonSerializer.Serialize(writer, c);
            writer.WriteEndObject();
            EndLine(writer, buffer);
        }

        long lines = 0;
        // The chain's own order drives the export: its entries (from the pages that hold the range) merged with the committed
        // events of the range, read on a second connection; events past the chain's tail are not exported.
        await using var eventsConn = await db.OpenConnectionAsync(ct);
        await using var chainCmd = new NpgsqlCommand(ChainEntryReader.Query(sql, ranged: true), conn);
        chainCmd.Parameters.AddWithValue("from", from);
        chainCmd.Parameters.AddWithValue("to", to);
        await using var eventCmd = new NpgsqlCommand($"select {sql.EventColumns} from {sql.Events} e where e.seq_id between @from and @to order by e.seq_id", eventsConn);
        eventCmd.Parameters.AddWithValue("from", from);
        eventCmd.Parameters.AddWithValue("to", to);
        await using (var pages = await chainCmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
        await using (var events = await eventCmd.ExecuteReaderAsync(ct))
        {
            var chain = new ChainEntryReader(pages);
            var e = await events.ReadAsync(ct) ? StoreSql.ReadEvent(events) : null;
            while (await chain.NextAsync(ct) is { } entry)
            {
                if (entry.Sequence < from) continue;
                if (entry.Sequence > to) break;
                while (e is not null && e.Sequence < entry.Sequence) e = await events.ReadAsync(ct) ? StoreSql.ReadEvent(events) : null;
                var here = e is not null && e.Sequence == entry.Sequence ? e : null;
                WriteEntry(writer, entry.Sequence, entry.Kind == LinkKind.Gap ? "gap" : here is null ? "missing" : "event",
                    entry.Kind != LinkKind.Gap ? here : null, entry.Link.Span);
                EndLine(writer, buffer);
                lines++;
                if (buffer.WrittenCount >= FlushAt) await FlushAsync(buffer, output, ct);
            }
        }

        await FlushAsync(buffer, output, ct);
        await output.FlushAsync(ct);
        return lines;
    }

    /// <summary>
    /// Writes one entry of an export (without its newline): <paramref name="kind"/> is <c>event</c> (with <paramref name="e"/>),
    /// <c>gap</c>, or <c>missing</c> (a chained event whose row was gone when exported); <paramref name="link"/> is the recorded link.
    /// </summary>
    public static void WriteEntry(Utf8JsonWriter writer, long seq, string kind, EventRecord? e, ReadOnlySpan<byte> link)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq", seq);
        writer.WriteString("kind", kind);
        if (e is not null)
        {
            Span<char> text = stackalloc char[2 * ChainHash.Size];
            writer.WriteString("id", e.Id);
            writer.WriteString("stream", e.Stream);
            writer.WriteString("type", e.Type);
            writer.WriteNumber("version", e.Version);
            e.Timestamp.TryFormat(text, out var written, TimestampFormat, CultureInfo.InvariantCulture);
            writer.WriteString("timestamp", text[..written]);
            writer.WriteString("tenant", e.Tenant);
            if (e.DotnetType is not null) writer.WriteString("dotnetType", e.DotnetType);
            writer.WritePropertyName("data");
            writer.WriteRawValue(e.Data, skipInputValidation: true);
            writer.WritePropertyName("meta");
            writer.WriteRawValue(e.Meta, skipInputValidation: true);
        }

        Span<char> hex = stackalloc char[2 * ChainHash.Size];
        Convert.TryToHexStringLower(link, hex, out _);
        writer.WriteString("link", hex);
        writer.WriteEndObject();
    }

    /// <summary>The sequence range whose events were committed within [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static async Task<(long From, long To)> RangeAsync(NpgsqlDataSource db, string schema, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select coalesce(min(seq_id), 1), coalesce(max(seq_id), 0) from \"{schema}\".mt_events where timestamp >= @from and timestamp < @to", conn);
        cmd.Parameters.AddWithValue("from", from.UtcDateTime);
        cmd.Parameters.AddWithValue("to", to.UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.GetInt64(1));
    }

    private const int FlushAt = 1 << 16;

    private static void EndLine(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
        writer.Reset();
    }

    private static async Task FlushAsync(ArrayBufferWriter<byte> buffer, Stream output, CancellationToken ct)
    {
        await output.WriteAsync(buffer.WrittenMemory, ct);
        buffer.ResetWrittenCount();
    }
}
