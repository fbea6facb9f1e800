using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.EventStore;
using Npgsql;

namespace Monitoring.Audit.Benchmarks;

internal sealed record BenchArgs(long Rows, long[] Sizes, string Output, string Connection, string? Schema, bool Keep, int Rounds)
{
    public static BenchArgs Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var rows = long.Parse(Get("--rows") ?? "1000000", CultureInfo.InvariantCulture);
        var sizes = (Get("--sizes") ?? $"{rows / 10},{rows * 3 / 10},{rows}").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new BenchArgs(rows, sizes, Get("--out") ?? Path.Combine(Root(), "bench", "Audit", "results", "summary.md"),
            Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring",
            Get("--schema"), args.Contains("--keep"), int.Parse(Get("--rounds") ?? "3", CultureInfo.InvariantCulture));
    }

    public static string Root()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Monitoring.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}

/// <summary>An event shaped like an inference (about 600 bytes of JSON).</summary>
internal sealed record BenchInference(string InferenceId, string Site, string Model, string Version, Dictionary<string, double> Scores,
    Dictionary<string, double> Features, string Sex, string AgeBand, string Manufacturer, double[] Embedding, DateTimeOffset OccurredAt);

internal static class AuditBench
{
    public static async Task RunAsync(BenchArgs a)
    {
        var schema = a.Schema ?? $"bench_audit_{Guid.NewGuid():N}"[..24];
        await using var db = NpgsqlDataSource.Create(a.Connection);
        try
        {
            var existing = await CountAsync(db, schema);
            double? fill = null, chain = null;
            if (existing == 0)
            {
                fill = await FillAsync(a.Connection, schema, a.Rows);
                Console.WriteLine($"filled {a.Rows:N0} events in {fill:F1} s");
            }
            else if (existing != a.Rows)
            {
                throw new InvalidOperationException($"schema {schema} holds {existing} events, not {a.Rows}");
            }

            if (await ChainedAsync(db, schema) < a.Rows)
            {
                chain = await ChainAsync(db, schema, a.Rows);
                Console.WriteLine($"chained at {a.Rows / chain:N0} events/s");
            }

            var plain = new List<double>();
            var verify = new List<double>();
            for (var i = 0; i < a.Rounds; i++)
            {
                // Alternate which goes first, so neither always reads behind the other's warm cache.
                if (i % 2 == 0) plain.Add(await PlainReadAsync(db, schema));
                var sw = Stopwatch.StartNew();
                var report = await ChainVerifier.VerifyAsync(db, "bench", schema, [], new Dictionary<string, byte[]>());
                verify.Add(sw.Elapsed.TotalSeconds);
                if (!report.Ok || report.Events != a.Rows) throw new InvalidOperationException(report.ToString());
                if (i % 2 == 1) plain.Add(await PlainReadAsync(db, schema));
                Console.WriteLine($"round {i + 1}: plain read {a.Rows / plain[^1]:N0} rows/s, verify {a.Rows / verify[^1]:N0} events/s ({Load()})");
            }

            var exports = new List<ExportRun>();
            var file = Path.Combine(Path.GetTempPath(), $"{schema}.ndjson");
            foreach (var size in a.Sizes)
            {
                var (seconds, rss) = await ExportChildAsync(a.Connection, schema, size, file);
                exports.Add(new ExportRun(size, seconds, rss, new FileInfo(file).Length, Load()));
                Console.WriteLine($"export {size:N0}: {size / seconds:N0} events/s, peak RSS {rss / 1024.0:F0} MiB ({Load()})");
            }

            var offline = OfflineBench.Run(file, a.Rounds);
            foreach (var line in offline.Lines) Console.WriteLine(line);
            if (offline.Events != a.Sizes[^1]) throw new InvalidOperationException($"offline verify saw {offline.Events} events");
            if (!a.Keep) File.Delete(file);
            await WriteAsync(a, fill, chain, plain, verify, exports, offline);
        }
        finally
        {
            if (!a.Keep)
            {
                await using var drop = db.CreateCommand($"drop schema if exists \"{schema}\" cascade");
                await drop.ExecuteNonQueryAsync();
            }
            else
            {
                Console.WriteLine($"kept schema {schema} (rerun with --schema {schema})");
            }
        }
    }

    private static string Load() => "load " + File.ReadAllText("/proc/loadavg")[..14].Trim();

    private static async Task<long> CountAsync(NpgsqlDataSource db, string schema) =>
        await ScalarOrZeroAsync(db, schema, "mt_events", $"select count(*) from \"{schema}\".mt_events");

    private static async Task<long> ChainedAsync(NpgsqlDataSource db, string schema) =>
        await ScalarOrZeroAsync(db, schema, "audit_chain", $"select coalesce(max(seq), 0) from \"{schema}\".audit_chain");

    private static async Task<long> ScalarOrZeroAsync(NpgsqlDataSource db, string schema, string table, string sql)
    {
        await using (var exists = db.CreateCommand($"select to_regclass('\"{schema}\".{table}') is not null"))
        {
            if (!(bool)(await exists.ExecuteScalarAsync())!) return 0;
        }

        await using var cmd = db.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The metadata columns of a replicated row (<c>g</c> its number) as the Ingest writes them: the correlation id of the
    /// producer's request (one per message of 100 items), the AMQP message id as causation, and the headers with the item's
    /// content hash and producer. The chain hashes this metadata per event, and the Ingest's headers (a jsonb) take it off
    /// the cheap text-only path, so a bench without them understates what chaining an Ingest event costs.
    /// </summary>
    internal const string IngestMetadata =
        "md5((g / 100)::text), md5('m' || (g / 100)::text)::uuid::text, jsonb_build_object('producer', 'http:bench-producer', 'content-sha256', encode(sha256(convert_to(g::text, 'UTF8')), 'hex'))";

    internal static async Task<double> FillAsync(string connection, string schema, long rows)
    {
        await using var store = DocumentStore.For(o =>
        {
            o.Connection(connection);
            IngestStoreShape.Apply(o, schema);
            o.Events.UseListenNotifyForEventAppends = false;
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var sw = Stopwatch.StartNew();
        // A few thousand events through Marten (real rows), then the same shape replicated in SQL: writing a million
        // events through Marten takes too long on this shared machine and is not what is measured.
        var rng = new Random(7);
        const int seed = 2000;
        await using (var session = store.LightweightSession())
        {
            for (var n = 0; n < Math.Min(seed, rows); n++)
            {
                session.Events.StartStream($"inf-{n:D9}", new BenchInference($"inf-{n:D9}", $"site-{n % 7}", "cxr-triage", "2.3.1",
                    new() { ["pneumothorax"] = rng.NextDouble(), ["effusion"] = rng.NextDouble() },
                    new() { ["meanIntensity"] = 100 + rng.NextDouble() * 30, ["imageQuality"] = rng.NextDouble() },
                    n % 2 == 0 ? "F" : "M", "40-64", "ACME Imaging", [rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.NextDouble()],
                    DateTimeOffset.UnixEpoch.AddSeconds(1_740_000_000 + n)));
            }

            session.CorrelationId = Guid.NewGuid().ToString("N");
            await session.SaveChangesAsync();
        }

        await using var db = NpgsqlDataSource.Create(connection);
        for (long from = seed; from < rows; from += 100_000)
        {
            var to = Math.Min(rows, from + 100_000) - 1;
            await using var cmd = db.CreateCommand($$"""
                insert into "{{schema}}".mt_streams (id, type, version)
                select 'inf-' || lpad(g::text, 9, '0'), type, 1 from generate_series({{from}}, {{to}}) g, (select type from "{{schema}}".mt_streams limit 1) t;
                insert into "{{schema}}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers)
                select nextval('"{{schema}}".mt_events_sequence'), gen_random_uuid(), 'inf-' || lpad(g::text, 9, '0'), 1,
                       jsonb_set(jsonb_set(e.data, '{inferenceId}', to_jsonb('inf-' || lpad(g::text, 9, '0'))), '{scores,pneumothorax}', to_jsonb(random())),
                       e.type, e.timestamp + g * interval '1 ms', e.tenant_id, e.mt_dotnet_type, {{IngestMetadata}}
                from generate_series({{from}}, {{to}}) g
                join "{{schema}}".mt_events e on e.seq_id = 1 + g % {{seed}}
                order by g;
                """);
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync();
        }

        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>The follower's own CPU (this process: reading, hashing, writing links) per chained event; PostgreSQL's share is not in it.</summary>
    public static double? ChainCpuMicrosPerEvent { get; private set; }

    private static async Task<double> ChainAsync(NpgsqlDataSource db, string schema, long rows)
    {
        var options = Options.Create(new AuditChainOptions { PageSize = 5000, PollInterval = TimeSpan.FromMilliseconds(20) });
        using var signer = new CheckpointClient(options, NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower("bench", schema, db, options, signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await follower.StartAsync(default);
        while (follower.ChainedThrough < rows) await Task.Delay(20);
        var seconds = sw.Elapsed.TotalSeconds;
        ChainCpuMicrosPerEvent = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / rows;
        await follower.StopAsync(default);
        return seconds;
    }

    /// <summary>The baseline: the same rows and columns, in the same order, read and materialized, without hashing.</summary>
    private static async Task<double> PlainReadAsync(NpgsqlDataSource db, string schema)
    {
        var sw = Stopwatch.StartNew();
        await using var conn = await db.OpenConnectionAsync();
        var sql = (await StoreSql.TryLoadAsync(conn, schema, default))!;
        await using var cmd = new NpgsqlCommand($"select {sql.EventColumns} from {sql.Events} e order by e.seq_id", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        long n = 0;
        while (await r.ReadAsync()) n += StoreSql.ReadEvent(r).Data.Length > 0 ? 1 : 0;
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<(double Seconds, long PeakRssKb)> ExportChildAsync(string connection, string schema, long rows, string file)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(AuditBench).Assembly.Location, "export-child", connection, schema, rows.ToString(CultureInfo.InvariantCulture), file])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var parts = output.Trim().Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        return (double.Parse(parts["seconds"], CultureInfo.InvariantCulture), long.Parse(parts["peak_rss_kb"], CultureInfo.InvariantCulture));
    }

    private static Task WriteAsync(BenchArgs a, double? fill, double? chain, List<double> plain, List<double> verify, List<ExportRun> exports, OfflineResult offline) =>
        BenchSummary.WriteAsync(a, fill, chain, plain, verify, exports, offline);
}

internal static class ExportChild
{
    public static async Task<string> RunAsync(string connection, string schema, long rows, string file)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        var sw = Stopwatch.StartNew();
        await using (var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            await ExportWriter.WriteAsync(db, "bench", schema, 1, rows, [], output);
        }

        var seconds = sw.Elapsed.TotalSeconds;
        var hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return FormattableString.Invariant($"seconds={seconds} peak_rss_kb={hwm}");
    }
}
