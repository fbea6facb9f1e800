using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace Monitoring.Audit;

/// <summary>What a line of an export is.</summary>
internal enum LineKind : byte
{
    Blank,
    Header,
    Checkpoint,
    Event,
    Gap,
    Missing,
    Malformed,
}

/// <summary>Where a line is in its chunk and what parsing it found (hashes are kept in the chunk's own array).</summary>
internal struct LineInfo
{
    public int Start;
    public int Length;
    public long Sequence;
    public LineKind Kind;
    public bool Redacted;
    public string? Error;
}

/// <summary>
/// A chunk of whole lines, parsed: per line its kind, sequence number, content hash (the event's fields as the chain hashes
/// them) and the link the export recorded. The line bytes stay in the chunk's buffer (from the shared pool) until it is disposed.
/// </summary>
internal sealed class ParsedChunk : IDisposable
{
    private byte[]? buffer;
    private readonly byte[] hashes;

    private ParsedChunk(byte[] buffer, LineInfo[] lines, int count, byte[] hashes)
    {
        this.buffer = buffer;
        Lines = lines;
        Count = count;
        this.hashes = hashes;
    }

    public LineInfo[] Lines { get; }

    public int Count { get; }

    public ReadOnlySpan<byte> Line(int i) => buffer.AsSpan(Lines[i].Start, Lines[i].Length);

    public ReadOnlySpan<byte> Content(int i) => hashes.AsSpan(i * 2 * ChainHash.Size, ChainHash.Size);

    public ReadOnlySpan<byte> Link(int i) => hashes.AsSpan((i * 2 + 1) * ChainHash.Size, ChainHash.Size);

    public static ParsedChunk Parse(byte[] buffer, int length)
    {
        var text = buffer.AsSpan(0, length);
        var count = text.Count((byte)'\n') + 1;
        var lines = new LineInfo[count];
        var hashes = new byte[count * 2 * ChainHash.Size];
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        var n = 0;
        for (var start = 0; start < length;)
        {
            var end = text[start..].IndexOf((byte)'\n');
            var lineLength = end < 0 ? length - start : end;
            if (scratch.Length < lineLength)
            {
                ArrayPool<byte>.Shared.Return(scratch);
                scratch = ArrayPool<byte>.Shared.Rent(lineLength);
            }

            ref var info = ref lines[n];
            info.Start = start;
            info.Length = lineLength;
            ExportLineParser.Parse(text.Slice(start, lineLength), ref info, hashes.AsSpan(n * 2 * ChainHash.Size, 2 * ChainHash.Size), scratch);
            n++;
            start += lineLength + 1;
        }

        ArrayPool<byte>.Shared.Return(scratch);
        return new ParsedChunk(buffer, lines, n, hashes);
    }

    public void Dispose()
    {
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }
}

/// <summary>Parses one line of an export straight from its UTF-8 bytes (no strings for the fields that are hashed).</summary>
internal static class ExportLineParser
{
    public static void Parse(ReadOnlySpan<byte> line, ref LineInfo info, Span<byte> hashes, Span<byte> scratch)
    {
        line = line.TrimEnd((byte)'\r');
        if (line.IsEmpty || line.IndexOfAnyExcept(" \t\r"u8) < 0) info.Kind = LineKind.Blank;
        else if (line.StartsWith("{\"checkpoint\""u8)) info.Kind = LineKind.Checkpoint;
        else if (line.StartsWith("{\"format\""u8)) info.Kind = LineKind.Header;
        else
        {
            try
            {
                ParseEntry(line, ref info, hashes, scratch);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
            {
                info.Kind = LineKind.Malformed;
                info.Error = ex.Message;
            }
        }
    }

    private static void ParseEntry(ReadOnlySpan<byte> line, ref LineInfo info, Span<byte> hashes, Span<byte> scratch)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new FormatException("not a JSON object");
        ReadOnlySpan<byte> stream = default, type = default, tenant = default, dotnet = default, data = default, meta = default, link = default;
        Guid id = default;
        long version = 0, micros = 0;
        bool hasSequence = false, hasLink = false;
        var kind = LineKind.Malformed;
        var used = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("data"u8) || name.SequenceEqual("meta"u8))
            {
                // The embedded JSON's exact bytes: the body is hashed as found, never re-serialised.
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var raw = line[start..(int)reader.BytesConsumed];
                if (name[0] == (byte)'d') data = raw;
                else meta = raw;
            }
            else if (name.SequenceEqual("seq"u8))
            {
                info.Sequence = reader.GetInt64();
                hasSequence = true;
            }
            else if (name.SequenceEqual("kind"u8))
            {
                kind = reader.ValueTextEquals("event"u8) ? LineKind.Event
                    : reader.ValueTextEquals("gap"u8) ? LineKind.Gap
                    : reader.ValueTextEquals("missing"u8) ? LineKind.Missing
                    : throw new FormatException("kind is not event, gap or missing");
            }
            else if (name.SequenceEqual("id"u8))
            {
                if (reader.ValueIsEscaped || !Utf8Parser.TryParse(reader.ValueSpan, out id, out var consumed, 'D') || consumed != reader.ValueSpan.Length)
                {
                    id = reader.GetGuid();
                }
            }
            else if (name.SequenceEqual("stream"u8)) stream = Text(ref reader, scratch, ref used);
            else if (name.SequenceEqual("type"u8)) type = Text(ref reader, scratch, ref used);
            else if (name.SequenceEqual("version"u8)) version = reader.GetInt64();
            else if (name.SequenceEqual("timestamp"u8)) micros = Micros(ref reader);
            else if (name.SequenceEqual("tenant"u8)) tenant = Text(ref reader, scratch, ref used);
            else if (name.SequenceEqual("dotnetType"u8)) dotnet = Text(ref reader, scratch, ref used);
            else if (name.SequenceEqual("link"u8))
            {
                link = Text(ref reader, scratch, ref used);
                hasLink = true;
            }
            else reader.Skip();
        }

        if (!hasSequence || !hasLink || kind == LineKind.Malformed) throw new FormatException("seq, kind or link is missing");
        if (link.Length != 2 * ChainHash.Size || link.IndexOfAnyExcept("0123456789abcdef"u8) >= 0) throw new FormatException("link is not 64 lowercase hex digits");
        DecodeHex(link, hashes[ChainHash.Size..]);
        info.Kind = kind;
        if (kind != LineKind.Event) return;
        Span<byte> bodyHashes = stackalloc byte[2 * ChainHash.Size];
        info.Redacted = Redaction.DataHash(data, bodyHashes[..ChainHash.Size]);
        ChainHash.Sha256(meta, bodyHashes[ChainHash.Size..]);
        ChainHash.Content(id, stream, type, version, micros, tenant, dotnet, bodyHashes[..ChainHash.Size], bodyHashes[ChainHash.Size..], hashes[..ChainHash.Size]);
    }

    /// <summary>A string value's UTF-8 bytes: the line's own bytes, or unescaped into <paramref name="scratch"/> (never longer than the line).</summary>
    private static ReadOnlySpan<byte> Text(scoped ref Utf8JsonReader reader, Span<byte> scratch, scoped ref int used)
    {
        if (reader.TokenType != JsonTokenType.String) throw new FormatException("a text field is not a string");
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        var n = reader.CopyString(scratch[used..]);
        var text = scratch.Slice(used, n);
        used += n;
        return text;
    }

    /// <summary>Microseconds since the Unix epoch of the export's fixed timestamp format (<see cref="ExportWriter.TimestampFormat"/>).</summary>
    private static long Micros(ref Utf8JsonReader reader)
    {
        var s = reader.ValueSpan;
        if (!reader.ValueIsEscaped && s.Length == 27 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[26] == 'Z'
            && Digits(s[..4], out var year) && Digits(s.Slice(5, 2), out var month) && Digits(s.Slice(8, 2), out var day)
            && Digits(s.Slice(11, 2), out var hour) && Digits(s.Slice(14, 2), out var minute) && Digits(s.Slice(17, 2), out var second)
            && Digits(s.Slice(20, 6), out var fraction)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            return ChainHash.Micros(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc)) + fraction;
        }

        // Anything else goes through the framework's parser, which accepts exactly the same format or throws.
        return ChainHash.Micros(DateTime.ParseExact(reader.GetString()!, ExportWriter.TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            if ((uint)(b - '0') > 9) return false;
            value = value * 10 + (b - '0');
        }

        return true;
    }

    private static void DecodeHex(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        static int Nibble(byte c) => c <= '9' ? c - '0' : c - 'a' + 10;
        for (var i = 0; i < destination.Length; i++) destination[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[2 * i + 1]));
    }

    /// <summary>Stream, version and type of a line, for a problem's description (rare: only lines that fail).</summary>
    public static string Describe(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            string? stream = null, type = null;
            long? version = null;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "stream") stream = reader.GetString();
                else if (name == "type") type = reader.GetString();
                else if (name == "version") version = reader.GetInt64();
                else reader.Skip();
            }

            return $"{stream} v{version} {type}";
        }
        catch (JsonException)
        {
            return "an unreadable line";
        }
    }
}

/// <summary>Reads a stream in chunks of whole lines (about 1 MiB, larger when one line is), each in a buffer from the shared pool.</summary>
internal sealed class ChunkReader(Stream input)
{
    private const int ChunkSize = 1 << 20;
    private byte[] carry = new byte[ChunkSize];
    private int carried;
    private bool eof;

    public bool TryNext(out byte[] buffer, out int length)
    {
        buffer = [];
        length = 0;
        if (eof && carried == 0) return false;
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, 2 * carried));
        carry.AsSpan(0, carried).CopyTo(buffer);
        length = carried;
        carried = 0;
        while (true)
        {
            while (!eof && length < buffer.Length)
            {
                var n = input.Read(buffer, length, buffer.Length - length);
                if (n == 0) eof = true;
                length += n;
            }

            if (eof && length == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = [];
                return false;
            }

            var last = eof ? length - 1 : buffer.AsSpan(0, length).LastIndexOf((byte)'\n');
            if (last >= 0)
            {
                carried = length - last - 1;
                if (carry.Length < carried) carry = new byte[carried];
                buffer.AsSpan(last + 1, carried).CopyTo(carry);
                length = last + 1;
                if (length > 0 && buffer[length - 1] == '\n') length--; // the chunk's last line without its newline
                return true;
            }

            // One line longer than the buffer: a larger buffer, and read on.
            var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
    }
}
