using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.EventStore;
using Npgsql;

namespace Monitoring.Audit.Benchmarks;

internal sealed record BenchArgs(long Rows, long[] Sizes, string Output, string Connection)
{
    public static BenchArgs Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var rows = long.Parse(Get("--rows") ?? "1000000", CultureInfo.InvariantCulture);
        var sizes = (Get("--sizes") ?? $"{rows / 10},{rows * 3 / 10},{rows}").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new BenchArgs(rows, sizes, Get("--out") ?? Path.Combine(Root(), "bench", "Audit", "results", "summary.md"),
            Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring");
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
        var schema = $"bench_audit_{Guid.NewGuid():N}"[..24];
        await using var db = NpgsqlDataSource.Create(a.Connection);
        try
        {
            var fill = await FillAsync(a.Connection, schema, a.Rows);
            Console.WriteLine($"filled {a.Rows:N0} events in {fill:F1} s");
            var chain = await ChainAsync(db, schema, a.Rows);
            Console.WriteLine($"chained at {a.Rows / chain:N0} events/s");

            var plain = new List<double>();
            var verify = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                plain.Add(await PlainReadAsync(db, schema));
                var sw = Stopwatch.StartNew();
                var report = await ChainVerifier.VerifyAsync(db, "bench", schema, [], new Dictionary<string, byte[]>());
                verify.Add(sw.Elapsed.TotalSeconds);
                if (!report.Ok || report.Events != a.Rows) throw new InvalidOperationException(report.ToString());
                Console.WriteLine($"round {i + 1}: plain read {a.Rows / plain[^1]:N0} rows/s, verify {a.Rows / verify[^1]:N0} events/s");
            }

            var exports = new List<(long Rows, double Seconds, long PeakRssKb, long Bytes)>();
            var file = Path.Combine(Path.GetTempPath(), $"{schema}.ndjson");
            foreach (var size in a.Sizes)
            {
                var (seconds, rss) = await ExportChildAsync(a.Connection, schema, size, file);
                exports.Add((size, seconds, rss, new FileInfo(file).Length));
                Console.WriteLine($"export {size:N0}: {size / seconds:N0} events/s, peak RSS {rss / 1024.0:F0} MiB");
            }

            var offline = new List<double>();
            var offlineCpu = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                var report = ExportVerifier.Verify(input, new Dictionary<string, byte[]>());
                offline.Add(sw.Elapsed.TotalSeconds);
                offlineCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
                if (!report.Ok || report.Events != a.Sizes[^1]) throw new InvalidOperationException(report.ToString());
            }

            File.Delete(file);
            Console.WriteLine($"offline verify: {a.Sizes[^1] / offline.Min():N0} events/s");
            await WriteAsync(a, fill, chain, plain, verify, exports, offline, offlineCpu);
        }
        finally
        {
            await using var drop = db.CreateCommand($"drop schema if exists \"{schema}\" cascade");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<double> FillAsync(string connection, string schema, long rows)
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
                insert into "{{schema}}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id)
                select nextval('"{{schema}}".mt_events_sequence'), gen_random_uuid(), 'inf-' || lpad(g::text, 9, '0'), 1,
                       jsonb_set(jsonb_set(e.data, '{inferenceId}', to_jsonb('inf-' || lpad(g::text, 9, '0'))), '{scores,pneumothorax}', to_jsonb(random())),
                       e.type, e.timestamp + g * interval '1 ms', e.tenant_id, e.mt_dotnet_type, md5(g::text)
                from generate_series({{from}}, {{to}}) g
                join "{{schema}}".mt_events e on e.seq_id = 1 + g % {{seed}}
                order by g;
                """);
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync();
        }

        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> ChainAsync(NpgsqlDataSource db, string schema, long rows)
    {
        var options = Options.Create(new AuditChainOptions { PageSize = 5000, PollInterval = TimeSpan.FromMilliseconds(20) });
        using var signer = new CheckpointClient(options, NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower("bench", schema, db, options, signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        var sw = Stopwatch.StartNew();
        await follower.StartAsync(default);
        while (follower.ChainedThrough < rows) await Task.Delay(20);
        var seconds = sw.Elapsed.TotalSeconds;
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

    private static async Task WriteAsync(BenchArgs a, double fill, double chain, List<double> plain, List<double> verify,
        List<(long Rows, double Seconds, long PeakRssKb, long Bytes)> exports, List<double> offline, List<double> offlineCpu)
    {
        var machine = $"{Environment.ProcessorCount} logical cores; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}; PostgreSQL 15 (local, shared)";
        var load = File.ReadAllText("/proc/loadavg")[..14];
        var bestPlain = a.Rows / plain.Min();
        var bestVerify = a.Rows / verify.Min();
        var md = $"""
            # Audit chain benchmark

            {a.Rows:N0} inference-shaped events (≈600 bytes of JSON each, correlation id set) written by Marten into a fresh
            Ingest-shaped store; {machine}; load average {load} at the end.
            Command: `dotnet run -c Release --project bench/Audit -- --rows {a.Rows} --sizes {string.Join(',', a.Sizes)}`.

            | figure | value | bar |
            |---|---|---|
            | chaining follower (read, hash, COPY links) | {a.Rows / chain:N0} events/s | — |
            | plain read of the same rows and columns (best of 3) | {bestPlain:N0} rows/s | baseline |
            | `verify` from the database (best of 3) | {bestVerify:N0} events/s = **{bestVerify / bestPlain:F2} ×** plain read | ≥ 0.8 × |
            | offline `verify --export` of {a.Sizes[^1]:N0} events (best of 3) | **{a.Sizes[^1] / offline.Min():N0} events/s** wall, {a.Sizes[^1] / offlineCpu.Min():N0} per CPU-second | ≥ 200,000/s |
            | (filling the store with Marten, for scale) | {a.Rows / fill:N0} events/s | — |

            Rounds (plain read / verify, events/s): {string.Join("; ", plain.Zip(verify, (p, v) => $"{a.Rows / p:N0} / {a.Rows / v:N0}"))}.

            Export to NDJSON, each size in a fresh process (peak RSS = the process's VmHWM):

            | events | seconds | events/s | file MiB | peak RSS MiB |
            |---|---|---|---|---|
            {string.Join("\n", exports.Select(e => $"| {e.Rows:N0} | {e.Seconds:F1} | {e.Rows / e.Seconds:N0} | {e.Bytes / 1048576.0:F0} | {e.PeakRssKb / 1024.0:F0} |"))}

            """;
        Directory.CreateDirectory(Path.GetDirectoryName(a.Output)!);
        await File.WriteAllTextAsync(a.Output, md);
        await File.WriteAllTextAsync(Path.ChangeExtension(a.Output, ".json"), JsonSerializer.Serialize(new
        {
            a.Rows, machine, load, chainEventsPerSecond = a.Rows / chain, plainRowsPerSecond = plain.Select(p => a.Rows / p),
            verifyEventsPerSecond = verify.Select(v => a.Rows / v), ratio = bestVerify / bestPlain,
            offlineEventsPerSecond = offline.Select(o => a.Sizes[^1] / o), offlineEventsPerCpuSecond = offlineCpu.Select(o => a.Sizes[^1] / o),
            exports = exports.Select(e => new { e.Rows, e.Seconds, e.PeakRssKb, e.Bytes }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(md);
    }
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
