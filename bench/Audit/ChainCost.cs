using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Monitoring.Audit.Benchmarks;

/// <summary>
/// What chaining costs per event, on both sides of the wire: this process's CPU (the follower reading, hashing and writing
/// links) and the CPU of the PostgreSQL backends the follower used (rendering the rows, taking the links' COPY), read from
/// <c>/proc/&lt;pid&gt;/stat</c> of the backends found by their application name. CPU time, not wall time: the machine is
/// shared, and CPU per event is what the Ingest loses when the follower runs beside it on a CPU-bound host. Each round runs
/// the previous follower (<see cref="LegacyChainFollower"/>) and the current one, in alternating order, each twice:
/// <list type="bullet">
/// <item><b>bulk</b>: the chain table dropped, the whole store chained again from its genesis (pages of 5,000);</item>
/// <item><b>follow</b>: two writers append events in concurrent transactions of 200 (interleaved sequence numbers, as
/// several Ingest writers take them, from a child process) while the follower follows with the services' settings (a poll
/// every 200 ms).</item>
/// </list>
/// <code>dotnet run -c Release --project bench/Audit -- chain-cost [--rows 200000] [--follow 60000] [--rounds 5] [--followers previous,current] [--schema S --keep]</code>
/// </summary>
internal static class ChainCost
{
    private const int WriterBatch = 200;

    public static async Task RunAsync(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var rows = long.Parse(Get("--rows") ?? "200000", CultureInfo.InvariantCulture);
        var follow = int.Parse(Get("--follow") ?? "60000", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Get("--rounds") ?? "5", CultureInfo.InvariantCulture);
        var keep = args.Contains("--keep");
        var kinds = (Get("--followers") ?? "previous,current").Split(',');
        var schema = Get("--schema") ?? $"bench_cost_{Guid.NewGuid():N}"[..22];
        var connection = Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";
        await using var db = NpgsqlDataSource.Create(connection);
        var results = new List<(int Round, string Follower, string Mode, Cost Cost)>();
        try
        {
            await using (var exists = db.CreateCommand($"select to_regclass('\"{schema}\".mt_events') is not null"))
            {
                if (!(bool)(await exists.ExecuteScalarAsync())!) Console.WriteLine($"filled {rows:N0} events in {await AuditBench.FillAsync(connection, schema, rows):F1} s");
            }

            // Unmeasured: both followers once, so that neither round 1 pays the process's first JIT of Npgsql and the hashing.
            foreach (var kind in kinds) await BulkAsync(connection, db, schema, kind);

            for (var r = 1; r <= rounds; r++)
            {
                var order = r % 2 == 1 ? kinds : kinds.Reverse().ToArray();
                foreach (var kind in order)
                {
                    var bulk = await BulkAsync(connection, db, schema, kind);
                    var followed = await FollowAsync(connection, db, schema, kind, follow);
                    foreach (var (mode, c) in new[] { ("bulk", bulk), ("follow", followed) })
                    {
                        results.Add((r, kind, mode, c));
                        Console.WriteLine(FormattableString.Invariant(
                            $"round {r} {kind,-8} {mode,-6}: {c.Events,7:N0} events, {c.Rate,7:N0}/s; CPU per event: follower process {c.ProcessMicros,5:F1} µs, PostgreSQL backends {c.PostgresMicros,5:F1} µs, total {c.ProcessMicros + c.PostgresMicros,5:F1} µs; {c.Pages} pages ({c.Load})"));
                    }
                }
            }

            await ChainCostSummary.WriteAsync(rows, follow, rounds, results);
        }
        finally
        {
            if (!keep)
            {
                await using var drop = db.CreateCommand($"drop schema if exists \"{schema}\" cascade");
                await drop.ExecuteNonQueryAsync();
            }
            else
            {
                Console.WriteLine($"kept schema {schema}");
            }
        }
    }

    internal sealed record Cost(long Events, double Rate, double ProcessMicros, double PostgresMicros, long Pages, string Load);

    private static async Task<Cost> BulkAsync(string connection, NpgsqlDataSource db, string schema, string kind)
    {
        await using (var empty = db.CreateCommand(kind == "current"
                         ? $"drop view if exists \"{schema}\".audit_chain; drop table if exists \"{schema}\".audit_chain_page"
                         : $"drop table if exists {LegacyChainPage.Table(schema)}"))
        {
            await empty.ExecuteNonQueryAsync();
        }

        var head = await HeadAsync(db, schema);
        return await MeasureAsync(connection, db, schema, kind, TimeSpan.FromMilliseconds(20), head, () => Task.CompletedTask);
    }

    /// <summary>Writers (a child process, so that this process's CPU is the follower's alone) append <paramref name="events"/>
    /// while the follower follows.</summary>
    private static async Task<Cost> FollowAsync(string connection, NpgsqlDataSource db, string schema, string kind, int events)
    {
        // Each format has its own table: first bring this one's chain up to the head (not measured), so that only following is.
        var head = await HeadAsync(db, schema);
        await MeasureAsync(connection, db, schema, kind, TimeSpan.FromMilliseconds(20), head, () => Task.CompletedTask);
        return await MeasureAsync(connection, db, schema, kind, TimeSpan.FromMilliseconds(200), head + events, async () =>
        {
            var start = new ProcessStartInfo("dotnet", [typeof(ChainCost).Assembly.Location, "chain-writers", connection, schema, events.ToString(CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
            };
            using var child = Process.Start(start)!;
            await child.WaitForExitAsync();
            if (child.ExitCode != 0) throw new InvalidOperationException("the writers failed");
        });
    }

    /// <summary>The writers of the follow mode: two connections appending <paramref name="events"/> in concurrent transactions.</summary>
    public static async Task WritersAsync(string connection, string schema, int events)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        var prefix = $"f{Guid.NewGuid():N}"[..9];
        async Task Writer(int w)
        {
            for (var from = w * WriterBatch; from < events; from += 2 * WriterBatch)
            {
                var to = Math.Min(events, from + WriterBatch) - 1;
                await using var cmd = db.CreateCommand($$"""
                    insert into "{{schema}}".mt_streams (id, type, version)
                    select '{{prefix}}-' || g, type, 1 from generate_series({{from}}, {{to}}) g, (select type from "{{schema}}".mt_streams limit 1) t;
                    insert into "{{schema}}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers)
                    select nextval('"{{schema}}".mt_events_sequence'), gen_random_uuid(), '{{prefix}}-' || g, 1,
                           jsonb_set(e.data, '{scores,pneumothorax}', to_jsonb(random())), e.type, now(), e.tenant_id, e.mt_dotnet_type, {{AuditBench.IngestMetadata}}
                    from generate_series({{from}}, {{to}}) g join "{{schema}}".mt_events e on e.seq_id = 1 + g % 2000;
                    """);
                await cmd.ExecuteNonQueryAsync();
            }
        }

        await Task.WhenAll(Task.Run(() => Writer(0)), Task.Run(() => Writer(1)));
    }

    private static async Task<Cost> MeasureAsync(string connection, NpgsqlDataSource db, string schema, string kind, TimeSpan poll, long until, Func<Task> write)
    {
        var app = $"audit-cost-{Guid.NewGuid():N}"[..24];
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { ApplicationName = app }.ConnectionString);
        var options = Options.Create(new AuditChainOptions { PollInterval = poll });
        using var signer = new CheckpointClient(options, NullLogger<CheckpointClient>.Instance);
        var current = kind == "current" ? new ChainFollower("bench", schema, source, options, signer, TimeProvider.System, NullLogger<ChainFollower>.Instance) : null;
        BackgroundService follower = current ?? (BackgroundService)new LegacyChainFollower("bench", schema, source, options, signer, TimeProvider.System, NullLogger<LegacyChainFollower>.Instance);
        Func<long> chained = current is not null ? () => current.ChainedThrough : () => ((LegacyChainFollower)follower).ChainedThrough;
        var load = Load();
        var start = await ChainedAsync(db, schema, kind);
        var pages = await PagesAsync(db, schema, kind);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await follower.StartAsync(default);
        await write();
        while (chained() < until) await Task.Delay(50);
        var seconds = sw.Elapsed.TotalSeconds;
        var process = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
        var backends = await BackendCpuSecondsAsync(db, app);
        await follower.StopAsync(default);
        follower.Dispose();
        var events = until - start;
        return new Cost(events, events / seconds, process / events, backends * 1e6 / events, await PagesAsync(db, schema, kind) - pages, load);
    }

    private static string Load() => "load " + File.ReadAllText("/proc/loadavg")[..14].Trim();

    private static async Task<long> HeadAsync(NpgsqlDataSource db, string schema)
    {
        await using var cmd = db.CreateCommand($"select max(seq_id) from \"{schema}\".mt_events");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<long> ChainedAsync(NpgsqlDataSource db, string schema, string kind) => kind == "current"
        ? await ChainScalarAsync(db, $"\"{schema}\".audit_chain_page", "coalesce(max(last_seq), 0)")
        : await ChainScalarAsync(db, LegacyChainPage.Table(schema), "coalesce(max(seq), 0)");

    private static async Task<long> ChainScalarAsync(NpgsqlDataSource db, string table, string aggregate)
    {
        await using (var exists = db.CreateCommand($"select to_regclass('{table.Replace("'", "''")}') is not null"))
        {
            if (!(bool)(await exists.ExecuteScalarAsync())!) return 0;
        }

        await using var cmd = db.CreateCommand($"select {aggregate} from {table}");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Chaining transactions so far: one row per page in the current format; in the previous one, one COPY per page,
    /// whose rows share their <c>chained_at</c> (the transaction's start).</summary>
    private static async Task<long> PagesAsync(NpgsqlDataSource db, string schema, string kind) => kind == "current"
        ? await ChainScalarAsync(db, $"\"{schema}\".audit_chain_page", "count(*)")
        : await ChainScalarAsync(db, LegacyChainPage.Table(schema), "count(distinct chained_at)");

    /// <summary>CPU seconds (user + system) of the backends serving <paramref name="app"/> since they started.</summary>
    private static async Task<double> BackendCpuSecondsAsync(NpgsqlDataSource db, string app)
    {
        await using var cmd = db.CreateCommand("select pid from pg_stat_activity where application_name = @a");
        cmd.Parameters.AddWithValue("a", app);
        var total = 0.0;
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            // After the command name: utime and stime are the 12th and 13th fields, in clock ticks (100 per second here).
            var stat = await File.ReadAllTextAsync($"/proc/{r.GetInt32(0)}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            total += (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        return total;
    }
}
