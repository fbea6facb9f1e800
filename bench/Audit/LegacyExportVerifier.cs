using System.Globalization;
using System.Text.Json;

using Monitoring.Audit;

namespace Monitoring.Audit.Benchmarks;

/// <summary>
/// The baseline of the offline-verify benchmark: the line-by-line verifier as it was before it was pipelined (kept here
/// unchanged but for names, so that the speed-up is a ratio within one run). Verifies an export alone, without database access: recomputes every link from the header's previous link and the exact
/// bytes of each line's body and metadata, checks the sequence is contiguous, and checks every included checkpoint's
/// signature (under trusted keys) and head. Streams the file line by line.
/// </summary>
internal static class LegacyExportVerifier
{
    /// <summary>Verifies the export in <paramref name="input"/>.</summary>
    public static VerifyReport Verify(Stream input, IReadOnlyDictionary<string, byte[]> keys)
    {
        var lines = new LegacyLineReader(input);
        if (!lines.TryNext(out var header)) throw new InvalidDataException("empty export");
        var (store, previous, from) = Header(header.Span);
        var report = new VerifyReport(store);
        var checkpointsAt = new Dictionary<long, SignedCheckpoint>();
        var recomputed = previous;
        var expected = from;
        while (lines.TryNext(out var line))
        {
            if (line.Length == 0) continue;
            var span = line.Span;
            if (span.StartsWith("{\"checkpoint\""u8))
            {
                using var doc = JsonDocument.Parse(line);
                var c = doc.RootElement.GetProperty("checkpoint").Deserialize<SignedCheckpoint>()!;
                if (!keys.TryGetValue(c.KeyId, out var key)) report.CheckpointsUnverifiable++;
                else if (c.Store != store || !c.Verify(key)) Add(report, c.Sequence, "checkpoint", $"checkpoint at {c.Sequence} does not verify under key {c.KeyId}");
                else checkpointsAt[c.Sequence] = c;
                continue;
            }

            var e = LegacyExportLine.Parse(span);
            if (e.Sequence != expected)
            {
                Add(report, e.Sequence, e.Sequence > expected ? "deleted" : "reordered",
                    $"expected sequence {expected}, found {e.Sequence}: lines were removed or moved");
            }

            expected = e.Sequence + 1;
            byte[] content = [];
            if (e.Kind == LinkKind.Event)
            {
                report.Events++;
                var dataHash = Redaction.DataHash(e.Data, out var redacted);
                if (redacted) report.Redacted++;
                content = ChainHash.Content(e.Id, e.Stream, e.Type, e.Version, e.Timestamp, e.Tenant, e.DotnetType, dataHash, ChainHash.Of(e.Meta));
            }
            else if (e.Kind == LinkKind.Gap)
            {
                report.Gaps++;
            }
            else
            {
                Add(report, e.Sequence, "deleted", "the database had no event at a chained sequence number when this was exported");
            }

            recomputed = ChainHash.Link(recomputed, e.Sequence, e.Kind == LinkKind.Gap ? LinkKind.Gap : LinkKind.Event, content);
            var hex = ChainHash.Hex(recomputed);
            if (hex != e.Link)
            {
                Add(report, e.Sequence, "altered", $"line of {e.Stream} v{e.Version} {e.TypeName}: recomputed link differs from the exported one");
                recomputed = Convert.FromHexString(e.Link); // resynchronise, so each altered line is named
            }

            report.ChainedThrough = e.Sequence;
            if (checkpointsAt.Remove(e.Sequence, out var signed))
            {
                if (signed.Head == hex) report.CheckpointsVerified++;
                else Add(report, e.Sequence, "checkpoint", $"the export's chain at {e.Sequence} is not the head signed at {signed.SignedAt}: the file was rewritten");
            }
        }

        foreach (var missing in checkpointsAt.Values)
        {
            Add(report, missing.Sequence, "truncated", $"a checkpoint was signed at {missing.Sequence} but the export has no line for it");
        }

        return report;
    }

    private static void Add(VerifyReport report, long sequence, string kind, string detail) =>
        report.Problems.Add(new Problem(report.Store, sequence, kind, detail));

    private static (string Store, byte[] Previous, long From) Header(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        string? store = null, previous = null, format = null;
        long from = 1;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "format": format = reader.GetString(); break;
                case "store": store = reader.GetString(); break;
                case "previous": previous = reader.GetString(); break;
                case "from": from = reader.GetInt64(); break;
            }
        }

        if (format != ExportWriter.Format || store is null || previous is null) throw new InvalidDataException("not an audit export (header)");
        return (store, Convert.FromHexString(previous), from);
    }
}

/// <summary>One parsed line of an export; <see cref="Data"/> and <see cref="Meta"/> are the exact bytes of the embedded JSON.</summary>
internal ref struct LegacyExportLine
{
    public long Sequence;
    public LinkKind Kind;
    public bool Missing;
    public Guid Id;
    public string Stream;
    public string Type;
    public long Version;
    public DateTime Timestamp;
    public string Tenant;
    public string? DotnetType;
    public ReadOnlySpan<byte> Data;
    public ReadOnlySpan<byte> Meta;
    public string Link;

    public readonly string TypeName => Type;

    public static LegacyExportLine Parse(ReadOnlySpan<byte> line)
    {
        var e = new LegacyExportLine { Stream = "", Type = "", Tenant = "", Link = "" };
        var reader = new Utf8JsonReader(line);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("data"u8) || name.SequenceEqual("meta"u8))
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var raw = line[start..(int)reader.BytesConsumed];
                if (name[0] == (byte)'d') e.Data = raw;
                else e.Meta = raw;
            }
            else if (name.SequenceEqual("seq"u8)) e.Sequence = reader.GetInt64();
            else if (name.SequenceEqual("kind"u8))
            {
                e.Kind = reader.ValueTextEquals("gap"u8) ? LinkKind.Gap : LinkKind.Event;
                e.Missing = reader.ValueTextEquals("missing"u8);
                if (e.Missing) e.Kind = 0;
            }
            else if (name.SequenceEqual("id"u8)) e.Id = reader.GetGuid();
            else if (name.SequenceEqual("stream"u8)) e.Stream = reader.GetString()!;
            else if (name.SequenceEqual("type"u8)) e.Type = reader.GetString()!;
            else if (name.SequenceEqual("version"u8)) e.Version = reader.GetInt64();
            else if (name.SequenceEqual("timestamp"u8))
                e.Timestamp = DateTime.ParseExact(reader.GetString()!, ExportWriter.TimestampFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            else if (name.SequenceEqual("tenant"u8)) e.Tenant = reader.GetString()!;
            else if (name.SequenceEqual("dotnetType"u8)) e.DotnetType = reader.GetString();
            else if (name.SequenceEqual("link"u8)) e.Link = reader.GetString()!;
            else reader.Skip();
        }

        return e;
    }
}

/// <summary>Splits a stream into lines without decoding (a growing buffer; one line at a time in memory).</summary>
internal sealed class LegacyLineReader(Stream input)
{
    private byte[] buffer = new byte[1 << 20];
    private int start;
    private int end;
    private bool eof;

    public bool TryNext(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = buffer.AsMemory(start, newline);
                start += newline + 1;
                return true;
            }

            if (eof)
            {
                line = buffer.AsMemory(start, end - start);
                start = end;
                return line.Length > 0;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var n = input.Read(buffer, end, buffer.Length - end);
            if (n == 0) eof = true;
            end += n;
        }
    }
}
