using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Monitoring.Contracts;
using Monitoring.DriftDetector;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;
using Npgsql;

// Detector throughput: 20 signals x 10 subgroups for one model, reading from PostgreSQL through the Marten subscription.
// Baselines in the same run: a raw read of the same rows from mt_events, and the same read with JSON deserialization.
// Usage: dotnet run -c Release --project bench/DriftDetector.Benchmarks -- [inferences=200000] [labelFraction=0.1] [pageSize=5000]
var inferences = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var labelFraction = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.1;
var pageSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5000;
var cs = Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring;Maximum Pool Size=20";
var suffix = Guid.NewGuid().ToString("N")[..8];
var ingestSchema = "bench_ingest_" + suffix;
var driftSchema = "bench_drift_" + suffix;
var vhost = "bench_" + suffix;
var policyPath = Path.Combine(AppContext.BaseDirectory, "bench-policy.yaml");
var root = FindRoot();

Console.WriteLine($"Writing {inferences} inferences (+{labelFraction:P0} ground truth) into {ingestSchema} ...");
var ingest = DocumentStore.For(opts =>
{
    // The detector's own view of the Ingest store's shape, so the benchmark writes exactly what the detector reads.
    Stores.ConfigureIngest(opts, cs, ingestSchema);
    opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
});
var events = Generate(inferences, labelFraction).ToList();
foreach (var chunk in events.Chunk(5000))
{
    await using var session = ingest.LightweightSession();
    foreach (var (key, data) in chunk) session.Events.Append(key, data);
    await session.SaveChangesAsync();
}

var total = events.Count;
events = null;
GC.Collect();

// Baseline 1: raw read of the same rows, with the CPU time the PostgreSQL backend spent producing them (local server: /proc).
double serverCpuPerEvent = double.NaN, clientCpuPerEvent = double.NaN;
var raw = await TimeAsync(async () =>
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    var backend = await BackendPidAsync(conn);
    var serverBefore = ProcessCpuSeconds(backend);
    var clientBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    await using var cmd = new NpgsqlCommand($"select seq_id, type, data::text from \"{ingestSchema}\".mt_events order by seq_id", conn);
    long bytes = 0;
    await using (var reader = await cmd.ExecuteReaderAsync())
    {
        while (await reader.ReadAsync()) bytes += reader.GetString(2).Length;
    }

    serverCpuPerEvent = (ProcessCpuSeconds(backend) - serverBefore) / total * 1e6;
    clientCpuPerEvent = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientBefore) / total * 1e6;
    return bytes;
});

// Baseline 1b: the same raw read split in two halves on two connections (what the detector's reader does).
var rawParallel = await TimeAsync(async () =>
{
    var counts = await Task.WhenAll(ReadHalfAsync(0, total / 2), ReadHalfAsync(total / 2, long.MaxValue));
    return counts.Sum();
});

async Task<long> ReadHalfAsync(long after, long through)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand($"select seq_id, type, data::text from \"{ingestSchema}\".mt_events where seq_id > @a and seq_id <= @t order by seq_id", conn);
    cmd.Parameters.AddWithValue("a", after);
    cmd.Parameters.AddWithValue("t", through);
    await using var reader = await cmd.ExecuteReaderAsync();
    long bytes = 0;
    while (await reader.ReadAsync()) bytes += reader.GetString(2).Length;
    return bytes;
}

// Baseline 2: the same read plus JSON deserialization into the contract records (what any consumer must do).
var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
var deserialized = await TimeAsync(async () =>
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand($"select type, data::text from \"{ingestSchema}\".mt_events order by seq_id", conn);
    await using var reader = await cmd.ExecuteReaderAsync();
    long n = 0;
    while (await reader.ReadAsync())
    {
        object? o = reader.GetString(0) == "inference_recorded"
            ? JsonSerializer.Deserialize<InferenceRecorded>(reader.GetString(1), options)
            : JsonSerializer.Deserialize<GroundTruthRecorded>(reader.GetString(1), options);
        if (o is not null) n++;
    }

    return n;
});

// The detector through the Marten subscription (daemon paging, join lookups, decisions, snapshots, finding events).
await CreateVirtualHostAsync(vhost);
var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Marten"] = cs,
    ["DriftDetector:IngestSchema"] = ingestSchema,
    ["DriftDetector:DriftSchema"] = driftSchema,
    ["DriftDetector:PolicyPaths:0"] = policyPath,
    ["DriftDetector:AutoStart"] = "false",
    ["DriftDetector:PageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
    ["RabbitMq:VirtualHost"] = vhost,
    ["Logging:LogLevel:Default"] = "Warning",
});
builder.AddDriftDetector();
using var host = builder.Build();
await host.StartAsync();
var pipeline = host.Services.GetRequiredService<DetectorPipeline>();
var process = Process.GetCurrentProcess();
GC.Collect();
var workingSetBefore = Environment.WorkingSet;
long detectorPeakWorkingSet = 0, detectorPeakHeap = 0;
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        detectorPeakWorkingSet = Math.Max(detectorPeakWorkingSet, Environment.WorkingSet);
        detectorPeakHeap = Math.Max(detectorPeakHeap, GC.GetTotalMemory(false));
        try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
    }
});
var clientCpuBefore = process.TotalProcessorTime.TotalSeconds;
var startUp = await TimeAsync(async () =>
{
    await pipeline.StartPipelineAsync(CancellationToken.None);
    return 0L;
});
var catchUp = await TimeAsync(async () =>
{
    await pipeline.CatchUpAsync(TimeSpan.FromMinutes(20), CancellationToken.None);
    return 0L;
});
process.Refresh();
var detectorClientCpuPerEvent = (process.TotalProcessorTime.TotalSeconds - clientCpuBefore) / total * 1e6;
var detector = (Seconds: startUp.Seconds + catchUp.Seconds, Result: 0L);
await sampling.CancelAsync();
await sampler;
var liveHeapAfterCatchUp = GC.GetTotalMemory(forceFullCollection: true);
await pipeline.StopPipelineAsync(CancellationToken.None);

// The detector's read path alone (same reader, chunks and connections; no decisions, no persistence): the ceiling of the pipeline.
var readerOnly = await TimeAsync(async () =>
{
    long n = 0;
    var head = await host.Services.GetRequiredService<IngestStore>().HeadAsync(CancellationToken.None);
    await foreach (var chunk in host.Services.GetRequiredService<IngestRangeReader>().ReadAsync(0, head, CancellationToken.None)) n += chunk.Events.Length;
    return n;
});
process.Refresh();
var peakWorkingSet = process.PeakWorkingSet64;
long snapshotBytes;
await using (var conn = new NpgsqlConnection(cs))
{
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand($"select coalesce(sum(pg_column_size(body)), 0) from \"{driftSchema}\".detector_snapshot where kind = 'deployment'", conn);
    snapshotBytes = (long)(await cmd.ExecuteScalarAsync())!;
}

await host.StopAsync();

// The pure decision core alone, on events already in memory (no I/O), and the size of its state at two lengths (bounded memory).
var loaded = PolicyLoader.Load(File.ReadAllText(policyPath), policyPath);
var history = new PolicyHistory([new PolicyVersion(loaded.Policy.Deployment.Key, 1, 0, loaded.Policy, null, loaded.Hash)]);
var memoryEvents = Generate(inferences, labelFraction).ToList();
var (coreSeconds, stateHalf, stateFull) = RunCore(history, memoryEvents);

var results = new StringBuilder();
results.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; PostgreSQL local. Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
results.AppendLine(CultureInfo.InvariantCulture, $"Workload: {inferences} inferences + {total - inferences} ground-truth events ({total} events), one model, 20 signals x 10 subgroups, windows of 10,000, page {pageSize:N0}.");
results.AppendLine();
results.AppendLine("| measurement | seconds | events/s | ratio to raw read |");
results.AppendLine("|---|---:|---:|---:|");
void Row(string name, double seconds) => results.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {seconds:F2} | {total / seconds:N0} | {raw.Seconds / seconds:F2} |");
Row("baseline: raw read of mt_events (seq, type, data), 1 connection", raw.Seconds);
Row("baseline: the same raw read, 2 connections in parallel", rawParallel.Seconds);
Row("baseline: raw read + JSON deserialization (reflection, 1 connection)", deserialized.Seconds);
Row("DriftDetector via Marten subscription (end to end, incl. start-up)", detector.Seconds);
Row("DriftDetector catching up (after start-up)", catchUp.Seconds);
Row("its read path alone (range reader: 2 connections, source-generated JSON; no decisions)", readerOnly.Seconds);
Row("decision core alone (events in memory)", coreSeconds);
results.AppendLine();
results.AppendLine(CultureInfo.InvariantCulture, $"Start-up (schemas, policy, snapshot load, daemon start): {startUp.Seconds:F2} s. " +
    $"CPU per event: the PostgreSQL backend spent {serverCpuPerEvent:F1} µs producing each row of the raw read (client {clientCpuPerEvent:F1} µs), " +
    $"so on {Environment.ProcessorCount} cores the server side of the read alone caps any reader at ≈ {Environment.ProcessorCount / serverCpuPerEvent * 1e6:N0} events/s; " +
    $"the detector process used {detectorClientCpuPerEvent:F1} µs of CPU per event end to end (reads, JSON, decisions, persistence; server side not included).");
results.AppendLine();
results.AppendLine(CultureInfo.InvariantCulture, $"Memory: while the detector ran, working set {workingSetBefore / 1048576.0:F0} MiB before → peak {detectorPeakWorkingSet / 1048576.0:F0} MiB, managed heap peak {detectorPeakHeap / 1048576.0:F0} MiB (sampled every 50 ms, garbage included: server GC lets each heap's budget grow), " +
    $"live managed heap after catching up and a full collection {liveHeapAfterCatchUp / 1048576.0:F0} MiB; " +
    $"peak working set of the whole benchmark process {peakWorkingSet / 1048576.0:F0} MiB (includes the generator's in-memory copy); " +
    $"detector state serialized {stateHalf / 1024.0:F0} KiB after {inferences / 2} inferences and {stateFull / 1024.0:F0} KiB after {inferences} (bounded by the policy's reservoirs, not by history); stored snapshot {snapshotBytes / 1024.0:F0} KiB.");
Console.WriteLine(results);
if (Environment.GetEnvironmentVariable("DRIFT_BENCH_DRY_RUN") != "1")
{
    var outDir = Path.Combine(root, "bench", "DriftDetector.Benchmarks", "results");
    Directory.CreateDirectory(outDir);
    await File.WriteAllTextAsync(Path.Combine(outDir, "latest.md"), results.ToString());
    await UpdateDocsAsync(Path.Combine(root, "docs", "benchmarks.md"), results.ToString());
}

await ingest.DisposeAsync();
await using (var conn = new NpgsqlConnection(cs))
{
    await conn.OpenAsync();
    foreach (var schema in new[] { ingestSchema, driftSchema })
    {
        await using var cmd = new NpgsqlCommand($"drop schema if exists \"{schema}\" cascade", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

await DeleteVirtualHostAsync(vhost);
return 0;

static (double Seconds, long HalfBytes, long FullBytes) RunCore(PolicyHistory history, List<(string Key, object Data)> events)
{
    var detector = new Detector(history, new DetectorState());
    var seen = new Dictionary<string, JoinedInference>(StringComparer.Ordinal);
    long half = 0;
    var sw = Stopwatch.StartNew();
    long seq = 0;
    foreach (var (_, data) in events)
    {
        seq++;
        switch (data)
        {
            case InferenceRecorded i:
                seen[i.InferenceId] = new JoinedInference(seq, i);
                detector.Inference(seq, i);
                break;
            case GroundTruthRecorded g:
                detector.GroundTruth(seq, g, seen.TryGetValue(g.InferenceId, out var j) ? j : null);
                break;
        }

        detector.TakeEmitted();
        if (seq == events.Count / 2)
        {
            sw.Stop();
            half = StateBytes(detector);
            sw.Start();
        }
    }

    sw.Stop();
    return (sw.Elapsed.TotalSeconds, half, StateBytes(detector));
}

static long StateBytes(Detector d) => d.State.Deployments.Values.Sum(s =>
    (long)JsonSerializer.SerializeToUtf8Bytes(s, DetectorRunner.StateJson).Length + JsonSerializer.SerializeToUtf8Bytes(s.Reference, DetectorRunner.StateJson).Length);

static async Task<int> BackendPidAsync(NpgsqlConnection conn)
{
    await using var cmd = new NpgsqlCommand("select pg_backend_pid()", conn);
    return (int)(await cmd.ExecuteScalarAsync())!;
}

// utime + stime of a local process from /proc/<pid>/stat (clock ticks of 1/100 s); NaN where /proc is not readable.
static double ProcessCpuSeconds(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
    catch (IOException)
    {
        return double.NaN;
    }
    catch (UnauthorizedAccessException)
    {
        return double.NaN;
    }
}

static async Task<(double Seconds, long Result)> TimeAsync(Func<Task<long>> work)
{
    var sw = Stopwatch.StartNew();
    var result = await work();
    return (sw.Elapsed.TotalSeconds, result);
}

static IEnumerable<(string Key, object Data)> Generate(int n, double labelFraction)
{
    var rng = new Random(7);
    string[] sites = ["A", "B", "C", "D"], bands = ["18-39", "40-64", "65+"], makers = ["GE", "SIEMENS", "PHILIPS"];
    var pending = new Queue<(int Due, GroundTruthRecorded Truth)>();
    var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    for (var i = 0; i < n; i++)
    {
        var positive = rng.NextDouble() < 0.3;
        var score = 1 / (1 + Math.Exp(-((positive ? 1.2 : -1.2) + (rng.NextDouble() - 0.5) * 3)));
        var features = new Dictionary<string, double>();
        for (var f = 0; f < 17; f++) features[$"f{f:D2}"] = rng.NextDouble() * 10 + f;
        var id = $"b-{i:D8}";
        yield return (id, new InferenceRecorded
        {
            InferenceId = id, OccurredAt = start.AddSeconds(i), Model = new ModelRef("bench-model", "1.0"), Site = sites[rng.Next(4)],
            Study = new StudyInfo { Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = makers[rng.Next(3)], ManufacturerModelName = "X", ViewPosition = rng.NextDouble() < 0.7 ? "PA" : "AP" },
            Patient = new PatientInfo { PseudoId = new string('b', 64), Sex = rng.NextDouble() < 0.5 ? "M" : "F", AgeBand = bands[rng.Next(3)] },
            Prediction = new Prediction { Scores = new Dictionary<string, double> { ["finding"] = score }, Threshold = 0.5 },
            Features = features, LatencyMs = 50,
        });
        if (rng.NextDouble() < labelFraction) pending.Enqueue((i + 100, new GroundTruthRecorded { InferenceId = id, Labels = positive ? ["finding"] : [], Source = "radiology-report", RecordedAt = start.AddSeconds(i + 3600) }));
        while (pending.TryPeek(out var p) && p.Due <= i) yield return (pending.Dequeue().Truth.InferenceId, p.Truth);
    }
}

static async Task UpdateDocsAsync(string path, string figures)
{
    const string begin = "<!-- drift-detector-benchmark:begin -->", end = "<!-- drift-detector-benchmark:end -->";
    var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Benchmarks\n";
    var block = $"{begin}\nFigures of the last run of `dotnet run -c Release --project bench/DriftDetector.Benchmarks` (also in bench/DriftDetector.Benchmarks/results/latest.md):\n\n{figures}{end}";
    var i = text.IndexOf(begin, StringComparison.Ordinal);
    var j = text.IndexOf(end, StringComparison.Ordinal);
    text = i >= 0 && j > i ? text[..i] + block + text[(j + end.Length)..] : text.TrimEnd() + "\n\n## DriftDetector: throughput\n\n" + block + "\n";
    await File.WriteAllTextAsync(path, text);
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Monitoring.sln"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

static HttpClient Management()
{
    var client = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("MONITORING_RMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/") };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("monitoring:monitoring")));
    return client;
}

static async Task CreateVirtualHostAsync(string vhost)
{
    using var client = Management();
    (await client.PutAsync($"api/vhosts/{vhost}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
    (await client.PutAsync($"api/permissions/{vhost}/monitoring", JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
}

static async Task DeleteVirtualHostAsync(string vhost)
{
    using var client = Management();
    using var _ = await client.DeleteAsync($"api/vhosts/{vhost}");
}
