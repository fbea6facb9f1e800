using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Monitoring.Deploy.Tests.Support;
using Monitoring.TestSupport;

namespace Monitoring.Deploy.Tests.Integration;

/// <summary>
/// Debian's Prometheus scrapes the running services and RabbitMQ's per-object endpoint, with the labels the Prometheus
/// Operator adds; after a burst with an injected change, every dashboard panel query returns real series and every
/// rule expression parses; stopping the Ingest makes <c>up == 0</c> fire. Writes docs/dashboards.md as evidence.
/// </summary>
[Collection(StackCollection.Name)]
public class LivePrometheusTests(StackFixture stack)
{
    private const string Namespace = "imaging-ai-monitoring";

    [Fact]
    public async Task GivenABurstWithAChange_ThenEveryPanelReturnsDataEveryRuleParsesAndAStoppedIngestFires()
    {
        var rule = Manifests.Single(stack.Objects, "PrometheusRule", Namespace);
        await using var prometheus = await PrometheusServer.StartAsync(
            Path.Combine(Path.GetTempPath(), TestInfrastructure.UniqueName("prom")), ScrapeConfig(), File.ReadAllText(Repo.PathOf("deploy", "prometheus", "rules.yml")));
        await Repo.RunAsync("promtool", ["check", "config", Path.Combine(prometheus.Directory, "prometheus.yml")]);
        await Repo.RunAsync("promtool", ["check", "rules", Path.Combine(prometheus.Directory, "rules.yml")]);

        await FeedAsync();
        await InjectRejectsAndAPoisonMessageAsync();
        await ActOnAnAlertAsync();
        await CheckMetricsAsync();

        // Every dashboard panel query returns series (evaluated after a few scrapes of the state above).
        var panels = Panels().ToList();
        var evidence = new List<(string Dashboard, string Panel, string Expr, int Series, string Sample)>();
        var missing = new List<string>();
        async Task<bool> EveryPanelHasDataAsync()
        {
            evidence.Clear();
            missing.Clear();
            foreach (var (dashboard, panel, expr) in panels)
            {
                var (ok, error, series) = await prometheus.QueryAsync(expr);
                Assert.True(ok, $"{dashboard} / {panel}: {expr} does not parse: {error}");
                evidence.Add((dashboard, panel, expr, series.Count, series.Count > 0 ? Sample(series[0]!) : ""));
                // A series whose value is NaN (a quantile with nothing observed) is no data either.
                if (series.Count == 0 || series.All(x => (string?)x!["value"]![1] is "NaN"))
                {
                    missing.Add($"{dashboard} / {panel}: {expr}");
                }
            }

            return missing.Count == 0;
        }

        try
        {
            await Eventually.HoldsAsync(EveryPanelHasDataAsync, TimeSpan.FromSeconds(90), "every panel returns data");
        }
        catch (Xunit.Sdk.XunitException ex) when (ex.Message.StartsWith("Timed out", StringComparison.Ordinal))
        {
            // Reported below with the list of panels still without data.
        }

        Assert.All(panels, p => Assert.DoesNotMatch(@"or\s+vector\(|absent\(", p.Expr));
        Assert.True(missing.Count == 0, "panels without data:\n" + string.Join('\n', missing));

        // Every rule expression parses and evaluates.
        foreach (var r in rule["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()))
        {
            var (ok, error, _) = await prometheus.QueryAsync((string)r!["expr"]!);
            Assert.True(ok, $"rule {r["alert"]}: {error}");
        }

        // The error queue the poison message went to is visible to the rule.
        var (_, _, dead) = await prometheus.QueryAsync((string)rule["spec"]!["groups"]![0]!["rules"]!.AsArray().Single(r => (string?)r!["alert"] == "ErrorQueueNotEmpty")!["expr"]!);
        Assert.Contains(dead, s => ((string?)s!["metric"]!["queue"])?.EndsWith("_error", StringComparison.Ordinal) == true);

        WriteEvidence(evidence);

        // Stop the Ingest: its target goes down and MonitoringServiceDown becomes active for it.
        var ingest = stack.Services["ingest"];
        await ingest.StopAsync(TimeSpan.FromSeconds(20));
        try
        {
            var down = await Eventually.ReturnsAsync(async () => (await prometheus.QueryAsync("up{job=\"ingest\"} == 0")).Series, s => s.Count == 1,
                TimeSpan.FromSeconds(60), "up{job=\"ingest\"} == 0 after the Ingest stopped");
            Assert.Equal(Namespace, (string?)down[0]!["metric"]!["namespace"]);
            var alert = await Eventually.ReturnsAsync(prometheus.AlertsAsync,
                a => a.Any(x => (string?)x!["labels"]!["alertname"] == "MonitoringServiceDown" && (string?)x["labels"]!["job"] == "ingest"),
                TimeSpan.FromSeconds(60), "MonitoringServiceDown pending or firing for the Ingest");
            Assert.Contains(alert, x => (string?)x!["state"] is "pending" or "firing");
        }
        finally
        {
            ingest.Start();
            await stack.WaitReadyAsync(ingest);
        }
    }

    /// <summary>Scrape config: each service and RabbitMQ, relabeled with the namespace, pod and service labels the operator adds.</summary>
    private string ScrapeConfig()
    {
        var sb = new StringBuilder("global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [ rules.yml ]\nscrape_configs:\n");
        void Job(string job, string target, string path) => sb.Append(CultureInfo.InvariantCulture, $"""
              - job_name: {job}
                metrics_path: {path}
                static_configs: [ {"{"} targets: ["{target}"] {"}"} ]
                relabel_configs:
                  - {"{"} target_label: namespace, replacement: {Namespace} {"}"}
                  - {"{"} target_label: service, replacement: {job} {"}"}
                  - {"{"} target_label: pod, replacement: {job}-0 {"}"}

            """);
        foreach (var (name, service) in stack.Services)
        {
            Job(name, $"127.0.0.1:{service.Port}", "/metrics");
        }

        Job("rabbitmq", "127.0.0.1:15692", "/metrics/per-object");
        return sb.ToString();
    }

    /// <summary>Fourteen simulated days; paediatric studies mix in at one site from day 9, after the policy's reference (its first 8,000 inferences, about a week). The simulator posts to the Ingest; labels mature in the stream.</summary>
    private async Task FeedAsync()
    {
        var ingest = stack.Services["ingest"].BaseAddress.ToString().TrimEnd('/');
        await Repo.RunAsync("dotnet", [Repo.PathOf("tools", "Simulator", "bin", "Release", "net10.0", "Monitoring.Simulator.dll"),
            "--scenario", "paediatric-mix", "--days", "14", "--change-day", "9", "--seed", "42", "--sink", "http", "--url", ingest,
            "--api-key", StackFixture.ApiKey, "--run-tag", stack.SchemaPrefix, "--quiet"], timeout: TimeSpan.FromMinutes(6));
    }

    private async Task InjectRejectsAndAPoisonMessageAsync()
    {
        using var ingest = stack.Client("ingest");
        var bad = await ingest.PostAsync("/v1/inferences", new StringContent("""[{"inferenceId":"deploy-test-bad","patientName":"Doe^Jane"}]""", Encoding.UTF8, "application/json"));
        Assert.False(bad.IsSuccessStatusCode && (await bad.Content.ReadAsStringAsync()).Contains("\"rejected\":0", StringComparison.Ordinal));

        // A message no consumer can read goes to the AlertRouter's error queue (after MassTransit's handling).
        using var management = new HttpClient { BaseAddress = TestInfrastructure.RabbitManagement };
        management.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestInfrastructure.RabbitUser}:{TestInfrastructure.RabbitPassword}")));
        var published = await management.PostAsJsonAsync($"api/exchanges/{Uri.EscapeDataString(stack.VirtualHost)}/amq.default/publish", new
        {
            routing_key = "alert-router", payload = "{ not json", payload_encoding = "string",
            properties = new { content_type = "application/vnd.masstransit+json" },
        });
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        await Eventually.HoldsAsync(async () => await TestInfrastructure.QueueMessageCountAsync(stack.VirtualHost, "alert-router_error") > 0,
            TimeSpan.FromSeconds(60), "the poison message reaches alert-router_error");
    }

    /// <summary>Waits for the change to reach the AlertRouter as an alert; acknowledges it and records a decision.</summary>
    private async Task ActOnAnAlertAsync()
    {
        using var router = stack.Client("alert-router");
        var alerts = await Eventually.ReturnsAsync(async () => JsonNode.Parse(await router.GetStringAsync("/alerts"))!, a => Items(a).Count > 0,
            TimeSpan.FromMinutes(8), "an alert raised from the injected change");
        var id = (string)Items(alerts)[0]!["id"]!;
        var ack = await router.PostAsJsonAsync($"/alerts/{id}/acknowledge", new { note = "deploy test: looking" });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        var decision = await router.PostAsJsonAsync($"/alerts/{id}/decision", new { decision = "continue", rationale = "deploy test: paediatric studies routed away" });
        Assert.True(decision.IsSuccessStatusCode, await decision.Content.ReadAsStringAsync());
    }

    private static JsonArray Items(JsonNode list) => list as JsonArray ?? list["items"]?.AsArray() ?? list["alerts"]!.AsArray();

    /// <summary><c>promtool check metrics</c> on each service's /metrics output.</summary>
    private async Task CheckMetricsAsync()
    {
        foreach (var (name, service) in stack.Services)
        {
            using var http = new HttpClient();
            var file = Path.Combine(Path.GetTempPath(), $"{stack.SchemaPrefix}-{name}.prom");
            await File.WriteAllTextAsync(file, await http.GetStringAsync(new Uri(service.BaseAddress, "/metrics")));
            // Exit 1: the exposition does not parse. Exit 3: lint findings only; those on .NET's built-in meters
            // (System.Runtime, System.Net.Http, bridged by prometheus-net) are outside this code, ours must have none.
            var output = await Repo.RunAsync("bash", ["-c", $"promtool check metrics < '{file}' 2>&1; echo \"exit=$?\""]);
            Assert.True(output.Contains("exit=0", StringComparison.Ordinal) || output.Contains("exit=3", StringComparison.Ordinal), $"{name}: {output}");
            Assert.DoesNotMatch(@"(?m)^(ingest|drift|alertrouter)_", output);
        }
    }

    private static IEnumerable<(string Dashboard, string Panel, string Expr)> Panels()
    {
        foreach (var file in Directory.GetFiles(Repo.PathOf("deploy", "grafana"), "*.json").Order(StringComparer.Ordinal))
        {
            var d = JsonNode.Parse(File.ReadAllText(file))!;
            foreach (var p in d["panels"]!.AsArray())
            {
                foreach (var t in p!["targets"]!.AsArray())
                {
                    yield return ((string)d["title"]!, (string)p["title"]!, (string)t!["expr"]!);
                }
            }

            foreach (var a in d["annotations"]?["list"]?.AsArray() ?? [])
            {
                yield return ((string)d["title"]!, $"annotation: {a!["name"]}", (string)a["expr"]!);
            }
        }
    }

    private static string Sample(JsonNode series)
    {
        var labels = series["metric"]!.AsObject().Where(kv => kv.Key is not ("__name__" or "namespace" or "pod" or "service" or "instance"))
            .Select(kv => $"{kv.Key}={kv.Value}");
        return $"{{{string.Join(", ", labels)}}} = {(string?)series["value"]![1]}";
    }

    private static void WriteEvidence(IEnumerable<(string Dashboard, string Panel, string Expr, int Series, string Sample)> rows)
    {
        var md = new StringBuilder("""
            # Dashboard panels and the data they returned

            Generated by `tests/Deploy.Tests` (`LivePrometheusTests`): Debian's Prometheus scraped the three services,
            published and started with the rendered production Deployment's environment, and RabbitMQ's
            `/metrics/per-object`, after a simulated burst (scenario `paediatric-mix`, 14 days, change on day 9), a rejected
            item, a poison message and an acknowledged alert with a decision. Each query was evaluated through the HTTP API;
            "series" is how many it returned, "sample" the first one. Regenerate: `dotnet test tests/Deploy.Tests --filter LivePrometheus`.

            | dashboard | panel | query | series | sample |
            |---|---|---|---|---|

            """);
        foreach (var r in rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.Dashboard} | {r.Panel} | `{r.Expr.Replace("|", "\\|", StringComparison.Ordinal)}` | {r.Series} | {r.Sample.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        File.WriteAllText(Repo.PathOf("docs", "dashboards.md"), md.ToString());
    }
}
