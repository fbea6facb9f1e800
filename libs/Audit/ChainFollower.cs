using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// The single chaining follower of one store: reads committed rows of <c>mt_events</c> in <c>seq_id</c> order, never skips or
/// reorders, and appends one link per sequence number, a page at a time (<see cref="ChainTable"/>). It runs apart from the writers (no lock on the
/// write path); several instances of a service elect one follower through a PostgreSQL advisory lock. Given
/// <c>auditorRole</c>, it grants that role read access to the store's schema (the owner's grant: the auditor API and the
/// command line read as that role).
/// </summary>
public sealed class ChainFollower(
    string store, string schema, NpgsqlDataSource dataSource, IOptions<AuditChainOptions> options, CheckpointClient signer,
    TimeProvider time, ILogger<ChainFollower> logger, string? auditorRole = null) : BackgroundService
{
    private readonly AuditChainOptions o = options.Value;

    /// <summary>Store name (chain genesis, metric label, checkpoint directory).</summary>
    public string Store => store;

    /// <summary>Schema of the store.</summary>
    public string Schema => schema;

    /// <summary>The follower's own connections, as the service's role (the auditor API reads through <see cref="AuditReader"/> instead).</summary>
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Last chained sequence number (for tests and the status endpoint).</summary>
    public long ChainedThrough { get; private set; } = -1;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!o.Enabled) return;
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Lost connection, failover, a second follower racing on the primary key: start again from what is committed.
                logger.LogWarning(ex, "Audit chain follower of {Store} failed; restarting in {Delay}", store, backoff);
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await using var lockConn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            while (!await TryLockAsync(lockConn, ct))
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, ct); // another instance chains this store
            }

            await ChainAsync(ct);
        }
        finally
        {
            // A session lock outlives the connection's return to the pool: release it, or a restarted follower (or host) in
            // this process would wait on its own pooled session for ever.
            await UnlockAsync(lockConn);
        }
    }

    private async Task ChainAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        StoreSql? sql;
        while ((sql = await StoreSql.TryLoadAsync(conn, schema, ct)) is null)
        {
            await Task.Delay(o.PollInterval, time, ct); // the service creates its event table at start
        }

        await using (var create = new NpgsqlCommand(sql.CreateChainTable, conn))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await GrantReadAsync(conn, ct);
        // The chain is derived data: every link is a function of committed events, so a page lost in a crash is chained again,
        // identically, from the durable tail. Its page inserts therefore commit without waiting for the WAL flush; the writers' own
        // commits (which must wait) then do not queue behind the follower's fsyncs. Only a checkpoint needs a durable tail.
        // (Session state: Npgsql resets it when this pooled connection is returned, so no other user of the pool inherits it.)
        await using (var async = new NpgsqlCommand("set synchronous_commit = off", conn))
        {
            await async.ExecuteNonQueryAsync(ct);
        }

        var (tail, head) = await LoadTailAsync(conn, sql, ct);
        ChainedThrough = tail;
        var page = new ChainPage(head);
        var lastCheckpoint = (Sequence: tail, At: time.GetUtcNow());
        PendingGap? gap = null;
        while (!ct.IsCancellationRequested)
        {
            var gapProven = gap is not null && await gap.ProvenAsync(conn, o.GapSettle, time.GetUtcNow(), ct);
            page.Clear();
            var (end, missingFrom) = await PlanAsync(conn, sql, tail, gapProven ? gap!.From : -1, ct);
            if (end > tail)
            {
                var expected = tail + 1;
                await using var read = new NpgsqlCommand($"select {sql.ChainColumns} from {sql.Events} e where e.seq_id > @tail and e.seq_id <= @end order by e.seq_id", conn);
                read.Parameters.AddWithValue("tail", tail);
                read.Parameters.AddWithValue("end", end);
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var sequence = reader.GetInt64(0);
                    if (sequence != expected)
                    {
                        // Only the proven gap is passed; a row gone since the plan (deleted) stops the page like any other gap.
                        if (!(gapProven && gap!.From == expected))
                        {
                            missingFrom = expected;
                            break;
                        }

                        for (var s = expected; s < sequence; s++) page.AddGap(s);
                        gap = null;
                        gapProven = false;
                    }

                    page.AddEvent(reader);
                    expected = sequence + 1;
                }
            }

            if (missingFrom < 0) gap = null;
            else if (gap?.From != missingFrom) gap = await PendingGap.ObserveAsync(conn, missingFrom, time.GetUtcNow(), ct);

            if (page.Count > 0)
            {
                await page.WriteAsync(conn, sql, ct);
                AuditMetrics.Gaps.WithLabels(store).Inc(page.Gaps);
                tail = page.Last;
                ChainedThrough = tail;
            }

            await ReportLagAsync(conn, sql, tail, ct);
            var now = time.GetUtcNow();
            if (signer.Configured && tail > lastCheckpoint.Sequence && (tail - lastCheckpoint.Sequence >= o.CheckpointEveryEvents || now - lastCheckpoint.At >= o.CheckpointInterval))
            {
                // Signed only once the links it covers are on disk: a crash must not leave a checkpoint past the chain's durable
                // tail (verify would report the links lost with the crash as a truncation until the follower chained them again).
                await WaitDurableAsync(conn, ct);
                if (await signer.RequestAsync(store, tail, page.Head, ct))
                {
                    lastCheckpoint = (tail, now);
                    AuditMetrics.Checkpoint.WithLabels(store).Set(tail);
                }
            }

            if (page.Count < o.PageSize)
            {
                await Task.Delay(o.PollInterval, time, ct);
            }
        }
    }

    /// <summary>
    /// Where this page ends, from the sequence numbers alone (an index scan, no row rendered): the last one before the first
    /// number not committed yet, past the proven gap at <paramref name="provenGap"/> if any, and that first missing number
    /// (-1 when there is none). Concurrent writers take interleaved numbers, so the head often has such a hole while later rows
    /// are committed: reading the bodies of those later rows would be work thrown away and done again at the next poll.
    /// </summary>
    private async Task<(long End, long MissingFrom)> PlanAsync(NpgsqlConnection conn, StoreSql sql, long tail, long provenGap, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select e.seq_id from {sql.Events} e where e.seq_id > @tail order by e.seq_id limit @n", conn);
        cmd.Parameters.AddWithValue("tail", tail);
        cmd.Parameters.AddWithValue("n", o.PageSize);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var (end, expected) = (tail, tail + 1);
        while (await reader.ReadAsync(ct))
        {
            var sequence = reader.GetInt64(0);
            if (sequence != expected)
            {
                if (provenGap != expected) return (end, expected);
                provenGap = -1; // one proven gap per page, as the page's read passes only that one
            }

            (end, expected) = (sequence, sequence + 1);
        }

        return (end, -1);
    }

    /// <summary>Waits until the WAL is flushed up to this moment's insert position, so every page committed so far is durable
    /// (the WAL writer flushes an asynchronous commit within three <c>wal_writer_delay</c>s, 600 ms by default).</summary>
    private static async Task WaitDurableAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select pg_current_wal_insert_lsn()::text", conn);
        var lsn = (string)(await cmd.ExecuteScalarAsync(ct))!;
        cmd.CommandText = "select pg_current_wal_flush_lsn() >= @lsn::pg_lsn";
        cmd.Parameters.AddWithValue("lsn", lsn);
        while (!(bool)(await cmd.ExecuteScalarAsync(ct))!)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct); // real time: this waits on the disk, not on the schedule
        }
    }

    /// <summary>Select on the store's tables, present and future, for the auditor role; nothing more. Idempotent.</summary>
    private async Task GrantReadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(auditorRole)) return;
        var (s, r) = (Quote(schema), Quote(auditorRole));
        await using var grant = new NpgsqlCommand(
            $"grant usage on schema {s} to {r}; grant select on all tables in schema {s} to {r}; alter default privileges in schema {s} grant select on tables to {r}", conn);
        try
        {
            await grant.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex)
        {
            // A missing role or a schema owned by someone else: the auditor API then cannot read, which its calls show; chaining goes on.
            logger.LogWarning(ex, "Could not grant the auditor role {Role} read access to {Schema}", auditorRole, schema);
        }

        static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private async Task UnlockAsync(NpgsqlConnection conn)
    {
        if (conn.State != System.Data.ConnectionState.Open) return;
        try
        {
            await using var cmd = new NpgsqlCommand("select pg_advisory_unlock(hashtext('audit_chain:' || @s))", conn);
            cmd.Parameters.AddWithValue("s", schema);
            await cmd.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Could not release the chain lock of {Store}; it goes with the connection", store);
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select pg_try_advisory_lock(hashtext('audit_chain:' || @s))", conn);
        cmd.Parameters.AddWithValue("s", schema);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<(long Tail, byte[] Link)> LoadTailAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct) =>
        // Marten's sequence starts at 1; the chain of an empty store is its genesis.
        await ChainTable.TailAsync(conn, sql, ct) ?? (0, ChainHash.Genesis(store));

    private async Task ReportLagAsync(NpgsqlConnection conn, StoreSql sql, long tail, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {sql.Events}", conn);
        var head = (long)(await cmd.ExecuteScalarAsync(ct))!;
        AuditMetrics.Head.WithLabels(store).Set(head);
        AuditMetrics.Tail.WithLabels(store).Set(tail);
        AuditMetrics.Lag.WithLabels(store).Set(Math.Max(0, head - tail));
        AuditMetrics.LastProgress.WithLabels(store).Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>
    /// A gap in <c>seq_id</c> seen at <see cref="From"/>. A sequence number missing while a later one is committed belongs to a
    /// transaction that took it before that later one: still running when the gap was seen, or rolled back. So once every
    /// transaction in progress at that moment has ended, a gap still there is permanent (a rollback), not merely late.
    /// </summary>
    private sealed class PendingGap(long from, DateTimeOffset observedAt, long[] inProgress)
    {
        private bool ended;

        public long From => from;

        public static async Task<PendingGap> ObserveAsync(NpgsqlConnection conn, long from, DateTimeOffset now, CancellationToken ct)
        {
            await using var cmd = new NpgsqlCommand("select coalesce(array_agg(x::text::bigint), '{}') from pg_snapshot_xip(pg_current_snapshot()) x", conn);
            return new PendingGap(from, now, (long[])(await cmd.ExecuteScalarAsync(ct))!);
        }

        public async Task<bool> ProvenAsync(NpgsqlConnection conn, TimeSpan settle, DateTimeOffset now, CancellationToken ct)
        {
            if (ended) return true;
            if (now - observedAt < settle) return false;
            if (inProgress.Length > 0)
            {
                await using var cmd = new NpgsqlCommand(
                    "select count(*) from unnest(@x::bigint[]) x where pg_xact_status(x::text::xid8) = 'in progress'", conn);
                cmd.Parameters.AddWithValue("x", inProgress);
                if ((long)(await cmd.ExecuteScalarAsync(ct))! > 0) return false;
            }

            return ended = true;
        }
    }
}
