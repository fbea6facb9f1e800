using Npgsql;

namespace Monitoring.Audit;

/// <summary>One thing verification found wrong, located by store and sequence number.</summary>
/// <param name="Store">Store name.</param>
/// <param name="Sequence">Sequence number (<c>seq_id</c>) where it is.</param>
/// <param name="Kind"><c>altered</c>, <c>deleted</c>, <c>inserted</c>, <c>reordered</c>, <c>chain-altered</c>, <c>checkpoint</c>, <c>truncated</c>.</param>
/// <param name="Detail">What differs.</param>
public sealed record Problem(string Store, long Sequence, string Kind, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => $"{Store} seq {Sequence}: {Kind}: {Detail}";
}

/// <summary>Outcome of verifying one store (from the database or from an export).</summary>
public sealed class VerifyReport(string store)
{
    /// <summary>Store name.</summary>
    public string Store { get; } = store;

    /// <summary>Events checked against their links.</summary>
    public long Events { get; set; }

    /// <summary>Sequence numbers recorded as never committed.</summary>
    public long Gaps { get; set; }

    /// <summary>Events whose body was erased (verified through the recorded hash).</summary>
    public long Redacted { get; set; }

    /// <summary>Last chained sequence number.</summary>
    public long ChainedThrough { get; set; }

    /// <summary>Committed events after <see cref="ChainedThrough"/> (not yet chained: the follower's lag).</summary>
    public long Unchained { get; set; }

    /// <summary>Signed checkpoints whose signature and head matched.</summary>
    public int CheckpointsVerified { get; set; }

    /// <summary>Checkpoints not checked for want of a trusted key.</summary>
    public int CheckpointsUnverifiable { get; set; }

    /// <summary>Problems in sequence order (capped at 1,000).</summary>
    public List<Problem> Problems { get; } = [];

    /// <summary>Whether nothing is wrong.</summary>
    public bool Ok => Problems.Count == 0;

    internal void Add(long sequence, string kind, string detail)
    {
        if (Problems.Count < 1000) Problems.Add(new Problem(Store, sequence, kind, detail));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Store}: {(Ok ? "OK" : $"{Problems.Count} problem(s), first: {Problems[0]}")}; {Events} events, {Gaps} gaps, {Redacted} redacted, " +
        $"chained through {ChainedThrough}, {Unchained} not yet chained, {CheckpointsVerified} checkpoint(s) verified" +
        (CheckpointsUnverifiable > 0 ? $", {CheckpointsUnverifiable} without a trusted key" : "");
}

/// <summary>A row of <c>audit_chain</c>.</summary>
internal sealed record ChainRow(long Sequence, LinkKind Kind, Guid? EventId, string? Stream, string? Type, long? Version, DateTime? Timestamp,
    byte[]? DataHash, byte[]? MetaHash, byte[] Link)
{
    public const string Columns = "seq, kind, event_id, stream_id, type, version, ts, data_hash, meta_hash, link";

    public static ChainRow Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), (LinkKind)r.GetInt16(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetInt64(5), r.IsDBNull(6) ? null : r.GetDateTime(6),
        r.IsDBNull(7) ? null : (byte[])r[7], r.IsDBNull(8) ? null : (byte[])r[8], (byte[])r[9]);

    public string Describe() => $"{Stream} v{Version} {Type}";
}

/// <summary>
/// Verifies a store from the database: recomputes every link from the committed rows, compares each row with what the
/// chain recorded when it was chained (locating altered, deleted, inserted and reordered events), and recomputes the chain
/// from its genesis to compare with every signed checkpoint (which catches a chain table rewritten to match altered rows,
/// and a tail truncated after a checkpoint). Reads the chain and the events as two ordered streams merged in memory: constant
/// memory whatever the store's size.
/// </summary>
public static class ChainVerifier
{
    /// <summary>Verifies <paramref name="store"/> in <paramref name="schema"/>.</summary>
    public static async Task<VerifyReport> VerifyAsync(NpgsqlDataSource db, string store, string schema,
        IReadOnlyList<SignedCheckpoint> checkpoints, IReadOnlyDictionary<string, byte[]> keys, CancellationToken ct = default)
    {
        var report = new VerifyReport(store);
        await using var conn1 = await db.OpenConnectionAsync(ct);
        await using var conn2 = await db.OpenConnectionAsync(ct);
        var sql = await StoreSql.TryLoadAsync(conn1, schema, ct) ?? throw new InvalidOperationException($"no event table in schema {schema}");
        // One repeatable-read snapshot per stream would still be two snapshots; the follower only appends, so rows chained
        // after the chain stream's snapshot simply show as "not yet chained".
        await using var chainCmd = new NpgsqlCommand($"select {ChainRow.Columns} from {sql.Chain} order by seq", conn1);
        await using var eventCmd = new NpgsqlCommand($"select {sql.EventColumns} from {sql.Events} e order by e.seq_id", conn2);
        await using var chainReader = await chainCmd.ExecuteReaderAsync(ct);
        await using var eventReader = await eventCmd.ExecuteReaderAsync(ct);
        await using var events = new HashedEventStream(eventReader, ct);

        var check = new CheckpointCursor(store, checkpoints, keys, report);
        var recomputed = ChainHash.Genesis(store);
        var storedPrevious = recomputed;
        var chain = await chainReader.ReadAsync(ct) ? ChainRow.Read(chainReader) : null;
        var hashed = await events.NextAsync(ct);
        var row = hashed?.Row;
        while (chain is not null || row is not null)
        {
            bool nextChain = true, nextRow = true;
            if (chain is null)
            {
                report.Unchained++; // committed after the chain's tail: the follower's lag
                nextChain = false;
            }
            else if (row is null || chain.Sequence < row.Sequence)
            {
                if (chain.Kind == LinkKind.Event) report.Add(chain.Sequence, "deleted", $"event {chain.Describe()} (id {chain.EventId}) is missing");
                else
                {
                    report.Gaps++;
                    recomputed = ChainHash.Link(recomputed, chain.Sequence, LinkKind.Gap, []);
                }

                nextRow = false;
            }
            else if (row.Sequence < chain.Sequence)
            {
                report.Add(row.Sequence, "inserted", $"event {row.Stream} v{row.Version} {row.Type} has no link in the chain");
                nextChain = false;
            }
            else if (chain.Kind == LinkKind.Gap)
            {
                report.Add(row.Sequence, "inserted", $"event {row.Stream} v{row.Version} {row.Type} at a sequence number recorded as never committed");
                recomputed = ChainHash.Link(recomputed, chain.Sequence, LinkKind.Gap, []);
            }
            else
            {
                report.Events++;
                var (dataHash, content) = (hashed!.DataHash, hashed.Content);
                if (hashed.Redacted) report.Redacted++;
                var fromStored = ChainHash.Link(storedPrevious, row.Sequence, LinkKind.Event, content);
                recomputed = recomputed.AsSpan().SequenceEqual(storedPrevious) ? fromStored : ChainHash.Link(recomputed, row.Sequence, LinkKind.Event, content);
                // Each row is checked against its own recorded link (from the recorded previous link), so every altered
                // row is located, not only the first; the recomputed chain is what the signed checkpoints are checked against.
                if (!fromStored.AsSpan().SequenceEqual(chain.Link))
                {
                    report.Add(row.Sequence, chain.EventId != row.Id ? "reordered" : "altered", chain.EventId != row.Id
                        ? $"holds event {row.Id} ({row.Stream} v{row.Version} {row.Type}); the chain recorded {chain.EventId} ({chain.Describe()}) here"
                        : Differences(chain, row, dataHash, hashed.MetaHash));
                }
            }

            if (nextChain)
            {
                storedPrevious = chain!.Link;
                report.ChainedThrough = chain.Sequence;
                check.At(chain.Sequence, recomputed);
                chain = await chainReader.ReadAsync(ct) ? ChainRow.Read(chainReader) : null;
            }

            if (nextRow)
            {
                hashed = await events.NextAsync(ct);
                row = hashed?.Row;
            }
        }

        check.Finish(report.ChainedThrough);
        return report;
    }

    private static string Differences(ChainRow chain, EventRecord row, byte[] dataHash, byte[] metaHash)
    {
        var diffs = new List<string>();
        if (chain.Stream != row.Stream) diffs.Add($"stream {chain.Stream} -> {row.Stream}");
        if (chain.Type != row.Type) diffs.Add($"type {chain.Type} -> {row.Type}");
        if (chain.Version != row.Version) diffs.Add($"version {chain.Version} -> {row.Version}");
        if (chain.Timestamp != row.Timestamp) diffs.Add($"timestamp {chain.Timestamp:O} -> {row.Timestamp:O}");
        if (!dataHash.AsSpan().SequenceEqual(chain.DataHash)) diffs.Add("data (JSON body) differs from what was committed");
        if (!metaHash.AsSpan().SequenceEqual(chain.MetaHash)) diffs.Add("metadata differs");
        if (diffs.Count == 0) diffs.Add("tenant or .NET type differs, or the chain table's link was changed");
        return $"event {row.Stream} v{row.Version} {row.Type}: " + string.Join("; ", diffs);
    }
}
