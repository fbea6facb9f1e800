// End-to-end benchmark (issue 6): the Ingest, the DriftDetector and the AlertRouter running as separate processes
// from their Release builds, the simulator's null-scenario traffic as background load at a fixed rate, and the
// latency from the event that completes a drifting window to the notification delivered at a webhook.
// Baseline in the same run: the same probes with no background load.
//
//   dotnet build Monitoring.sln -c Release
//   dotnet run -c Release --project bench/EndToEnd.Latency -- [--rate 5000] [--idle-probes 10] [--probes 40]
//       [--warmup 30] [--warmup-probes 2] [--window 200] [--days 30] [--volume 10] [--timeout 120] [--label name]
//
// Soak mode (issue 15): --soak-minutes N holds the background rate for N minutes, one probe every --probe-every seconds
// (default 20), sampling each process's resident memory (VmRSS) and its .NET memory (heap and live set after the last
// gen2 collection, GC-committed memory, from its /metrics) every 2 s; the report adds RSS over time, the slopes (least
// squares over the loaded period after the warm-up, MB per 10 min) of each, and the detector lag's slope. The 30-minute soak:
//   dotnet run -c Release --project bench/EndToEnd.Latency -- --rate 5000 --soak-minutes 30 --days 135 --volume 20 --label soak-30m
// (enough pre-generated traffic for 30 min at 5,000 events/s; the report says if it ran out).
//
// Needs the local stack (bash scripts/stack-up.sh). Uses its own schemas, virtual host and ports, so it can run while
// the demo is up. Writes bench/EndToEnd.Latency/results/<label>.{md,json}; docs/benchmarks.md quotes them (by hand: the
// section there explains each run).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Monitoring.EndToEnd.Latency;
using Npgsql;

var rate = Arg("--rate", 5000);
var warmupProbes = Arg("--warmup-probes", 2);
var idleProbes = Arg("--idle-probes", 10);
var loadProbes = Arg("--probes", 40);
var warmup = Arg("--warmup", 30);
var window = Arg("--window", 200);
var label = ArgText("--label", rate == 0 ? "max-rate" : $"rate-{rate}");
var volume = ArgText("--volume", "10");
var days = ArgText("--days", "30");
var root = FindRoot();
var suffix = Guid.NewGuid().ToString("N")[..8];
var features = warmupProbes + idleProbes + loadProbes + 5;
var timeout = TimeSpan.FromSeconds(Arg("--timeout", 60));
var soakMinutes = Arg("--soak-minutes", 0);
var probeEvery = TimeSpan.FromSeconds(Arg("--probe-every", 20));
if (soakMinutes > 0)
{
    loadProbes = (int)Math.Ceiling(soakMinutes * 60 / probeEvery.TotalSeconds);
    features = warmupProbes + idleProbes + loadProbes + 5;
    if (label == $"rate-{rate}") label = $"soak-{soakMinutes}m-rate-{rate}";
}

Console.WriteLine($"End-to-end latency benchmark {label}: background {(rate == 0 ? "unpaced" : $"{rate:N0} events/s")}, {idleProbes} idle + {loadProbes} loaded probes, window {window}");
await using var receiver = new WebhookReceiver();
await receiver.StartAsync();
var config = Directory.CreateTempSubdirectory($"e2e-latency-config-{suffix}-").FullName;
AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(config, recursive: true); } catch (IOException) { } };
var policies = Path.Combine(config, "policies");
Directory.CreateDirectory(policies);
await using var stack = new Stack(root, suffix);
// One deployment per probe (see Probe): each probe's change is its own incident and so its own notification.
var probe = new Probe(stack.IngestUrl, suffix, window, 6, deploymentPerProbe: true);
AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var child in stack.Children) child.Stop(); }; // also on SIGTERM
File.Copy(Path.Combine(root, "deploy", "policies", "cxr-triage.yaml"), Path.Combine(policies, "cxr-triage.yaml"));
for (var k = 0; k < features; k++)
{
    await File.WriteAllTextAsync(Path.Combine(policies, $"{probe.ModelOf(k)}.yaml"), probe.PolicyYaml(probe.ModelOf(k)));
}
var routing = Path.Combine(config, "routing.yaml");
await File.WriteAllTextAsync(routing, receiver.RoutingYaml());

// The background traffic is generated before anything is started (see Replay: the generator's CPU is not the system's).
var traffic = Path.Combine(config, "traffic");
Console.WriteLine($"Generating the background traffic: simulator null scenario, {days} days at volume {volume} ...");
var generation = Stopwatch.StartNew();
var simulatorDll = Path.Combine(root, "tools", "Simulator", "bin", "Release", "net10.0", "Monitoring.Simulator.dll");
var generator = Process.Start(new ProcessStartInfo("dotnet",
    [simulatorDll, "--scenario", "null", "--days", days, "--volume", volume, "--seed", "42", "--run-tag", $"e2e-{suffix}", "--sink", "file", "--out", traffic, "--quiet"])
    { RedirectStandardOutput = true })!;
var generated = (await generator.StandardOutput.ReadToEndAsync()).Trim();
await generator.WaitForExitAsync();
if (generator.ExitCode != 0) throw new InvalidOperationException($"the simulator failed ({generator.ExitCode}): {generated}");
Console.WriteLine($"  {generated.Split('\n')[0]} ({generation.Elapsed.TotalSeconds:F0} s)");

Console.WriteLine("Starting the services ...");
await stack.StartAsync(policies, routing);
var sampler = new Sampler(stack);
var samples = new List<Sample>();
using var cts = new CancellationTokenSource();

// Reference window of the probe deployment: its first `window` inferences, by count, so the next window is the first
// probe's whatever the timing.
await probe.SendReferenceAsync(cts.Token);

var results = new List<ProbeResult>();
var next = 0;
async Task RunProbesAsync(string phase, int count)
{
    for (var i = 0; i < count; i++, next++)
    {
        var signal = probe.SignalOf(next);
        var arrival = receiver.FirstFiring(probe.ModelOf(next), signal);
        var (sent, sentAt, accepted, lastId) = await probe.SendDriftingWindowAsync(next, cts.Token);
        double? latency = null;
        try
        {
            latency = Stopwatch.GetElapsedTime(sent, await arrival.WaitAsync(timeout)).TotalMilliseconds;
        }
        catch (TimeoutException)
        {
        }

        var r = new ProbeResult(phase, next, signal, lastId, sentAt, Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds, latency);
        results.Add(r);
        Console.WriteLine($"  {phase} probe {i + 1}/{count} {signal}: accepted {r.AcceptMs:F0} ms, notified {(latency is { } l ? $"{l:F0} ms" : $"not within {timeout.TotalSeconds:F0} s")}");
    }
}

Console.WriteLine("Warm-up probes (JIT, connection pools; not counted) ...");
await RunProbesAsync("warm-up", warmupProbes);
Console.WriteLine("Idle probes (baseline: no background load) ...");
var idleStart = sampler.Take("idle-start");
await RunProbesAsync("idle", idleProbes);
var idleEnd = sampler.Take("idle-end");

Console.WriteLine($"Background load: replaying the pre-generated traffic at {(rate == 0 ? "the fastest rate accepted" : $"{rate:N0} events/s")} ...");
var replay = new Replay(traffic, stack.IngestUrl, rate, batch: 500, concurrency: 2);
var replaying = replay.RunAsync(cts.Token);
var sampling = Task.Run(async () =>
{
    while (!cts.IsCancellationRequested)
    {
        samples.Add(sampler.Take("load"));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
});
await Task.Delay(TimeSpan.FromSeconds(warmup));
var loadStart = sampler.Take("load-start");
Console.WriteLine($"  after {warmup} s warm-up: store head {loadStart.StoreHead:N0}, detector applied {loadStart.DetectorProcessed:N0}, lag {loadStart.DetectorLag:N0}");
Console.WriteLine(soakMinutes > 0 ? $"Soak: {soakMinutes} min under load, one probe every {probeEvery.TotalSeconds:F0} s ..." : "Probes under load ...");
if (soakMinutes > 0)
{
    var soak = Stopwatch.StartNew();
    for (var i = 0; i < loadProbes && soak.Elapsed < TimeSpan.FromMinutes(soakMinutes); i++)
    {
        var slot = soak.Elapsed;
        await RunProbesAsync("load", 1);
        var wait = slot + probeEvery - soak.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }
}
else
{
    await RunProbesAsync("load", loadProbes);
}

var loadEnd = sampler.Take("load-end");
cts.Cancel();
await sampling;
await replaying;
var simulatorFinished = replay.Exhausted;

// ---- report -------------------------------------------------------------------------------------------------------
static double Pct(IReadOnlyList<double> sorted, double p)
{
    if (sorted.Count == 0) return double.NaN;
    var rank = p * (sorted.Count - 1);
    var lo = (int)Math.Floor(rank);
    var hi = (int)Math.Ceiling(rank);
    if (hi == lo) return sorted[lo];
    return double.IsPositiveInfinity(sorted[hi]) ? double.PositiveInfinity : sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

var seconds = (loadEnd.At - loadStart.At) / (double)Stopwatch.Frequency;
var storeRate = (loadEnd.StoreHead - loadStart.StoreHead) / seconds;
var detectorRate = (loadEnd.DetectorProcessed - loadStart.DetectorProcessed) / seconds;
var maxLag = samples.Where(s => s.At >= loadStart.At && s.At <= loadEnd.At).Select(s => s.DetectorLag).DefaultIfEmpty(loadEnd.DetectorLag).Max();
string Cpu(Sample a, Sample b)
{
    var s = (b.At - a.At) / (double)Stopwatch.Frequency;
    var parts = b.Cpu.Select(kv => $"{kv.Key} {(kv.Value - a.Cpu.GetValueOrDefault(kv.Key)) / s:F2}")
        .Append($"PostgreSQL {ProcStat.Between(a.Postgres, b.Postgres) / s:F2}").Append($"RabbitMQ {ProcStat.Between(a.RabbitMq, b.RabbitMq) / s:F2}");
    return string.Join(", ", parts) + $"; machine busy {(b.MachineBusy - a.MachineBusy) / s:F2} of {Environment.ProcessorCount}";
}

var md = new StringBuilder();
md.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; load average before the run {LoadAverage()}.");
md.AppendLine(CultureInfo.InvariantCulture, $"Background: simulator null scenario (3 models × 4 sites, inferences + ground truth + reader feedback; the cxr-triage deployment monitored with deploy/policies/cxr-triage.yaml), generated beforehand ({days} simulated days at volume {volume}) and replayed over HTTP NDJSON in event-time order at {(rate == 0 ? "the fastest rate the Ingest accepts" : $"{rate:N0} events/s")} (batches of ≤ 500 per endpoint, 2 requests in flight; {replay.Requests:N0} requests, {replay.Retries:N0} retried after 429/503).");
md.AppendLine(CultureInfo.InvariantCulture, $"Probe: one deployment per probe ({features} of them: one change pages once, so probes sharing a deployment would share one incident), each a reference window then a window of {window} inferences over 6 features in which one feature is shifted by 3 SD; latency = from just before the HTTP request carrying the window's last event until the webhook receiver holds the firing notification (routing: group_wait 0s). {warmupProbes} warm-up probes not counted; {warmup} s of background load before the loaded probes.");
md.AppendLine();
md.AppendLine("| phase | probes | notified | p50 | p95 | p99 | max | HTTP 202 of the last event p50 |");
md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
var summary = new Dictionary<string, object>();
// A probe not notified within the timeout counts as +infinity, so a percentile that lands on it reads "> timeout".
string Ms(double v) => double.IsPositiveInfinity(v) ? $"> {timeout.TotalSeconds:F0} s" : $"{v:F0} ms";
List<double> Latencies(string phase) => results.Where(r => r.Phase == phase).Select(r => r.LatencyMs ?? double.PositiveInfinity).Order().ToList();
foreach (var phase in new[] { "idle", "load" })
{
    var rs = results.Where(r => r.Phase == phase).ToList();
    var lat = Latencies(phase);
    var acc = rs.Select(r => r.AcceptMs).Order().ToList();
    md.AppendLine(CultureInfo.InvariantCulture, $"| {(phase == "idle" ? "baseline: no background load" : "under background load")} | {rs.Count} | {rs.Count(r => r.LatencyMs is not null)} | {Ms(Pct(lat, 0.5))} | {Ms(Pct(lat, 0.95))} | {Ms(Pct(lat, 0.99))} | {(lat.Count > 0 ? Ms(lat[^1]) : "n/a")} | {Pct(acc, 0.5):F0} ms |");
    summary[phase] = new { probes = rs.Count, notified = rs.Count(r => r.LatencyMs is not null), p50 = Pct(lat, 0.5), p95 = Pct(lat, 0.95), p99 = Pct(lat, 0.99) };
}

// Where the time goes, per stage, from the commit timestamps of the three stores (medians per phase).
await using (var conn = new NpgsqlConnection(Stack.PostgresConnection))
{
    await conn.OpenAsync();
    async Task<DateTimeOffset?> At(string sql, string parameter)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("p", parameter);
        var v = await cmd.ExecuteScalarAsync();
        return v is DateTime d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : v as DateTimeOffset?;
    }

    foreach (var r in results)
    {
        r.StoredAt = await At($"select min(timestamp) from \"{stack.IngestSchema}\".mt_events where stream_id = @p", r.LastInferenceId);
        r.FindingAt = await At($"select min(timestamp) from \"{stack.DriftSchema}\".mt_events where type = 'finding_opened' and data->'Model'->>'Id' = '{probe.ModelOf(r.Index)}' and data->'Evidence'->>'Signal' = @p", r.Signal);
        r.AlertAt = await At($"select min(timestamp) from \"{stack.AlertsSchema}\".mt_events where type = 'alert_raised' and data->'Labels'->>'model' = '{probe.ModelOf(r.Index)}' and data->'Labels'->>'signal' = @p", r.Signal);
    }
}

md.AppendLine();
md.AppendLine("Median per stage (from the commit timestamps of the Ingest store, the detector's finding stream and the router's alert stream; same machine clock):");
md.AppendLine();
md.AppendLine("| phase | sent → stored | stored → finding committed | finding → alert raised | alert → webhook received |");
md.AppendLine("|---|---:|---:|---:|---:|");
foreach (var phase in new[] { "idle", "load" })
{
    // Every probe that reached a stage counts, including those notified after the timeout (their stages are still known).
    var rs = results.Where(r => r.Phase == phase && r.StoredAt is not null && r.FindingAt is not null && r.AlertAt is not null).ToList();
    double Median(IEnumerable<double> values) => Pct(values.Order().ToList(), 0.5);
    var webhook = rs.Where(r => r.LatencyMs is not null).Select(r => (r.SentAt.AddMilliseconds(r.LatencyMs!.Value) - r.AlertAt!.Value).TotalMilliseconds);
    md.AppendLine(CultureInfo.InvariantCulture, $"| {phase} | {Median(rs.Select(r => (r.StoredAt!.Value - r.SentAt).TotalMilliseconds)):F0} ms | {Median(rs.Select(r => (r.FindingAt!.Value - r.StoredAt!.Value).TotalMilliseconds)):F0} ms | {Median(rs.Select(r => (r.AlertAt!.Value - r.FindingAt!.Value).TotalMilliseconds)):F0} ms | {Median(webhook):F0} ms |");
}

var idleP95 = Pct(Latencies("idle"), 0.95);
var loadP95 = Pct(Latencies("load"), 0.95);
md.AppendLine();
md.AppendLine(double.IsPositiveInfinity(loadP95) || double.IsPositiveInfinity(idleP95)
    ? "Ratio p95 under load / p95 idle: not defined (a p95 is beyond the timeout)."
    : string.Create(CultureInfo.InvariantCulture, $"Ratio p95 under load / p95 idle: {loadP95 / idleP95:F2}."));
md.AppendLine(CultureInfo.InvariantCulture, $"Sustained during the loaded probes ({seconds:F0} s): events stored {storeRate:N0}/s (offered {(rate == 0 ? "unpaced" : rate.ToString("N0", CultureInfo.InvariantCulture))}), applied by the detector {detectorRate:N0}/s, detector lag at the end {loadEnd.DetectorLag:N0} events (max sampled {maxLag:N0}){(simulatorFinished ? "; the pre-generated traffic ran out before the end" : "")}.");
md.AppendLine(CultureInfo.InvariantCulture, $"CPU cores used during the loaded probes: {Cpu(loadStart, loadEnd)}. Idle probes: {Cpu(idleStart, idleEnd)}.");
var loaded = samples.Where(x => x.At >= loadStart.At && x.At <= loadEnd.At).ToList();
var rssSlopes = new Dictionary<string, double>();
if (soakMinutes > 0 && loaded.Count >= 3)
{
    // Least-squares slope over the loaded period (after the warm-up): flat memory reads ~0 MB per 10 min.
    static double Slope(IReadOnlyList<(double T, double Y)> points)
    {
        var mt = points.Average(p => p.T);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.T - mt) * (p.T - mt));
        return sxx == 0 ? 0 : points.Sum(p => (p.T - mt) * (p.Y - my)) / sxx;
    }

    double Minutes(Sample x) => (x.At - loadStart.At) / (double)Stopwatch.Frequency / 60;
    md.AppendLine();
    md.AppendLine(CultureInfo.InvariantCulture, $"Soak: {seconds / 60:F1} min at {rate:N0} events/s offered. Resident memory (VmRSS) of each process, sampled every 2 s:");
    md.AppendLine();
    md.AppendLine("| process | RSS at start | RSS at end | max | slope (MB per 10 min) |");
    md.AppendLine("|---|---:|---:|---:|---:|");
    foreach (var name in loaded[0].RssMb.Keys)
    {
        var points = loaded.Where(x => x.RssMb.ContainsKey(name)).Select(x => (Minutes(x), x.RssMb[name])).ToList();
        rssSlopes[name] = Slope(points) * 10;
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {points[0].Item2:F0} MB | {points[^1].Item2:F0} MB | {points.Max(p => p.Item2):F0} MB | {rssSlopes[name]:+0.0;-0.0;0.0} |");
    }

    // Which memory grows: the live set after gen2 growing is a leak; RSS and GC-committed memory growing with it flat is
    // the GC sizing its heaps and budgets (server GC / DATAS), and settles.
    md.AppendLine();
    md.AppendLine("Managed memory of the same processes (their /metrics: System.Runtime meter and GcTelemetry), sampled with the RSS: heap and live set on exit from the last gen2 collection, memory committed by the GC, and gen2 collections and GC pause time during the soak:");
    md.AppendLine();
    md.AppendLine("| process | GC | live after gen2: start → end | slope | heap after gen2: start → end | slope | GC committed: start → end | slope | gen2 GCs | GC pause |");
    md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var name in loaded[0].RssMb.Keys)
    {
        // Only samples after the first gen2 of the soak: before it, "after the last gen2" describes start-up.
        var withGc = loaded.Where(x => x.Runtime.TryGetValue(name, out var r) && r.Gen2 > 0).Select(x => (T: Minutes(x), R: x.Runtime[name])).ToList();
        if (withGc.Count < 3)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | | no gen2 collection sampled | | | | | | | |");
            continue;
        }

        var firstGen2 = withGc[0].R.Gen2;
        var settled = withGc.Where(x => x.R.Gen2 > firstGen2).ToList() is { Count: >= 3 } after ? after : withGc;
        string Cell(Func<RuntimeReading, double> f, string key)
        {
            var slope = Slope(settled.Select(x => (x.T, f(x.R))).ToList()) * 10;
            rssSlopes[$"{name}-{key}"] = slope;
            return string.Create(CultureInfo.InvariantCulture, $"{f(settled[0].R):F0} → {f(settled[^1].R):F0} MB | {slope:+0.0;-0.0;0.0}");
        }

        var (a, b) = (withGc[0].R, withGc[^1].R);
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {(b.ServerGc ? "server" : "workstation")} | {Cell(r => r.LiveAfterGen2Mb, "live-after-gen2")} | {Cell(r => r.HeapAfterGen2Mb, "heap-after-gen2")} | {Cell(r => r.CommittedMb, "gc-committed")} | {b.Gen2 - a.Gen2:F0} | {b.PauseSeconds - a.PauseSeconds:F1} s |");
    }

    md.AppendLine();
    md.AppendLine("Slopes in MB per 10 min, least squares from the second gen2 collection of the soak to its end.");

    var queued = loaded.Where(x => x.IngestReady >= 0).ToList();
    if (queued.Count >= 3)
    {
        var readySlope = Slope(queued.Select(x => (Minutes(x), x.IngestReady)).ToList()) * 10;
        var unackedSlope = Slope(queued.Select(x => (Minutes(x), x.IngestUnacked)).ToList()) * 10;
        rssSlopes["ingest-queue-ready"] = readySlope;
        rssSlopes["ingest-queue-unacked"] = unackedSlope;
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Ingest queues (RabbitMQ management API, the three ingest queues): waiting (ready) {queued[0].IngestReady:F0} at the start, {queued[^1].IngestReady:F0} at the end, max {queued.Max(x => x.IngestReady):F0}, slope {readySlope:+0;-0;0} messages per 10 min; delivered to the Ingest and not yet acknowledged (held in its memory) {queued[0].IngestUnacked:F0} → {queued[^1].IngestUnacked:F0}, max {queued.Max(x => x.IngestUnacked):F0}, mean {queued.Average(x => x.IngestUnacked):F0}.");
    }

    var lagSlope = Slope(loaded.Select(x => (Minutes(x), x.DetectorLag)).ToList()) * 10;
    md.AppendLine();
    md.AppendLine(CultureInfo.InvariantCulture, $"Detector lag slope: {lagSlope:+0;-0;0} events per 10 min (a growing queue reads clearly positive). p95 under load / idle p95 is the ratio above; the bar is 1.5.");
    rssSlopes["detector-lag"] = lagSlope;
}

Console.WriteLine();
Console.WriteLine(md);

var outDir = Path.Combine(root, "bench", "EndToEnd.Latency", "results");
Directory.CreateDirectory(outDir);
await File.WriteAllTextAsync(Path.Combine(outDir, $"{label}.md"), md.ToString());
await File.WriteAllTextAsync(Path.Combine(outDir, $"{label}.json"), JsonSerializer.Serialize(new
{
    label, rate, window, warmup, summary, storeRate, detectorRate, detectorLagEnd = loadEnd.DetectorLag, maxLag, probes = results,
    rssSlopes,
    samples = samples.Select(s => new { t = s.At / (double)Stopwatch.Frequency, s.StoreHead, s.DetectorProcessed, s.DetectorLag, s.RssMb, s.Runtime, s.IngestReady, s.IngestUnacked }),
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"Logs of this run: {stack.LogDirectory}");
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string ArgText(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Monitoring.sln"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

internal sealed record ProbeResult(string Phase, int Index, string Signal, string LastInferenceId, DateTimeOffset SentAt, double AcceptMs, double? LatencyMs)
{
    /// <summary>Stage boundaries from the stores' own commit timestamps (same machine clock): stored, finding committed, alert raised.</summary>
    public DateTimeOffset? StoredAt { get; set; }
    public DateTimeOffset? FindingAt { get; set; }
    public DateTimeOffset? AlertAt { get; set; }
}
