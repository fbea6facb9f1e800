using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Monitoring.EndToEnd.Latency;
using Monitoring.TestSupport;
using Npgsql;

internal sealed record Sample(
    string Name, long At, long StoreHead, double DetectorProcessed, double DetectorLag, Dictionary<string, double> Cpu,
    Dictionary<int, double> Postgres, Dictionary<int, double> RabbitMq, double MachineBusy, Dictionary<string, double> RssMb,
    Dictionary<string, RuntimeReading> Runtime, double IngestReady, double IngestUnacked);

/// <summary>
/// One process's .NET memory beside its RSS, from its /metrics (System.Runtime meter and ServiceDefaults' GcTelemetry), in
/// MB: the heap after the last collection of any generation, the heap and live set after the last gen2 collection, the
/// memory the GC has committed; collection counts and total pause. Tells a leak (live set after gen2 grows) from the GC
/// sizing its budgets (RSS and committed grow, live set flat).
/// </summary>
internal sealed record RuntimeReading(
    double HeapMb, double HeapAfterGen2Mb, double LiveAfterGen2Mb, double CommittedMb, double Gen0, double Gen1, double Gen2,
    double PauseSeconds, bool ServerGc);

/// <summary>Reads the store's head, every service's /metrics (detector counters, GC figures) and CPU and RSS of every component.</summary>
internal sealed class Sampler(Stack stack)
{
    private const double Mb = 1024 * 1024;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpClient management = new()
    {
        BaseAddress = TestInfrastructure.RabbitManagement,
        Timeout = TimeSpan.FromSeconds(5),
        DefaultRequestHeaders =
        {
            Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestInfrastructure.RabbitUser}:{TestInfrastructure.RabbitPassword}"))),
        },
    };

    public Sample Take(string name)
    {
        long head = 0;
        try
        {
            using var conn = new NpgsqlConnection(Stack.PostgresConnection);
            conn.Open();
            using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from \"{stack.IngestSchema}\".mt_events", conn);
            head = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (PostgresException)
        {
        }

        var metrics = stack.Urls.ToDictionary(kv => kv.Key, kv => Scrape(kv.Value));
        var detector = metrics.GetValueOrDefault("DriftDetector") ?? [];
        var processed = detector.GetValueOrDefault("drift_events_processed_total");
        var lag = detector.GetValueOrDefault("drift_subscription_lag_events");
        var runtime = metrics.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => Runtime(kv.Value));

        var cpu = stack.Children.ToDictionary(c => c.Name, c => c.CpuSeconds());
        var rss = stack.Children.ToDictionary(c => c.Name, c => ProcStat.RssMegabytes(c.Pid));
        var (ready, unacked) = IngestQueues();
        return new Sample(name, Stopwatch.GetTimestamp(), head, processed, lag, cpu, ProcStat.CpuSecondsOf("postgres"), ProcStat.CpuSecondsOf("beam.smp"),
            ProcStat.Machine().Busy, rss, runtime, ready, unacked);
    }

    /// <summary>
    /// Messages waiting in the Ingest's three queues (ready) and delivered to it but not yet acknowledged (unacked: held in
    /// its memory until stored), from RabbitMQ's management API; the management figures lag a few seconds. -1 if unreadable.
    /// </summary>
    private (double Ready, double Unacked) IngestQueues()
    {
        try
        {
            var json = management.GetStringAsync($"api/queues/{Uri.EscapeDataString(stack.VirtualHost)}?columns=name,messages_ready,messages_unacknowledged")
                .GetAwaiter().GetResult();
            double ready = 0, unacked = 0;
            foreach (var queue in JsonDocument.Parse(json).RootElement.EnumerateArray())
            {
                var name = queue.GetProperty("name").GetString() ?? "";
                if (!name.StartsWith("ingest-", StringComparison.Ordinal) || name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal)) continue;
                ready += queue.TryGetProperty("messages_ready", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : 0;
                unacked += queue.TryGetProperty("messages_unacknowledged", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetDouble() : 0;
            }

            return (ready, unacked);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return (-1, -1);
        }
    }

    private static RuntimeReading Runtime(Dictionary<string, double> m)
    {
        double Gen(string metric, string generation) => m.GetValueOrDefault($"{metric}{{gc_heap_generation=\"{generation}\"}}");
        var heap = m.Where(kv => kv.Key.StartsWith("system_runtime_dotnet_gc_last_collection_heap_size{", StringComparison.Ordinal)).Sum(kv => kv.Value);
        return new RuntimeReading(
            heap / Mb,
            m.GetValueOrDefault("monitoring_runtime_gc_heap_after_gen2") / Mb,
            m.GetValueOrDefault("monitoring_runtime_gc_live_after_gen2") / Mb,
            m.GetValueOrDefault("system_runtime_dotnet_gc_last_collection_memory_committed_size") / Mb,
            Gen("system_runtime_dotnet_gc_collections", "gen0"),
            Gen("system_runtime_dotnet_gc_collections", "gen1"),
            Gen("system_runtime_dotnet_gc_collections", "gen2"),
            m.GetValueOrDefault("system_runtime_dotnet_gc_pause_time"),
            m.GetValueOrDefault("monitoring_runtime_gc_server") > 0);
    }

    /// <summary>Every sample line of a Prometheus text exposition, keyed by name and labels as written; empty when unreachable.</summary>
    private Dictionary<string, double> Scrape(string url)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        try
        {
            var text = http.GetStringAsync($"{url}/metrics").GetAwaiter().GetResult();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var space = line.LastIndexOf(' ');
                if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) values[line[..space]] = v;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }

        return values;
    }
}
