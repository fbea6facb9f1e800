// Benchmark (not a test): latency from a DriftDetected published to RabbitMQ until the first notification reaches a
// local webhook listener, with 1,000 alerts already open. Baseline in the same run: the same Alertmanager payload POSTed
// directly to the same listener. Writes results/latest.json and results/latest.md.
//
//   dotnet run -c Release --project bench/AlertRouter.Benchmarks -- [--open 1000] [--samples 300] [--warmup 20]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.AlertRouter;
using Monitoring.AlertRouter.Api;
using Monitoring.Contracts;
using Monitoring.ServiceDefaults;
using Npgsql;

var open = Arg("--open", 1000);
var samples = Arg("--samples", 300);
var warmup = Arg("--warmup", 20);
var pg = Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";
var rmqHost = Environment.GetEnvironmentVariable("MONITORING_RMQ_HOST") ?? "127.0.0.1";
var management = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("MONITORING_RMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/") };
management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("monitoring:monitoring")));
var suffix = Guid.NewGuid().ToString("N")[..10];
var schema = $"bench_alerts_{suffix}";
var vhost = $"bench_alerts_{suffix}";

// --- the listener: records when each model's first notification arrives ----------------------------------------
var arrivals = new ConcurrentDictionary<string, TaskCompletionSource<long>>();
TaskCompletionSource<long> Arrival(string model) => arrivals.GetOrAdd(model, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
var listenerBuilder = WebApplication.CreateSlimBuilder();
listenerBuilder.Logging.ClearProviders();
listenerBuilder.WebHost.UseUrls("http://127.0.0.1:0");
var listener = listenerBuilder.Build();
listener.Run(async ctx =>
{
    var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
    var now = Stopwatch.GetTimestamp();
    foreach (var alert in doc.RootElement.GetProperty("alerts").EnumerateArray())
    {
        Arrival(alert.GetProperty("labels").GetProperty("model").GetString()!).TrySetResult(now);
    }

    ctx.Response.StatusCode = StatusCodes.Status200OK;
});
await listener.StartAsync();
var listenerUrl = listener.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/alerts";

// --- the AlertRouter, in process, on its own schema and virtual host ---------------------------------------------
(await management.PutAsync($"api/vhosts/{vhost}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
(await management.PutAsync($"api/permissions/{vhost}/monitoring", JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
var contentRoot = Directory.CreateTempSubdirectory("alertrouter-bench").FullName;
var routing = Path.Combine(contentRoot, "routing.yaml");
await File.WriteAllTextAsync(routing, $$"""
    route:
      receiver: webhook
      group_by: ['...']
      group_wait: 0s
      group_interval: 5m
      repeat_interval: 24h
    receivers:
      - name: webhook
        webhook_configs: [{ url: "{{listenerUrl}}" }]
    """);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Benchmark" });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Marten"] = pg,
    ["RabbitMq:Host"] = rmqHost,
    ["RabbitMq:VirtualHost"] = vhost,
    ["AlertRouter:Schema"] = schema,
    ["AlertRouter:RoutingFile"] = routing,
    ["Logging:LogLevel:Default"] = "Warning",
});
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.AddServiceDefaults();
builder.AddMonitoringAuth();
builder.AddAlertRouter();
var router = builder.Build();
router.UseAuthentication();
router.UseAuthorization();
router.MapDefaultEndpoints();
router.MapAlertRouterApi();
await router.StartAsync();
var bus = router.Services.GetRequiredService<IBus>();

try
{
    DriftDetected Finding(string model) => new()
    {
        FindingId = $"bench-{model}",
        Kind = FindingKind.DistributionShift,
        Severity = Severity.Warning,
        Model = new ModelRef(model, "1.0.0"),
        Site = "bench-site",
        Summary = $"distribution shift on {model}",
        Evidence = new FindingEvidence
        {
            Signal = "feature:meanIntensity", Method = "ks", Statistic = 0.21, PValue = 1e-5, AdjustedPValue = 1e-4, Threshold = 0.1,
            Window = new WindowBounds(1, 500, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow),
            ReferenceSize = 5000, CurrentSize = 500, ReferenceId = "ref", PolicyVersion = 1,
        },
        DetectedAt = DateTimeOffset.UtcNow,
    };

    // 1,000 open alerts, each notified once, before measuring.
    var sw = Stopwatch.StartNew();
    var opened = Enumerable.Range(0, open).Select(i => $"open-{i:D5}").ToList();
    foreach (var model in opened)
    {
        await bus.Publish(Finding(model));
    }

    await Task.WhenAll(opened.Select(m => Arrival(m).Task)).WaitAsync(TimeSpan.FromMinutes(10));
    Console.WriteLine($"{open} alerts open and notified in {sw.Elapsed.TotalSeconds:0.0} s");

    async Task<double> OneFinding(string model)
    {
        var start = Stopwatch.GetTimestamp();
        await bus.Publish(Finding(model));
        var arrived = await Arrival(model).Task.WaitAsync(TimeSpan.FromSeconds(60));
        return Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds;
    }

    var http = new HttpClient();
    async Task<double> OnePost(string model)
    {
        var body = JsonSerializer.Serialize(new
        {
            version = "4", groupKey = model, truncatedAlerts = 0, status = "firing", receiver = "webhook",
            groupLabels = new { model }, commonLabels = new { model }, commonAnnotations = new { }, externalURL = "http://127.0.0.1:5082",
            alerts = new[] { new { status = "firing", labels = new { model }, annotations = new { summary = "direct" }, startsAt = DateTimeOffset.UtcNow } },
        });
        var start = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(listenerUrl, new StringContent(body, Encoding.UTF8, "application/json"));
        var arrived = await Arrival(model).Task;
        return Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds;
    }

    for (var i = 0; i < warmup; i++)
    {
        await OneFinding($"warm-{i}");
        await OnePost($"warm-direct-{i}");
    }

    // Interleaved so that machine noise hits both series alike.
    var routed = new List<double>();
    var direct = new List<double>();
    for (var i = 0; i < samples; i++)
    {
        routed.Add(await OneFinding($"m-{i:D5}"));
        direct.Add(await OnePost($"direct-{i:D5}"));
    }

    var r = Summary(routed);
    var d = Summary(direct);
    var result = new
    {
        benchmark = "alertrouter-finding-to-first-notification",
        date = DateTimeOffset.UtcNow,
        machine = new { Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, runtime = Environment.Version.ToString() },
        openAlerts = open,
        samples,
        routedMs = r,
        directPostMs = d,
        ratioP50 = r.p50 / d.p50,
        ratioP95 = r.p95 / d.p95,
        targetP95Ms = 500,
        meetsTarget = r.p95 <= 500,
    };
    var dir = Path.Combine(FindRepoRoot(), "bench", "AlertRouter.Benchmarks", "results");
    Directory.CreateDirectory(dir);
    await File.WriteAllTextAsync(Path.Combine(dir, "latest.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    var md = string.Create(CultureInfo.InvariantCulture, $"""
        | series (n={samples}, {open} open alerts) | p50 ms | p95 ms | p99 ms | mean ms | max ms |
        |---|---|---|---|---|---|
        | finding published → first webhook notification | {r.p50:0.0} | {r.p95:0.0} | {r.p99:0.0} | {r.mean:0.0} | {r.max:0.0} |
        | baseline: direct HTTP POST → same listener | {d.p50:0.0} | {d.p95:0.0} | {d.p99:0.0} | {d.mean:0.0} | {d.max:0.0} |

        Ratio routed / direct: p50 {result.ratioP50:0.0}×, p95 {result.ratioP95:0.0}×. Target p95 ≤ 500 ms: {(result.meetsTarget ? "met" : "NOT met")}.
        Machine: {Environment.ProcessorCount} cores, {result.machine.os}, .NET {result.machine.runtime}; {result.date:u}.
        """);
    await File.WriteAllTextAsync(Path.Combine(dir, "latest.md"), md + "\n");
    Console.WriteLine(md);
}
finally
{
    await router.StopAsync();
    await router.DisposeAsync();
    await listener.StopAsync();
    await using (var conn = new NpgsqlConnection(pg))
    {
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    await management.DeleteAsync($"api/vhosts/{vhost}");
}

static Stats Summary(List<double> xs)
{
    // Nearest-rank percentiles.
    var sorted = xs.Order().ToArray();
    double P(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    return new Stats(P(0.50), P(0.95), P(0.99), sorted.Average(), sorted[^1]);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

internal sealed record Stats(double p50, double p95, double p99, double mean, double max);
