using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using RabbitMQ.Client;

namespace Monitoring.Ingest.Benchmarks;

/// <summary>The local stack of scripts/stack-up.sh (overridable like the tests: MONITORING_PG, MONITORING_RMQ_*).</summary>
internal static class Infra
{
    public static readonly string Postgres = Environment.GetEnvironmentVariable("MONITORING_PG")
        ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring;Maximum Pool Size=40";

    private static readonly string RabbitHost = Environment.GetEnvironmentVariable("MONITORING_RMQ_HOST") ?? "127.0.0.1";
    private static readonly string RabbitUser = Environment.GetEnvironmentVariable("MONITORING_RMQ_USER") ?? "monitoring";
    private static readonly string RabbitPassword = Environment.GetEnvironmentVariable("MONITORING_RMQ_PASSWORD") ?? "monitoring";

    private static readonly HttpClient Management = new(new HttpClientHandler())
    {
        BaseAddress = new Uri(Environment.GetEnvironmentVariable("MONITORING_RMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/"),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}"))) },
    };

    public static ConnectionFactory Rabbit(string vhost) => new() { HostName = RabbitHost, VirtualHost = vhost, UserName = RabbitUser, Password = RabbitPassword };

    public static async Task<string> CreateVirtualHostAsync(string prefix)
    {
        var vhost = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        (await Management.PutAsync($"api/vhosts/{vhost}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        (await Management.PutAsync($"api/permissions/{vhost}/{RabbitUser}", JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        return vhost;
    }

    public static async Task DeleteVirtualHostAsync(string vhost) => (await Management.DeleteAsync($"api/vhosts/{vhost}")).Dispose();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the built Ingest service (a real process, as deployed) and waits until it is ready.</summary>
    public static async Task<Process> StartIngestAsync(string schema, string vhost, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Monitoring.Ingest.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Marten"] = Postgres,
                ["Ingest__Schema"] = schema,
                ["RabbitMq__Host"] = RabbitHost,
                ["RabbitMq__VirtualHost"] = vhost,
                ["RabbitMq__Username"] = RabbitUser,
                ["RabbitMq__Password"] = RabbitPassword,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("BENCH_INGEST__", StringComparison.Ordinal)))
        {
            start.Environment[key["BENCH_INGEST__".Length..]] = Environment.GetEnvironmentVariable(key);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("Ingest exited during start");
            }

            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Ingest did not become ready");
            }

            await Task.Delay(200);
        }
    }

    public static async Task ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> CountAsync(string schema) => (await CountsAsync(schema, distinct: false)).Events;

    public static async Task<(long Events, long Streams)> CountsAsync(string schema, bool distinct = true)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            distinct ? $"select count(*), count(distinct stream_id) from {schema}.mt_events" : $"select count(*), 0::bigint from {schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static async Task<PrometheusText> ScrapeAsync(int port)
    {
        using var client = new HttpClient();
        return new PrometheusText(await client.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitoring.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

internal sealed class PrometheusText(string text)
{
    /// <summary>sum / count of a histogram.</summary>
    public double Mean(string histogram)
    {
        var count = Value(histogram + "_count");
        return count == 0 ? 0 : Value(histogram + "_sum") / count;
    }

    /// <summary>The value of an unlabelled series (0 when absent).</summary>
    public double Value(string series) => text.Split('\n')
        .Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
        .Select(l => double.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).FirstOrDefault();
}

/// <summary>CPU seconds used by Ingest, RabbitMQ (beam.smp), PostgreSQL and the whole machine, from /proc.</summary>
internal sealed record Cpu(double Ingest, double Rabbit, double Postgres, double MachineBusy)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static Cpu Snapshot(int ingestPid)
    {
        double ingest = 0, rabbit = 0, postgres = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                var seconds = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
                if (pid == ingestPid)
                {
                    ingest += seconds;
                }
                else if (name.StartsWith("beam", StringComparison.Ordinal))
                {
                    rabbit += seconds;
                }
                else if (name.StartsWith("postgres", StringComparison.Ordinal))
                {
                    postgres += seconds;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // process ended while reading
            }
        }

        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var busy = (cpu.Sum() - cpu[3] - cpu[4]) / TicksPerSecond; // all but idle and iowait
        return new Cpu(ingest, rabbit, postgres, busy);
    }

    public static Cpu operator -(Cpu a, Cpu b) => new(a.Ingest - b.Ingest, a.Rabbit - b.Rabbit, a.Postgres - b.Postgres, a.MachineBusy - b.MachineBusy);
}

internal static class Machine
{
    public static string Describe()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return $"{model}, {Environment.ProcessorCount} logical cores, {double.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024:F1} GiB RAM; " +
               $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}; PostgreSQL 15, RabbitMQ 3.10 (Debian packages, local)";
    }
}

internal static class Report
{
    public static string Markdown(BenchOptions options, string machine, CopyResult copy, CopyResult copyAgain, IReadOnlyList<RunResult> runs)
    {
        var baseline = (copy.EventsPerSecond + copyAgain.EventsPerSecond) / 2;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {machine}. Load average at the end (1/5/15 min, other jobs included): {File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => a + " / " + b)}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"N = {options.Events:N0} inference events per run. Raw COPY baseline: {copy.EventsPerSecond:N0} rows/s before, {copyAgain.EventsPerSecond:N0} rows/s after the end-to-end runs (mean {baseline:N0} used for the ratio).");
        text.AppendLine();
        text.AppendLine("| items per AMQP message | warm-up events | end-to-end events/s | ratio to raw COPY | Ingest CPU per event | publish→commit p50 | p95 | p99 | max | publish rate (confirmed) | mean events per append transaction | mean append transaction | CPU s: Ingest / RabbitMQ / PostgreSQL / machine busy (of 2 cores × wall) | stored events / distinct streams |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.BatchSize} | {r.Warmup:N0} | {r.EventsPerSecond:N0} | {r.EventsPerSecond / baseline:F2} | {r.IngestCpuMicrosPerEvent:N0} µs | {r.P50Ms:N0} ms | {r.P95Ms:N0} ms | {r.P99Ms:N0} ms | {r.MaxMs:N0} ms | {r.PublishPerSecond:N0}/s | {r.MeanAppendBatch:N0} | {r.MeanAppendMs:N0} ms | {r.IngestCpuSeconds:F1} / {r.RabbitCpuSeconds:F1} / {r.PostgresCpuSeconds:F1} / {r.MachineBusySeconds:F1} of {2 * r.Seconds:F1} | {r.StoredEvents:N0} / {r.DistinctStreams:N0} |");
        }

        return text.ToString();
    }
}
