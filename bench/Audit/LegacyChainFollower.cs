using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Monitoring.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Monitoring.Audit.Benchmarks;

/// <summary>
/// The chaining follower as it was before its cost was cut (issue #14's Ingest ratio), kept only so that
/// <c>chain-cost</c> can alternate it with <see cref="ChainFollower"/> in the same run: it reads every column of up to a page of
/// rows after the tail as strings (bodies included, also the rows after a gap that it then drops and reads again), keeps them
/// until the page's COPY, and hashes in .NET. Same chain format; the current one's links are identical.
/// </summary>
internal sealed class LegacyChainFollower(
    string store, string schema, NpgsqlDataSource dataSource, IOptions<AuditChainOptions> options, CheckpointClient signer,
    TimeProvider time, ILogger<LegacyChainFollower> logger, string? auditorRole = null) : BackgroundService
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

        var (tail, link) = await LoadTailAsync(conn, sql, ct);
        ChainedThrough = tail;
        var lastCheckpoint = (Sequence: tail, At: time.GetUtcNow());
        PendingGap? gap = null;
        while (!ct.IsCancellationRequested)
        {
            var gapProven = gap is not null && await gap.ProvenAsync(conn, o.GapSettle, time.GetUtcNow(), ct);
            var links = new List<PendingLink>();
            var expected = tail + 1;
            var missingFrom = -1L;
            await using (var read = new NpgsqlCommand($"select {sql.EventColumns} from {sql.Events} e where e.seq_id > @tail order by e.seq_id limit @n", conn))
            {
                read.Parameters.AddWithValue("tail", tail);
                read.Parameters.AddWithValue("n", o.PageSize);
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var e = StoreSql.ReadEvent(reader);
                    if (e.Sequence != expected)
                    {
                        if (!(gapProven && gap!.From == expected))
                        {
                            missingFrom = expected; // stop before the gap until it fills or is proven permanent
                            break;
                        }

                        for (var s = expected; s < e.Sequence; s++)
                        {
                            link = ChainHash.Link(link, s, LinkKind.Gap, []);
                            links.Add(new PendingLink(s, LinkKind.Gap, null, null, null, link));
                        }

                        gap = null;
                        gapProven = false;
                    }

                    var dataHash = Redaction.DataHash(e.Data, out _);
                    var metaHash = ChainHash.Of(e.Meta);
                    link = ChainHash.Link(link, e.Sequence, LinkKind.Event, ChainHash.Content(e, dataHash, metaHash));
                    links.Add(new PendingLink(e.Sequence, LinkKind.Event, e, dataHash, metaHash, link));
                    expected = e.Sequence + 1;
                }
            }

            if (missingFrom < 0) gap = null;
            else if (gap?.From != missingFrom) gap = await PendingGap.ObserveAsync(conn, missingFrom, time.GetUtcNow(), ct);

            if (links.Count > 0)
            {
                await WriteAsync(conn, sql, links, ct);
                AuditMetrics.Gaps.WithLabels(store).Inc(links.Count(l => l.Kind == LinkKind.Gap));
                tail = links[^1].Sequence;
                ChainedThrough = tail;
            }

            await ReportLagAsync(conn, sql, tail, ct);
            var now = time.GetUtcNow();
            if (tail > lastCheckpoint.Sequence && (tail - lastCheckpoint.Sequence >= o.CheckpointEveryEvents || now - lastCheckpoint.At >= o.CheckpointInterval))
            {
                if (await signer.RequestAsync(store, tail, link, ct))
                {
                    lastCheckpoint = (tail, now);
                    AuditMetrics.Checkpoint.WithLabels(store).Set(tail);
                }
            }

            if (links.Count < o.PageSize)
            {
                await Task.Delay(o.PollInterval, time, ct);
            }
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

    private async Task<(long Tail, byte[] Link)> LoadTailAsync(NpgsqlConnection conn, StoreSql sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select seq, link from {sql.Chain} order by seq desc limit 1", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        // Marten's sequence starts at 1; the chain of an empty store is its genesis.
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), (byte[])reader[1]) : (0, ChainHash.Genesis(store));
    }

    private static async Task WriteAsync(NpgsqlConnection conn, StoreSql sql, List<PendingLink> links, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync(
            $"copy {sql.Chain} (seq, kind, event_id, stream_id, type, version, ts, data_hash, meta_hash, link) from stdin (format binary)", ct);
        foreach (var l in links)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(l.Sequence, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync((short)l.Kind, NpgsqlDbType.Smallint, ct);
            if (l.Event is { } e)
            {
                await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.Stream, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Type, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.Timestamp, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(l.DataHash!, NpgsqlDbType.Bytea, ct);
                await copy.WriteAsync(l.MetaHash!, NpgsqlDbType.Bytea, ct);
            }
            else
            {
                for (var i = 0; i < 7; i++) await copy.WriteNullAsync(ct);
            }

            await copy.WriteAsync(l.Link, NpgsqlDbType.Bytea, ct);
        }

        await copy.CompleteAsync(ct);
    }

    private async Task ReportLagAsync(NpgsqlConnection conn, StoreSql sql, long tail, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {sql.Events}", conn);
        var head = (long)(await cmd.ExecuteScalarAsync(ct))!;
        AuditMetrics.Head.WithLabels(store).Set(head);
        AuditMetrics.Tail.WithLabels(store).Set(tail);
        AuditMetrics.Lag.WithLabels(store).Set(Math.Max(0, head - tail));
        AuditMetrics.LastProgress.WithLabels(store).Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    private sealed record PendingLink(long Sequence, LinkKind Kind, EventRecord? Event, byte[]? DataHash, byte[]? MetaHash, byte[] Link);

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
