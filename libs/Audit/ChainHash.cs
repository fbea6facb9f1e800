using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Monitoring.Audit;

/// <summary>What a link stands for: a committed event, or a sequence number proven never to have been committed.</summary>
public enum LinkKind : short
{
    /// <summary>A committed row of <c>mt_events</c>.</summary>
    Event = 1,

    /// <summary>A sequence number taken by a transaction that rolled back (a permanent gap in <c>seq_id</c>).</summary>
    Gap = 2,
}

/// <summary>
/// One committed event as the chain sees it. <see cref="Data"/> and <see cref="Meta"/> are PostgreSQL's own text rendering
/// of the stored <c>jsonb</c> (<c>data::text</c>), which is deterministic for a stored value: jsonb keeps keys sorted (by
/// length, then bytes), without duplicates, and numbers as <c>numeric</c>, so the same stored value always prints the same
/// bytes. Hashing that text, not the writer's JSON, is what makes the hash survive storage.
/// </summary>
/// <param name="Sequence"><c>seq_id</c>.</param>
/// <param name="Id">Event id.</param>
/// <param name="Stream">Stream key as text (string keys as they are, Guid keys in PostgreSQL's rendering).</param>
/// <param name="Type">Marten's event type alias.</param>
/// <param name="Version">Version within the stream.</param>
/// <param name="Timestamp">Commit timestamp (microsecond precision, UTC).</param>
/// <param name="Tenant">Tenant id.</param>
/// <param name="DotnetType">Marten's <c>mt_dotnet_type</c>, if stored.</param>
/// <param name="Data">Event body: PostgreSQL's text of the stored jsonb.</param>
/// <param name="Meta">Enabled metadata columns (correlation, causation, headers, user...) as one jsonb object's text, nulls left out.</param>
public sealed record EventRecord(
    long Sequence, Guid Id, string Stream, string Type, long Version, DateTime Timestamp, string Tenant, string? DotnetType, string Data, string Meta);

/// <summary>
/// The hash chain: SHA-256 over length-prefixed fields, so no two different events share an encoding.
/// <c>link(n) = SHA256("audit-link/1" ‖ link(n−1) ‖ seq ‖ kind ‖ content)</c> where, for an event,
/// <c>content = SHA256(id ‖ stream ‖ type ‖ version ‖ timestamp µs ‖ tenant ‖ dotnet type ‖ SHA256(data) ‖ SHA256(meta))</c>.
/// The body enters through its own hash so that an erased body (see <see cref="Redaction"/>) keeps the chain verifiable.
/// The chain of a store starts from <see cref="Genesis"/>, which binds it to the store's name.
/// </summary>
public static class ChainHash
{
    /// <summary>Length of every hash and link (SHA-256).</summary>
    public const int Size = 32;

    private static readonly byte[] LinkTag = "audit-link/1"u8.ToArray();

    // One reusable hash object per thread: .NET's one-shot SHA256.HashData sets up an OpenSSL digest context per call
    // (≈ 450 ns here even for 0 bytes, more than hashing a small input), and every event takes four hashes.
    [ThreadStatic]
    private static IncrementalHash? sha256;

    /// <summary>SHA-256 of <paramref name="input"/> into <paramref name="destination"/> (32 bytes), reusing this thread's hash object.</summary>
    public static void Sha256(ReadOnlySpan<byte> input, Span<byte> destination)
    {
        // Checked before appending: a failure between append and reset would leave input behind for this thread's next hash.
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        var hash = sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(input);
        hash.GetHashAndReset(destination);
    }

    /// <summary>The link before the first sequence number of <paramref name="store"/>.</summary>
    public static byte[] Genesis(string store) => SHA256.HashData(Encoding.UTF8.GetBytes("audit-genesis/1:" + store));

    /// <summary>SHA-256 of UTF-8 text.</summary>
    public static byte[] Of(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 4096)
        {
            Span<byte> buffer = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(text, buffer);
            var hash = new byte[Size];
            Sha256(buffer[..n], hash);
            return hash;
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>SHA-256 of raw bytes (an exported body's exact bytes).</summary>
    public static byte[] Of(ReadOnlySpan<byte> utf8)
    {
        var hash = new byte[Size];
        Sha256(utf8, hash);
        return hash;
    }

    /// <summary>The content hash of an event, given the hashes of its body and metadata.</summary>
    public static byte[] Content(EventRecord e, byte[] dataHash, byte[] metaHash) =>
        Content(e.Id, e.Stream, e.Type, e.Version, e.Timestamp, e.Tenant, e.DotnetType, dataHash, metaHash);

    /// <summary>The content hash of an event from its fields.</summary>
    public static byte[] Content(Guid id, string stream, string type, long version, DateTime timestamp, string tenant, string? dotnetType,
        ReadOnlySpan<byte> dataHash, ReadOnlySpan<byte> metaHash)
    {
        var hash = new byte[Size];
        Content(id, stream, type, version, timestamp, tenant, dotnetType, dataHash, metaHash, hash);
        return hash;
    }

    /// <summary>The content hash of an event from its fields, written to <paramref name="destination"/> (32 bytes).</summary>
    public static void Content(Guid id, string stream, string type, long version, DateTime timestamp, string tenant, string? dotnetType,
        ReadOnlySpan<byte> dataHash, ReadOnlySpan<byte> metaHash, Span<byte> destination)
    {
        dotnetType ??= "";
        // The text fields in UTF-8, one after the other, then the one encoding of the span overload: a single definition of the bytes.
        var max = Encoding.UTF8.GetMaxByteCount(stream.Length + type.Length + tenant.Length + dotnetType.Length);
        var rented = max > 1024 ? ArrayPool<byte>.Shared.Rent(max) : null;
        var utf8 = rented is null ? stackalloc byte[max] : rented.AsSpan(0, max);
        var s = Encoding.UTF8.GetBytes(stream, utf8);
        var t = Encoding.UTF8.GetBytes(type, utf8[s..]);
        var n = Encoding.UTF8.GetBytes(tenant, utf8[(s + t)..]);
        var d = Encoding.UTF8.GetBytes(dotnetType, utf8[(s + t + n)..]);
        Content(id, utf8[..s], utf8.Slice(s, t), version, Micros(timestamp), utf8.Slice(s + t, n), utf8.Slice(s + t + n, d), dataHash, metaHash, destination);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>
    /// The content hash of an event whose text fields are already UTF-8 (an export's exact bytes), written to
    /// <paramref name="destination"/> (32 bytes). <paramref name="micros"/> is the timestamp in microseconds since the Unix epoch.
    /// </summary>
    public static void Content(Guid id, ReadOnlySpan<byte> stream, ReadOnlySpan<byte> type, long version, long micros, ReadOnlySpan<byte> tenant,
        ReadOnlySpan<byte> dotnetType, ReadOnlySpan<byte> dataHash, ReadOnlySpan<byte> metaHash, Span<byte> destination)
    {
        // One buffer and a one-shot hash: this runs once per event in the follower, verify and the offline verifier.
        var max = 16 + 6 * 8 + stream.Length + type.Length + tenant.Length + dotnetType.Length + 2 * Size;
        var rented = max > 1024 ? ArrayPool<byte>.Shared.Rent(max) : null;
        var buffer = rented is null ? stackalloc byte[max] : rented.AsSpan(0, max);
        id.TryWriteBytes(buffer, bigEndian: true, out _);
        var at = 16;
        at += WriteText(buffer[at..], stream);
        at += WriteText(buffer[at..], type);
        BinaryPrimitives.WriteInt64BigEndian(buffer[at..], version);
        BinaryPrimitives.WriteInt64BigEndian(buffer[(at + 8)..], micros);
        at += 16;
        at += WriteText(buffer[at..], tenant);
        at += WriteText(buffer[at..], dotnetType);
        dataHash.CopyTo(buffer[at..]);
        metaHash.CopyTo(buffer[(at + Size)..]);
        at += 2 * Size;
        Sha256(buffer[..at], destination);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    private static int WriteText(Span<byte> buffer, ReadOnlySpan<byte> utf8)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer, utf8.Length);
        utf8.CopyTo(buffer[8..]);
        return 8 + utf8.Length;
    }

    /// <summary>The next link. <paramref name="content"/> is the event's content hash, empty for a gap.</summary>
    public static byte[] Link(ReadOnlySpan<byte> previous, long sequence, LinkKind kind, ReadOnlySpan<byte> content)
    {
        var link = new byte[Size];
        Link(previous, sequence, kind, content, link);
        return link;
    }

    /// <summary>The next link written to <paramref name="destination"/> (which may be <paramref name="previous"/> itself).</summary>
    public static void Link(ReadOnlySpan<byte> previous, long sequence, LinkKind kind, ReadOnlySpan<byte> content, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[12 + Size + 8 + 2 + Size];
        var at = 0;
        LinkTag.CopyTo(buffer);
        at += LinkTag.Length;
        previous.CopyTo(buffer[at..]);
        at += Size;
        BinaryPrimitives.WriteInt64BigEndian(buffer[at..], sequence);
        at += 8;
        BinaryPrimitives.WriteInt16BigEndian(buffer[at..], (short)kind);
        at += 2;
        content.CopyTo(buffer[at..]);
        at += content.Length;
        Sha256(buffer[..at], destination);
    }

    /// <summary>Microseconds since the Unix epoch: PostgreSQL's own precision for <c>timestamptz</c>, so exact.</summary>
    public static long Micros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Lowercase hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>
/// Erasure that keeps the chain verifiable: the body is replaced by <c>{"$redacted": "&lt;sha256 hex of the erased text&gt;"}</c>,
/// and verification uses that recorded hash instead of hashing the marker. The content is gone; the link still checks,
/// and the redaction is visible (verify counts it).
/// </summary>
public static class Redaction
{
    /// <summary>The marker's key.</summary>
    public const string Key = "$redacted";

    /// <summary>The marker text for an erased body with hash <paramref name="dataHash"/>, as PostgreSQL renders it.</summary>
    public static string Marker(ReadOnlySpan<byte> dataHash) => $"{{\"{Key}\": \"{ChainHash.Hex(dataHash)}\"}}";

    /// <summary>The hash a body stands for: the recorded one when it is a redaction marker, else its own hash.</summary>
    public static byte[] DataHash(string data, out bool redacted)
    {
        // A marker-shaped body whose 64 characters are not hex is an ordinary body (as in the byte overload), not an error:
        // throwing here would stop the follower and the verifier on a body any writer could store.
        var hash = new byte[ChainHash.Size];
        redacted = data.Length == 81 && data.StartsWith("{\"$redacted\": \"", StringComparison.Ordinal) && data.EndsWith("\"}", StringComparison.Ordinal)
            && Convert.FromHexString(data.AsSpan(15, 64), hash, out _, out var written) == OperationStatus.Done && written == ChainHash.Size;
        return redacted ? hash : ChainHash.Of(data);
    }

    /// <summary>Same as <see cref="DataHash(string, out bool)"/> over the exact UTF-8 bytes of an exported body.</summary>
    public static byte[] DataHash(ReadOnlySpan<byte> data, out bool redacted)
    {
        var hash = new byte[ChainHash.Size];
        redacted = DataHash(data, hash);
        return hash;
    }

    /// <summary>Writes the hash <paramref name="data"/> stands for to <paramref name="destination"/>; returns whether it is a redaction marker.</summary>
    public static bool DataHash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (data.Length == 81 && data.StartsWith("{\"$redacted\": \""u8) && data.EndsWith("\"}"u8)
            && Convert.FromHexString(System.Text.Encoding.ASCII.GetString(data.Slice(15, 64)), destination, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == ChainHash.Size)
        {
            return true;
        }

        ChainHash.Sha256(data, destination);
        return false;
    }
}
