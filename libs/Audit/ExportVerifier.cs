using System.Text.Json;

namespace Monitoring.Audit;

/// <summary>
/// Verifies an export alone, without database access: recomputes every link from the header's previous link and the exact
/// bytes of each line's body and metadata, checks the sequence is contiguous, and checks every included checkpoint's
/// signature (under trusted keys) and head. Streams the file in chunks of whole lines.
/// </summary>
/// <remarks>
/// Parsing a line and hashing its body do not depend on any other line, so chunks are parsed and hashed on worker threads
/// (a bounded number in flight, so memory stays constant); only the link, which depends on the previous one, is computed here,
/// in file order. Nothing is re-serialised: the body's hash is over the bytes found in the file.
/// </remarks>
public static class ExportVerifier
{
    /// <summary>Verifies the export in <paramref name="input"/>, parsing on as many threads as there are processors.</summary>
    public static VerifyReport Verify(Stream input, IReadOnlyDictionary<string, byte[]> keys) => Verify(input, keys, Environment.ProcessorCount);

    /// <summary>Verifies the export in <paramref name="input"/>, parsing and hashing on up to <paramref name="parallelism"/> threads (1: this one only).</summary>
    public static VerifyReport Verify(Stream input, IReadOnlyDictionary<string, byte[]> keys, int parallelism)
    {
        var chunks = new ChunkReader(input);
        var chain = new ExportChain(keys);
        // Two chunks in flight per worker keeps every worker busy while this thread links; each chunk is about 1 MiB.
        var depth = 2 * Math.Max(1, parallelism);
        var pending = new Queue<Task<ParsedChunk>>();
        while (true)
        {
            while (pending.Count < depth && chunks.TryNext(out var read, out var readLength))
            {
                var (buffer, length) = (read, readLength); // captured per chunk
                pending.Enqueue(parallelism > 1
                    ? Task.Run(() => ParsedChunk.Parse(buffer, length))
                    : Task.FromResult(ParsedChunk.Parse(buffer, length)));
            }

            if (!pending.TryDequeue(out var next)) break;
            using var parsed = next.GetAwaiter().GetResult();
            chain.Add(parsed);
        }

        return chain.Finish();
    }
}

/// <summary>The in-order part of offline verification: sequence continuity, links, checkpoints.</summary>
internal sealed class ExportChain(IReadOnlyDictionary<string, byte[]> keys)
{
    private readonly Dictionary<long, SignedCheckpoint> checkpointsAt = [];
    private readonly byte[] recomputed = new byte[ChainHash.Size];
    private VerifyReport? report;
    private string store = "";
    private long expected;
    private bool resynchronise;

    public void Add(ParsedChunk chunk)
    {
        for (var i = 0; i < chunk.Count; i++)
        {
            ref readonly var info = ref chunk.Lines[i];
            if (info.Kind == LineKind.Blank) continue;
            var line = chunk.Line(i);
            if (report is null)
            {
                Header(line);
                continue;
            }

            switch (info.Kind)
            {
                case LineKind.Checkpoint:
                    Checkpoint(line);
                    break;
                case LineKind.Malformed:
                case LineKind.Header:
                    report.Add(expected, "altered", $"a line after sequence {expected - 1} is not an export line ({info.Error ?? "a second header"})");
                    resynchronise = true; // its link is unknown: the next line's link is checked from its own recorded value on
                    break;
                default:
                    Link(info, chunk.Content(i), chunk.Link(i), line);
                    break;
            }
        }
    }

    public VerifyReport Finish()
    {
        if (report is null) throw new InvalidDataException("empty export");
        foreach (var missing in checkpointsAt.Values)
        {
            report.Add(missing.Sequence, "truncated", $"a checkpoint was signed at {missing.Sequence} but the export has no line for it");
        }

        return report;
    }

    private void Header(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        string? name = null, previous = null, format = null;
        long from = 1;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "format": format = reader.GetString(); break;
                case "store": name = reader.GetString(); break;
                case "previous": previous = reader.GetString(); break;
                case "from": from = reader.GetInt64(); break;
            }
        }

        if (format != ExportWriter.Format || name is null || previous is null) throw new InvalidDataException("not an audit export (header)");
        store = name;
        report = new VerifyReport(name);
        Convert.FromHexString(previous).CopyTo(recomputed.AsSpan());
        expected = from;
    }

    private void Checkpoint(ReadOnlySpan<byte> line)
    {
        using var doc = JsonDocument.Parse(line.ToArray());
        var c = doc.RootElement.GetProperty("checkpoint").Deserialize<SignedCheckpoint>()!;
        if (!keys.TryGetValue(c.KeyId, out var key)) report!.CheckpointsUnverifiable++;
        else if (c.Store != store || !c.Verify(key)) report!.Add(c.Sequence, "checkpoint", $"checkpoint at {c.Sequence} does not verify under key {c.KeyId}");
        else checkpointsAt[c.Sequence] = c;
    }

    private void Link(in LineInfo e, ReadOnlySpan<byte> content, ReadOnlySpan<byte> exported, ReadOnlySpan<byte> line)
    {
        var r = report!;
        if (e.Sequence != expected && !resynchronise)
        {
            r.Add(e.Sequence, e.Sequence > expected ? "deleted" : "reordered", $"expected sequence {expected}, found {e.Sequence}: lines were removed or moved");
        }

        expected = e.Sequence + 1;
        switch (e.Kind)
        {
            case LineKind.Event:
                r.Events++;
                if (e.Redacted) r.Redacted++;
                break;
            case LineKind.Gap:
                r.Gaps++;
                content = [];
                break;
            default:
                r.Add(e.Sequence, "deleted", "the database had no event at a chained sequence number when this was exported");
                content = [];
                break;
        }

        if (resynchronise) exported.CopyTo(recomputed);
        else ChainHash.Link(recomputed, e.Sequence, e.Kind == LineKind.Gap ? LinkKind.Gap : LinkKind.Event, content, recomputed);
        resynchronise = false;
        if (!recomputed.AsSpan().SequenceEqual(exported))
        {
            r.Add(e.Sequence, "altered", $"line of {ExportLineParser.Describe(line)}: recomputed link differs from the exported one");
            exported.CopyTo(recomputed); // resynchronise, so each altered line is named
        }

        r.ChainedThrough = e.Sequence;
        if (checkpointsAt.Count > 0 && checkpointsAt.Remove(e.Sequence, out var signed))
        {
            if (signed.Head == ChainHash.Hex(recomputed)) r.CheckpointsVerified++;
            else r.Add(e.Sequence, "checkpoint", $"the export's chain at {e.Sequence} is not the head signed at {signed.SignedAt}: the file was rewritten");
        }
    }
}
