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
        await using var chainCmd = new NpgsqlCommand(ChainEntryReader.Query(sql, ranged: false), conn1);
        await using var eventCmd = new NpgsqlCommand($"select {sql.EventColumns} from {sql.Events} e order by e.seq_id", conn2);
        await using var chainReader = await chainCmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        var entries = new ChainEntryReader(chainReader, (sequence, detail) => report.Add(sequence, "chain-altered", detail));
        await using var eventReader = await eventCmd.ExecuteReaderAsync(ct);
        await using var events = new HashedEventStream(eventReader, ct);

        var check = new CheckpointCursor(store, checkpoints, keys, report);
        var recomputed = ChainHash.Genesis(store);
        ReadOnlyMemory<byte> storedPrevious = recomputed;
        var chain = await entries.NextAsync(ct);
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
            else if (row is null || chain.Value.Sequence < row.Sequence)
            {
                if (chain.Value.Kind == LinkKind.Event) report.Add(chain.Value.Sequence, "deleted", $"event {chain.Value.Describe()} is missing");
                else
                {
                    report.Gaps++;
                    recomputed = ChainHash.Link(recomputed, chain.Value.Sequence, LinkKind.Gap, []);
                }

                nextRow = false;
            }
            else if (row.Sequence < chain.Value.Sequence)
            {
                report.Add(row.Sequence, "inserted", $"event {row.Stream} v{row.Version} {row.Type} has no link in the chain");
                nextChain = false;
            }
            else if (chain.Value.Kind == LinkKind.Gap)
            {
                report.Add(row.Sequence, "inserted", $"event {row.Stream} v{row.Version} {row.Type} at a sequence number recorded as never committed");
                recomputed = ChainHash.Link(recomputed, chain.Value.Sequence, LinkKind.Gap, []);
            }
            else
            {
                report.Events++;
                var (dataHash, content) = (hashed!.DataHash, hashed.Content);
                if (hashed.Redacted) report.Redacted++;
                var fromStored = ChainHash.Link(storedPrevious.Span, row.Sequence, LinkKind.Event, content);
                recomputed = recomputed.AsSpan().SequenceEqual(storedPrevious.Span) ? fromStored : ChainHash.Link(recomputed, row.Sequence, LinkKind.Event, content);
                // Each row is checked against its own recorded link (from the recorded previous link), so every altered
                // row is located, not only the first; the recomputed chain is what the signed checkpoints are checked against.
                if (!fromStored.AsSpan().SequenceEqual(chain.Value.Link.Span))
                {
                    var recorded = chain.Value;
                    report.Add(row.Sequence, recorded.EventId != row.Id ? "reordered" : "altered", recorded.EventId != row.Id
                        ? $"holds event {row.Id} ({row.Stream} v{row.Version} {row.Type}); the chain recorded event {recorded.Describe()} here"
                        : Differences(recorded, row, dataHash, hashed.MetaHash));
                }
            }

            if (nextChain)
            {
                storedPrevious = chain!.Value.Link;
                report.ChainedThrough = chain.Value.Sequence;
                check.At(chain.Value.Sequence, recomputed);
                chain = await entries.NextAsync(ct);
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

    private static string Differences(ChainEntry chain, EventRecord row, byte[] dataHash, byte[] metaHash)
    {
        var diffs = new List<string>();
        if (chain.Version != row.Version) diffs.Add($"version {chain.Version} -> {row.Version}");
        if (chain.Timestamp != row.Timestamp) diffs.Add($"timestamp {chain.Timestamp:O} -> {row.Timestamp:O}");
        if (!dataHash.AsSpan().SequenceEqual(chain.DataHash)) diffs.Add("data (JSON body) differs from what was committed");
        if (!metaHash.AsSpan().SequenceEqual(chain.MetaHash)) diffs.Add("metadata differs");
        // The chain records the stream, type, tenant and .NET type only through the link (not separately), so a change to
        // one of them is named as a group.
        if (diffs.Count == 0) diffs.Add("stream, type, tenant or .NET type differs, or the chain table's link was changed");
        return $"event {row.Stream} v{row.Version} {row.Type}: " + string.Join("; ", diffs);
    }
}
