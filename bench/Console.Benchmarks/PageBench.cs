using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;
using Npgsql;

namespace Monitoring.Console.Benchmarks;

/// <summary>Server time of one page: loopback request time with the reader's API key (no browser), after warm-up.</summary>
public sealed record PageRow(string Page, int Samples, double P50Ms, double P95Ms, double MaxMs, int Bytes);

/// <summary>
/// Seeds open incidents (each opened by a change, with a few updates and an acknowledgement history) and filler events up
/// to the requested store size, then times the inbox, an incident page, the audit view of the busiest deployment and the
/// sign-in page. The detector's evidence endpoint is not configured, so the incident page draws what the incident holds.
/// </summary>
public static class PageBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var incidents = Router.Arg(args, "--incidents", 1000);
        var events = Router.Arg(args, "--events", 1_000_000);
        var samples = Router.Arg(args, "--samples", 30);
        var routing = Path.Combine(Path.GetTempPath(), $"desk-pages-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(routing, """
            route:
              receiver: sink
              group_wait: 1h
            receivers:
              - name: sink
                webhook_configs: [{ url: "http://127.0.0.1:9/none" }]
            """);
        await using var router = await Router.StartAsync(routing, null, TimeSpan.FromSeconds(5));
        var store = router.Services.GetRequiredService<IDocumentStore>();
        var config = router.Services.GetRequiredService<RoutingConfigProvider>();
        while (config.Current is null)
        {
            await Task.Delay(50);
        }

        var seed = Stopwatch.StartNew();
        var ids = await SeedIncidentsAsync(store, config.Current!, incidents);
        var stored = await FillAsync(router.Schema, events);
        System.Console.WriteLine($"seeded {incidents} incidents and {stored:N0} events in {seed.Elapsed.TotalSeconds:0} s; load {LoadAverage()}");

        using var http = new HttpClient { BaseAddress = new Uri(router.Url) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Router.ReaderKey);
        var pages = new (string Name, string Path)[]
        {
            ($"inbox ({incidents:N0} open)", "/console"),
            ("inbox filtered by site", "/console?site=site-3"),
            ("inbox filtered by subgroup text", "/console?subgroup=siemens"),
            ("inbox, last page", $"/console?p={(incidents + 49) / 50}"),
            ("incident", $"/console/incidents/{ids[ids.Count / 2]}"),
            ("audit (busiest deployment, now)", "/console/audit?deployment=model-0%401.0.0"),
            ("audit as of an instant", $"/console/audit?deployment=model-0%401.0.0&at={DateTimeOffset.UtcNow.AddHours(-1):yyyy-MM-ddTHH:mm}"),
            ("sign-in", "/console/signin"),
        };
        var rows = new List<PageRow>();
        foreach (var (name, path) in pages)
        {
            var times = new List<double>();
            var bytes = 0;
            for (var i = 0; i < samples + 3; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsByteArrayAsync();
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                response.EnsureSuccessStatusCode();
                bytes = body.Length;
                if (i >= 3)
                {
                    times.Add(ms);
                }
            }

            times.Sort();
            rows.Add(new PageRow(name, samples, times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1], bytes));
            System.Console.WriteLine(rows[^1]);
        }

        // Baseline of the same run: the former reads of the inbox and the audit view (data access only, no rendering).
        var instant = DateTimeOffset.UtcNow;
        var former = new (string Name, Func<IQuerySession, Task<int>> Read)[]
        {
            ($"baseline: former inbox read ({incidents:N0} incident documents), no rendering", s => FormerReads.InboxAsync(s, null)),
            ("baseline: former audit read (raw events folded, now), no rendering", s => FormerReads.AuditAsync(s, "model-0@1.0.0", instant)),
        };
        foreach (var (name, read) in former)
        {
            var times = new List<double>();
            for (var i = 0; i < samples + 3; i++)
            {
                await using var session = store.QuerySession();
                var start = Stopwatch.GetTimestamp();
                await read(session);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i >= 3)
                {
                    times.Add(ms);
                }
            }

            times.Sort();
            rows.Add(new PageRow(name, samples, times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1], 0));
            System.Console.WriteLine(rows[^1]);
        }

        File.Delete(routing);
        var dir = Path.Combine(Router.RepoRoot(), "bench", "Console.Benchmarks", "results");
        Directory.CreateDirectory(dir);
        var result = new
        {
            benchmark = "console-page-server-time", incidents, eventsInStore = stored, samples, targetMs = 300,
            meetsTarget = rows.Where(r => !r.Page.StartsWith("baseline", StringComparison.Ordinal)).All(r => r.P95Ms <= 300),
            date = DateTimeOffset.UtcNow, loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
            machine = new { Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, runtime = Environment.Version.ToString() },
            rows,
        };
        await File.WriteAllTextAsync(Path.Combine(dir, "pages.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        var md = new System.Text.StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"| page ({incidents:N0} open incidents, {stored:N0} events in the store; n={samples}) | p50 ms | p95 ms | max ms | HTML bytes |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Page} | {r.P50Ms:0.0} | {r.P95Ms:0.0} | {r.MaxMs:0.0} | {(r.Bytes == 0 ? "–" : r.Bytes.ToString("N0", CultureInfo.InvariantCulture))} |");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"\nLoad average at the end (1, 5, 15 min): {result.loadAverage}");
        await File.WriteAllTextAsync(Path.Combine(dir, "pages.md"), md.ToString());
        System.Console.WriteLine(md);
        return result.meetsTarget ? 0 : 1;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

    /// <summary>Open incidents spread over 10 deployments and 8 sites, each with its opening events, 8 updates and an acknowledgement for one in three.</summary>
    private static async Task<List<Guid>> SeedIncidentsAsync(IDocumentStore store, RoutingConfig config, int count)
    {
        var ids = new List<Guid>();
        var now = DateTimeOffset.UtcNow.AddDays(-2);
        for (var batch = 0; batch < count; batch += 100)
        {
            await using var session = store.LightweightSession();
            for (var i = batch; i < Math.Min(count, batch + 100); i++)
            {
                var at = now.AddMinutes(i);
                var change = new ChangeDetected
                {
                    ChangeId = $"bench-{i}", Model = new ModelRef($"model-{i % 10}", "1.0.0"), Site = $"site-{i % 8}",
                    RootScope = new Dictionary<string, string> { ["site"] = $"site-{i % 8}", ["manufacturer"] = "SIEMENS" },
                    Kind = i % 5 == 0 ? FindingKind.PerformanceDecay : FindingKind.DistributionShift,
                    Severity = (Severity)(i % 4), Summary = $"Since {at:d MMM HH:mm} at site-{i % 8}, images from SIEMENS scanners are brighter (+1.2 SD); {1000 + i} studies affected",
                    RootFindingId = $"bench-{i}-root",
                    Members = [new($"bench-{i}-root", FindingKind.DistributionShift, "feature:meanIntensity", new Dictionary<string, string> { ["site"] = $"site-{i % 8}" }, Severity.Warning),
                        new($"bench-{i}-c1", FindingKind.DistributionShift, "feature:noiseLevel", new Dictionary<string, string> { ["sex"] = "F" }, Severity.Info)],
                    EstimatedStart = at.AddDays(-1), AffectedEvents = 1000 + i, DetectedAt = at,
                };
                var id = Guid.CreateVersion7();
                var events = IncidentDecisions.Open(id, change, config, at).ToList();
                var alert = Monitoring.AlertRouter.Infrastructure.AlertFold.Apply(new Alert(), events);
                for (var u = 1; u <= 8; u++)
                {
                    var evidence = new FindingEvidence
                    {
                        Signal = "feature:meanIntensity", Method = "ks", Statistic = 0.1 + 0.02 * u, Threshold = 0.12, AdjustedPValue = 1e-6,
                        Window = new WindowBounds(u * 100, u * 100 + 99, at.AddHours(u - 1), at.AddHours(u)), ReferenceSize = 8000, CurrentSize = 200 + u, ReferenceId = "ref", PolicyVersion = 2,
                    };
                    var update = new AlertUpdated($"bench-{i}-root", alert.Severity, alert.ClinicalSafety, evidence, null, u + 1, alert.DecisionDueAt, at.AddHours(u), at.AddHours(u));
                    events.Add(update);
                    alert = Monitoring.AlertRouter.Infrastructure.AlertFold.Apply(alert, [update]);
                }

                if (i % 3 == 0)
                {
                    events.Add(new AlertAcknowledged("bench-oncall", "looking", at.AddHours(9)));
                }

                session.Events.StartStream<Alert>(id, events.ToArray());
                ids.Add(id);
            }

            await session.SaveChangesAsync();
        }

        return ids;
    }

    /// <summary>
    /// Filler events (copies of a stored update, in streams of 1,000) up to <paramref name="target"/> events in the store, written
    /// with one INSERT ... SELECT: the pages never read them, but they share the tables and indexes the pages query.
    /// </summary>
    private static async Task<long> FillAsync(string schema, int target)
    {
        await using var conn = new NpgsqlConnection(Router.Pg);
        await conn.OpenAsync();
        async Task<long> Count()
        {
            await using var c = new NpgsqlCommand($"select count(*) from \"{schema}\".mt_events", conn);
            return (long)(await c.ExecuteScalarAsync())!;
        }

        var have = await Count();
        var missing = target - have;
        if (missing <= 0)
        {
            return have;
        }

        var streams = (missing + 999) / 1000;
        var sql = $"""
            insert into "{schema}".mt_streams (id, type, version, timestamp, created, tenant_id, is_archived)
              select ('00000000-0000-7000-8000-' || lpad(to_hex(s), 12, '0'))::uuid, 'filler', 1000, now(), now(), '*DEFAULT*', false
              from generate_series(1, {streams}) s;
            insert into "{schema}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
              select nextval('"{schema}".mt_events_sequence'), gen_random_uuid(),
                     ('00000000-0000-7000-8000-' || lpad(to_hex((n - 1) / 1000 + 1), 12, '0'))::uuid, (n - 1) % 1000 + 1,
                     t.data, t.type, now(), '*DEFAULT*', t.mt_dotnet_type, false
              from generate_series(1, {missing}) n, (select data, type, mt_dotnet_type from "{schema}".mt_events where type = 'alert_updated' limit 1) t;
            analyze "{schema}".mt_events;
            """;
        await using (var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 1800 })
        {
            await cmd.ExecuteNonQueryAsync();
        }

        return await Count();
    }
}
