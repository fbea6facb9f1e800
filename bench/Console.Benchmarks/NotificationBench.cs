using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Escalation;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.Console.Benchmarks;

/// <summary>One replayed run of a scenario.</summary>
public sealed record NotificationRow(string Scenario, int Seed, int InjectedChanges, int Findings, int PerFindingAlerts, int Incidents,
    int Notifications, int Pages, int MaxPagesPerIncidentPerLevel, double NotificationsPerChange);

/// <summary>
/// Replays the findings the real DriftDetector produced on each simulator scenario (bench/EndToEnd/results/latest.json)
/// into the AlertRouter over RabbitMQ, in event time on a fake clock, with the demo's routing (every receiver a webhook to
/// a local sink) and nobody acknowledging or deciding: the worst case for the flood. The findings carry no change id
/// (the detector's root-cause groups have not landed), so they are grouped by the fallback key: deployment, site and
/// detecting window (one day).
/// </summary>
public static class NotificationBench
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Router.RepoRoot();
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "bench", "EndToEnd", "results", "latest.json")))!;
        var only = Router.Text(args, "--scenarios")?.Split(',');
        var seeds = Router.Arg(args, "--seeds", 1);
        // "oracle": every finding after the change start carries the injected change's id, as the detector's root-cause
        // groups would if they attributed perfectly; findings before the change stay in the fallback groups.
        var oracle = Router.Text(args, "--grouping") == "oracle";
        var (sink, sinkUrl, received) = await Router.SinkAsync();
        Environment.SetEnvironmentVariable("SINK", sinkUrl);
        var rows = new List<NotificationRow>();
        foreach (var (scenario, runs) in doc["runs"]!.AsObject())
        {
            if (only is not null && !only.Contains(scenario))
            {
                continue;
            }

            foreach (var run in runs!.AsArray().Take(seeds))
            {
                received.Clear();
                var row = await ReplayAsync(scenario, run!, received, oracle);
                rows.Add(row);
                System.Console.WriteLine(row);
            }
        }

        await sink.DisposeAsync();
        await WriteAsync(root, rows, oracle ? "notifications-oracle" : "notifications");
        return rows.All(r => r.MaxPagesPerIncidentPerLevel <= 2) ? 0 : 1;
    }

    private static async Task<NotificationRow> ReplayAsync(string scenario, JsonNode run, System.Collections.Concurrent.ConcurrentQueue<(string Path, string Body)> received, bool oracle)
    {
        var findings = Findings(run, oracle ? $"injected-{scenario}-{run["seed"]}" : null);
        var changes = run["expected"]!.AsArray().Select(e => e!["change"]!.GetValue<string>()).Distinct().Count();
        var perFinding = findings.Select(f => $"{f.Kind}|{f.Evidence.Signal}|{f.Site}|{AlertLabels.SubgroupText(f.Subgroup)}").Distinct().Count();
        var clock = new FakeTimeProvider(findings.Count > 0 ? findings.Min(f => f.DetectedAt).AddMinutes(-1) : DateTimeOffset.UnixEpoch);
        await using var router = await Router.StartAsync(Path.Combine(AppContext.BaseDirectory, "bench-routing.yaml"), clock, TimeSpan.FromMilliseconds(20));
        var bus = router.Services.GetRequiredService<IBus>();
        var store = router.Services.GetRequiredService<IDocumentStore>();
        var alertClock = router.Services.GetRequiredService<AlertClock>();
        await Until(() => Task.FromResult(router.Services.GetRequiredService<RoutingConfigProvider>().Current is not null), "routing loaded");

        var instants = findings.GroupBy(f => f.DetectedAt).OrderBy(g => g.Key).ToList();
        var published = 0;
        for (var i = 0; i < instants.Count; i++)
        {
            if (instants[i].Key > clock.GetUtcNow())
            {
                clock.SetUtcNow(instants[i].Key);
            }

            foreach (var f in instants[i])
            {
                await bus.Publish(f);
                published++;
            }

            var expected = published;
            await Until(async () =>
            {
                await using var q = store.QuerySession();
                return await q.Query<FindingLink>().CountAsync() >= expected;
            }, $"{expected} findings consumed");

            // Let escalations, decision deadlines and group flushes run in event time until the next findings (or 15 min).
            var until = i + 1 < instants.Count && instants[i + 1].Key < instants[i].Key + Horizon ? instants[i + 1].Key : instants[i].Key + Horizon;
            while (clock.GetUtcNow() + Step <= until)
            {
                clock.Advance(Step);
                var target = alertClock.Ticks + 2;
                await Until(() => Task.FromResult(alertClock.Ticks >= target), "clock passes");
            }
        }

        await Until(async () =>
        {
            await using var q = store.QuerySession();
            return await q.Query<PendingDelivery>().CountAsync() == 0;
        }, "outbox drained");

        int incidents;
        await using (var q = store.QuerySession())
        {
            incidents = await q.Query<Alert>().CountAsync();
        }

        var payloads = received.ToArray();
        var pages = new Dictionary<(string Alert, string Level), int>();
        foreach (var (_, body) in payloads)
        {
            using var json = JsonDocument.Parse(body);
            foreach (var a in json.RootElement.GetProperty("alerts").EnumerateArray())
            {
                var ann = a.GetProperty("annotations");
                if (ann.TryGetProperty("escalation_level", out var level))
                {
                    var key = (ann.GetProperty("alert_id").GetString()!, level.GetString()!);
                    pages[key] = pages.GetValueOrDefault(key) + 1;
                }
            }
        }

        return new NotificationRow(scenario, run["seed"]!.GetValue<int>(), changes, findings.Count, perFinding, incidents, payloads.Length,
            pages.Values.Sum(), pages.Count == 0 ? 0 : pages.Values.Max(), changes == 0 ? double.NaN : (double)payloads.Length / changes);
    }

    /// <summary>Every distinct finding of a run: those matched to the manifest (exact and broader scope) and the unexpected ones.</summary>
    private static List<DriftDetected> Findings(JsonNode run, string? oracleChange)
    {
        var raw = new Dictionary<string, JsonNode>();
        foreach (var e in run["expected"]!.AsArray())
        {
            foreach (var k in new[] { "exact", "anyScope" })
            {
                if (e![k] is JsonObject f && f["findingId"] is { } id)
                {
                    raw[id.GetValue<string>()] = f.DeepClone();
                    raw[id.GetValue<string>()]["signal"] = e["signal"]!.GetValue<string>();
                }
            }
        }

        foreach (var u in run["unexpected"]!.AsArray())
        {
            raw[u!["id"]!.GetValue<string>()] = u.DeepClone();
        }

        return raw.Select(kv => ToFinding(kv.Key, kv.Value) with
            {
                ChangeId = oracleChange is not null && kv.Value["beforeChange"]?.GetValue<bool>() != true ? oracleChange : null,
            }).OrderBy(f => f.DetectedAt).ThenBy(f => f.FindingId, StringComparer.Ordinal).ToList();
    }

    private static DriftDetected ToFinding(string id, JsonNode f)
    {
        var scope = (f["scope"]?.GetValue<string>() ?? "*").Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != "*").Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        var kind = (f["kind"]?.GetValue<string>() ?? "distribution-shift") switch
        {
            "performance-decay" => FindingKind.PerformanceDecay,
            "fairness-gap" => FindingKind.FairnessGap,
            "estimated-performance-decay" => FindingKind.EstimatedPerformanceDecay,
            "abrupt-change" => FindingKind.AbruptChange,
            _ => FindingKind.DistributionShift,
        };
        // Severities are not in the scored file: the policy's defaults per kind (deploy/policies/cxr-triage.yaml).
        var severity = kind is FindingKind.PerformanceDecay or FindingKind.FairnessGap ? Severity.Error : Severity.Warning;
        var at = DateTimeOffset.Parse(f["detectedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var signal = f["signal"]?.GetValue<string>() ?? "unknown";
        return new DriftDetected
        {
            FindingId = id,
            Kind = kind,
            Severity = severity,
            Model = new ModelRef("cxr-triage", "1.0.0"),
            Site = scope.GetValueOrDefault("site"),
            Subgroup = scope.Where(kv => kv.Key != "site").ToDictionary(),
            Summary = $"{signal} at {f["scope"]}",
            Evidence = new FindingEvidence
            {
                Signal = signal, Method = f["method"]?.GetValue<string>() ?? "ks", Statistic = 0.2, Threshold = 0.1,
                Window = new WindowBounds(0, 0, at.AddDays(-1), at), ReferenceSize = 8000, CurrentSize = 1000, ReferenceId = "ref", PolicyVersion = 1,
            },
            DetectedAt = at,
        };
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(20);
        }
    }

    private static async Task WriteAsync(string root, List<NotificationRow> rows, string name)
    {
        var dir = Path.Combine(root, "bench", "Console.Benchmarks", "results");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, name + ".json"), JsonSerializer.Serialize(new
        {
            benchmark = "notifications-per-injected-change",
            grouping = name == "notifications"
                ? "fallback (deployment, site, one-day detecting window): findings carry no change id yet"
                : "oracle change id on every finding after the change start (what perfect root-cause groups would give); earlier findings by the fallback key",
            routing = "bench/Console.Benchmarks/bench-routing.yaml (demo routing, every receiver a webhook)",
            pagesPerLevelBudget = 2,
            date = DateTimeOffset.UtcNow,
            rows,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        var md = new System.Text.StringBuilder();
        md.AppendLine("| scenario (seed) | injected changes | findings | alerts before (one per finding fingerprint) | incidents | notifications | of which pages | max pages per incident per level | notifications per injected change |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} ({r.Seed}) | {r.InjectedChanges} | {r.Findings} | {r.PerFindingAlerts} | {r.Incidents} | {r.Notifications} | {r.Pages} | {r.MaxPagesPerIncidentPerLevel} | {(double.IsNaN(r.NotificationsPerChange) ? "– (no change)" : r.NotificationsPerChange.ToString("0.0", CultureInfo.InvariantCulture))} |");
        }

        await File.WriteAllTextAsync(Path.Combine(dir, name + ".md"), md.ToString());
        System.Console.WriteLine(md);
    }
}
