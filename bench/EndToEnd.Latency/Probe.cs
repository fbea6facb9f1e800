using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Monitoring.EndToEnd.Latency;

/// <summary>
/// The probe deployment: a model of its own (<c>e2e-probe</c>) whose policy closes a window every <see cref="Window"/>
/// inferences and tests <see cref="Features"/> numeric features. Probe k sends one window in which only feature k is
/// shifted (by three standard deviations), so each probe opens exactly one new finding with its own signal label, hence
/// its own alert and its own notification, without waiting for the previous one to resolve. The background traffic
/// (the simulator's models) never touches this deployment's windows, so the window that drifts is known exactly and
/// so is the event that completes it: the last one of the probe, sent alone.
/// </summary>
/// <remarks>
/// With <paramref name="deploymentPerProbe"/>, probe k is a deployment of its own (model <c>e2e-probe-NNN</c>, its own policy,
/// reference window and drifting window, shifting feature k mod <paramref name="features"/>): since one change pages once (one
/// incident per root-cause group, later findings of it are updates), probes of one deployment within a day of each other would
/// all join the first probe's incident and only it would be notified. The chaos suite keeps one shared deployment.
/// </remarks>
internal sealed class Probe(string ingestUrl, string runTag, int window, int features, bool deploymentPerProbe = false)
{
    public const string Model = "e2e-probe";
    public const string Version = "1";
    private readonly HttpClient http = CreateClient(ingestUrl);
    private readonly Random rng = new(20261129);
    private long sent;

    public int Window => window;
    public int Features => features;

    public static string FeatureName(int k) => $"p{k:D2}";

    /// <summary>The model id probe <paramref name="k"/> sends as.</summary>
    public string ModelOf(int k) => deploymentPerProbe ? $"{Model}-{k:D3}" : Model;

    /// <summary>The signal probe <paramref name="k"/> shifts.</summary>
    public string SignalOf(int k) => "feature:" + FeatureName(deploymentPerProbe ? k % features : k);

    public string PolicyYaml() => PolicyYaml(Model);

    /// <summary>The policy of the deployment <paramref name="model"/>@1.</summary>
    public string PolicyYaml(string model) => $$"""
        # Probe deployment of the end-to-end latency benchmark (bench/EndToEnd.Latency): one window per probe.
        deployment:
          modelId: {{model}}
          modelVersion: "{{Version}}"
        reference:
          kind: first-events
          count: {{window}}
          maxSample: {{window}}
        window:
          count: {{window}}
          maxSample: {{window}}
        signals:
          features: [{{string.Join(", ", Enumerable.Range(0, features).Select(FeatureName))}}]
          study: []
          scores: []
          predictedPositiveRate: false
          latency: false
          readerOverrideRate: false
        subgroups:
          attributes: []
        minSample: 30
        thresholds:
          alpha: 0.001
          correction: holm
          confirmAfter: 1
          resolveAfter: 3
        performance:
          labels: []
          cbpe: false
        sequential:
          signals: []
        severity:
          distribution-shift: warning
        """;

    /// <summary>Sends the reference window (no shift).</summary>
    public Task SendReferenceAsync(CancellationToken ct) => deploymentPerProbe ? Task.CompletedTask : SendAsync(Events(window, shifted: -1, Model), ct);

    /// <summary>
    /// Sends a window with feature <paramref name="k"/> shifted: all but the last event in one request, then the last
    /// alone. Returns the timestamp taken just before the last event's request and when its 202 arrived.
    /// </summary>
    public async Task<(long Sent, DateTimeOffset SentAt, long Accepted, string LastId)> SendDriftingWindowAsync(int k, CancellationToken ct)
    {
        if (deploymentPerProbe) await SendAsync(Events(window, shifted: -1, ModelOf(k)), ct); // its own reference first
        var events = Events(window, shifted: deploymentPerProbe ? k % features : k, ModelOf(k));
        await SendAsync(events[..^1], ct);
        var start = Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        await SendAsync(events[^1..], ct);
        return (start, at, Stopwatch.GetTimestamp(), InferenceId(Interlocked.Read(ref sent)));
    }

    /// <summary>UUID-shaped (the run tag is 8 hex digits), as Ingest's opaque-inference-id rule asks.</summary>
    private string InferenceId(long id) => $"e2e-{runTag}-0000-4000-8000-{id:D12}";

    private string[] Events(int n, int shifted, string model)
    {
        var result = new string[n];
        for (var i = 0; i < n; i++)
        {
            var id = Interlocked.Increment(ref sent);
            var sb = new StringBuilder(256 + features * 16);
            sb.Append(CultureInfo.InvariantCulture, $$"""{"inferenceId":"{{InferenceId(id)}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}",""");
            sb.Append(CultureInfo.InvariantCulture, $$"""
                "model":{"id":"{{model}}","version":"{{Version}}"},"site":"probe-site",
                "study":{"modality":"DX","bodyPartExamined":"CHEST","manufacturer":"GE","manufacturerModelName":"Probe","viewPosition":"PA"},
                "patient":{"pseudoId":"{{new string('e', 64)}}","sex":"F","ageBand":"40-64"},
                "prediction":{"scores":{"finding":0.3},"predictedLabels":[],"threshold":0.5},"latencyMs":50,"features":{
                """);
            for (var f = 0; f < features; f++)
            {
                var value = NextGaussian() + (f == shifted ? 3.0 : 0.0);
                sb.Append(CultureInfo.InvariantCulture, $"{(f > 0 ? "," : "")}\"{FeatureName(f)}\":{value:R}");
            }

            sb.Append("}}");
            result[i] = sb.ToString();
        }

        return result;
    }

    private async Task SendAsync(string[] events, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var content = new StringContent("[" + string.Join(",", events) + "]", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("v1/inferences", content, ct);
            if (response.IsSuccessStatusCode) return;

            // 429 (rate limit shared with nobody here) or 503 (broker busy): retry like a producer would.
            if ((int)response.StatusCode is 429 or 503 && attempt < 20)
            {
                await Task.Delay(100 * attempt, ct);
                continue;
            }

            throw new InvalidOperationException($"Ingest refused probe events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private static HttpClient CreateClient(string baseUrl)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-producer-key");
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private double NextGaussian()
    {
        // Box–Muller on a seeded System.Random: the probe's values are the same on every run.
        var u = 1.0 - rng.NextDouble();
        var v = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}

/// <summary>
/// The on-call tool's stand-in: a webhook receiver (Alertmanager v4 payloads) that records when the first firing
/// notification for each (model, signal) arrives.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> arrivals = new();
    private readonly ConcurrentDictionary<string, int> firings = new();
    private WebApplication? app;
    private int notifications;

    public string Url { get; private set; } = "";
    public int Notifications => Volatile.Read(ref notifications);

    public Task<long> FirstFiring(string model, string signal) => Arrival($"{model}|{signal}").Task;

    /// <summary>Firing notifications received for (model, signal): 1 when delivered once, more for redeliveries.</summary>
    public int FiringCount(string model, string signal) => firings.GetValueOrDefault($"{model}|{signal}");

    /// <summary>Firing notifications received for any signal of <paramref name="model"/> (incidents page once per change).</summary>
    public int ModelFiringCount(string model) => firings.Where(kv => kv.Key.StartsWith(model + "|", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.Run(async ctx =>
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            var now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref notifications);
            foreach (var alert in doc.RootElement.GetProperty("alerts").EnumerateArray())
            {
                if (alert.GetProperty("status").GetString() != "firing") continue;
                var labels = alert.GetProperty("labels");
                if (labels.TryGetProperty("model", out var model) && labels.TryGetProperty("signal", out var signal))
                {
                    Arrival($"{model.GetString()}|{signal.GetString()}").TrySetResult(now);
                    firings.AddOrUpdate($"{model.GetString()}|{signal.GetString()}", 1, (_, n) => n + 1);
                }
            }

            ctx.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/alerts";
    }

    /// <summary>Routing for the benchmark: every alert its own group, sent at once (no group_wait), to this receiver.</summary>
    public string RoutingYaml() => $$"""
        # Routing of the end-to-end latency benchmark: every alert is its own group and is sent at once
        # (group_wait 0s), so the measured latency is the pipeline's, not a configured batching delay.
        route:
          receiver: webhook
          group_by: ['...']
          group_wait: 0s
          group_interval: 5m
          repeat_interval: 24h
        receivers:
          - name: webhook
            webhook_configs: [{ url: "{{Url}}" }]
        """;

    private TaskCompletionSource<long> Arrival(string key) =>
        arrivals.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
    }
}
