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
/// <param name="RootCauseGroups">Distinct change ids the findings carry (a finding without one counts as its own fallback group).</param>
/// <param name="ChangeIncidents">Incidents holding findings detected after the injected change began (1 = the change is one incident).</param>
/// <param name="MixedIncidents">Of those, incidents that also hold findings from before the change (0 = the change's incident is its own).</param>
/// <param name="Reminders">Pages beyond the first per incident and escalation level.</param>
public sealed record NotificationRow(string Scenario, int Seed, int InjectedChanges, int Findings, int PerFindingAlerts, int RootCauseGroups, int Incidents,
    int ChangeIncidents, int MixedIncidents, int Notifications, int Pages, int Reminders, int MaxPagesPerIncidentPerLevel, double NotificationsPerChange);

/// <summary>The findings of one run to replay, and which of them came after the injected change began.</summary>
public sealed record ReplayRun(string Scenario, int Seed, int InjectedChanges, IReadOnlyList<DriftDetected> Findings, IReadOnlySet<string> AfterChange);

/// <summary>
/// Replays findings into the AlertRouter over RabbitMQ, in event time on a fake clock, with the demo's routing (every receiver
/// a webhook to a local sink) and nobody acknowledging or deciding: the worst case for the flood. Three groupings:
/// <c>detector</c> (default): the findings and root-cause groups (DriftDetected.ChangeId / IsRootCause) the DriftDetector's own
/// core produced on each simulator scenario, read from the detection benchmark's per-run output
/// (bench/Detection/results/raw/runs.json); <c>fallback</c>: the end-to-end findings (bench/EndToEnd/results/latest.json,
/// produced before root-cause groups existed) grouped by deployment, site and detecting day; <c>oracle</c>: the same findings
/// with the injected change's id on every finding after the change start.
/// </summary>
public static class NotificationBench
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Router.RepoRoot();
        var only = Router.Text(args, "--scenarios")?.Split(',');
        var seeds = Router.Arg(args, "--seeds", 1);
        var grouping = Router.Text(args, "--grouping") ?? "detector";
        var runs = grouping switch
        {
            "detector" => DetectorRuns(Router.Text(args, "--detection-runs") ?? Path.Combine(root, "bench", "Detection", "results", "raw", "runs.json")),
            "fallback" or "oracle" => EndToEndRuns(Path.Combine(root, "bench", "EndToEnd", "results", "latest.json"), grouping == "oracle"),
            _ => throw new ArgumentException("--grouping detector|fallback|oracle"),
        };
        var (sink, sinkUrl, received) = await Router.SinkAsync();
        Environment.SetEnvironmentVariable("SINK", sinkUrl);
        var rows = new List<NotificationRow>();
        foreach (var scenario in runs.GroupBy(r => r.Scenario))
        {
            if (only is not null && !only.Contains(scenario.Key))
            {
                continue;
            }

            foreach (var run in scenario.OrderBy(r => r.Seed).Take(seeds))
            {
                received.Clear();
                var row = await ReplayAsync(run, received);
                rows.Add(row);
                System.Console.WriteLine(row);
            }
        }

        await sink.DisposeAsync();
        await WriteAsync(root, rows, grouping == "fallback" ? "notifications" : $"notifications-{grouping}", grouping);
        return rows.All(r => r.MaxPagesPerIncidentPerLevel <= 2) ? 0 : 1;
    }

    /// <summary>
    /// The change runs of the detection benchmark (null runs left out): every finding the detector's core opened, with the change
    /// id and root-cause flag it attributed, and its detection time. Severity is not in that file: the policy's default per kind.
    /// </summary>
    private static List<ReplayRun> DetectorRuns(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: run bench/Detection first (see docs/benchmarks.md)", path);
        }

        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        var runs = new List<ReplayRun>();
        foreach (var run in doc["findings"]!.AsArray())
        {
            var plan = run!["plan"]!;
            var scenario = plan["scenario"]!.GetValue<string>();
            if (scenario == "null" || run["changeStart"] is not { } start)
            {
                continue;
            }

            var changeStart = DateTimeOffset.Parse(start.GetValue<string>(), CultureInfo.InvariantCulture);
            var findings = run["findings"]!.AsArray()[0]!.AsArray().Select(f =>
            {
                var finding = ToFinding(f!["id"]!.GetValue<string>(), f);
                return finding with { ChangeId = f["changeId"]?.GetValue<string>(), IsRootCause = f["isRootCause"]?.GetValue<bool>() ?? false };
            }).OrderBy(f => f.DetectedAt).ThenBy(f => f.FindingId, StringComparer.Ordinal).ToList();
            runs.Add(new ReplayRun(scenario, (int)plan["seed"]!.GetValue<long>(), 1, findings,
                findings.Where(f => f.DetectedAt >= changeStart).Select(f => f.FindingId).ToHashSet(StringComparer.Ordinal)));
        }

        return runs;
    }

    private static List<ReplayRun> EndToEndRuns(string path, bool oracle)
    {
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        var runs = new List<ReplayRun>();
        foreach (var (scenario, seeds) in doc["runs"]!.AsObject())
        {
            foreach (var run in seeds!.AsArray())
            {
                var raw = Raw(run!);
                var after = raw.Where(kv => kv.Value["beforeChange"]?.GetValue<bool>() != true).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
                var change = oracle ? $"injected-{scenario}-{run!["seed"]}" : null;
                var findings = raw.Select(kv => ToFinding(kv.Key, kv.Value) with { ChangeId = change is not null && after.Contains(kv.Key) ? change : null })
                    .OrderBy(f => f.DetectedAt).ThenBy(f => f.FindingId, StringComparer.Ordinal).ToList();
                var changes = run!["expected"]!.AsArray().Select(e => e!["change"]!.GetValue<string>()).Distinct().Count();
                runs.Add(new ReplayRun(scenario, run["seed"]!.GetValue<int>(), changes, findings, changes == 0 ? new HashSet<string>() : after));
            }
        }

        return runs;
    }

    private static async Task<NotificationRow> ReplayAsync(ReplayRun run, System.Collections.Concurrent.ConcurrentQueue<(string Path, string Body)> received)
    {
        var findings = run.Findings;
        var changes = run.InjectedChanges;
        var groups = findings.Select(f => f.ChangeId ?? "finding:" + f.FindingId).Distinct().Count();
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

        List<(Guid Id, List<string> FindingIds)> incidents;
        await using (var q = store.QuerySession())
        {
            incidents = (await q.Query<Alert>().Select(a => new { a.Id, a.FindingIds }).ToListAsync()).Select(a => (a.Id, a.FindingIds)).ToList();
        }

        var changeIncidents = incidents.Where(i => i.FindingIds.Any(run.AfterChange.Contains)).ToList();
        var mixed = changeIncidents.Count(i => i.FindingIds.Any(f => !run.AfterChange.Contains(f)));

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

        return new NotificationRow(run.Scenario, run.Seed, changes, findings.Count, perFinding, groups, incidents.Count, changeIncidents.Count, mixed,
            payloads.Length, pages.Values.Sum(), pages.Values.Sum(p => p - 1), pages.Count == 0 ? 0 : pages.Values.Max(),
            changes == 0 ? double.NaN : (double)payloads.Length / changes);
    }

    /// <summary>Every distinct finding of an end-to-end run: those matched to the manifest (exact and broader scope) and the unexpected ones.</summary>
    private static Dictionary<string, JsonNode> Raw(JsonNode run)
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

        return raw;
    }

    private static DriftDetected ToFinding(string id, JsonNode f)
    {
        var scope = (f["scope"]?.GetValue<string>() ?? "*").Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != "*").Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        // The end-to-end file has wire names (performance-decay), the detection benchmark's the enum's (PerformanceDecay).
        var kind = (f["kind"]?.GetValue<string>() ?? "distribution-shift").Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "performancedecay" => FindingKind.PerformanceDecay,
            "fairnessgap" => FindingKind.FairnessGap,
            "estimatedperformancedecay" => FindingKind.EstimatedPerformanceDecay,
            "abruptchange" => FindingKind.AbruptChange,
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

    private static async Task WriteAsync(string root, List<NotificationRow> rows, string name, string grouping)
    {
        var dir = Path.Combine(root, "bench", "Console.Benchmarks", "results");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, name + ".json"), JsonSerializer.Serialize(new
        {
            benchmark = "notifications-per-injected-change",
            grouping = grouping switch
            {
                "detector" => "the detector's own root-cause groups: DriftDetected.ChangeId / IsRootCause as its core attributed them (bench/Detection raw runs)",
                "fallback" => "fallback (deployment, site, one-day detecting window): end-to-end findings from before root-cause groups",
                _ => "oracle change id on every finding after the change start (what perfect root-cause groups would give); earlier findings by the fallback key",
            },
            routing = "bench/Console.Benchmarks/bench-routing.yaml (demo routing, every receiver a webhook)",
            pagesPerLevelBudget = 2,
            date = DateTimeOffset.UtcNow,
            rows,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        var md = new System.Text.StringBuilder();
        md.AppendLine("| scenario (seed) | injected changes | findings | alerts before (one per finding fingerprint) | root-cause groups | incidents | incidents holding the change (of which mixed with earlier findings) | notifications | pages | of which reminders | max pages per incident per level | pages per root-cause group | notifications per injected change |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} ({r.Seed}) | {r.InjectedChanges} | {r.Findings} | {r.PerFindingAlerts} | {r.RootCauseGroups} | {r.Incidents} | {r.ChangeIncidents} ({r.MixedIncidents}) | {r.Notifications} | {r.Pages} | {r.Reminders} | {r.MaxPagesPerIncidentPerLevel} | {(r.RootCauseGroups == 0 ? "–" : ((double)r.Pages / r.RootCauseGroups).ToString("0.0", CultureInfo.InvariantCulture))} | {(double.IsNaN(r.NotificationsPerChange) ? "– (no change)" : r.NotificationsPerChange.ToString("0.0", CultureInfo.InvariantCulture))} |");
        }

        await File.WriteAllTextAsync(Path.Combine(dir, name + ".md"), md.ToString());
        System.Console.WriteLine(md);
    }
}
