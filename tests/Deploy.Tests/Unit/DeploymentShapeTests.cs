using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Monitoring.AlertRouter.Routing;
using Monitoring.Deploy.Tests.Support;

namespace Monitoring.Deploy.Tests.Unit;

/// <summary>What the rendered Deployments must say, beyond their schema.</summary>
public partial class DeploymentShapeTests
{
    private static readonly string[] Services = ["ingest", "drift-detector", "alert-router"];

    [Theory]
    [InlineData("dev")]
    [InlineData("production")]
    public async Task EveryDeployment_RunsNonRootWithoutAServiceAccountTokenAndStopsWithinItsGracePeriod(string overlay)
    {
        var objects = await Manifests.RenderAsync(overlay);
        foreach (var name in Services)
        {
            var pod = Manifests.Single(objects, "Deployment", name)["spec"]!["template"]!["spec"]!;
            Assert.False((bool)pod["automountServiceAccountToken"]!, name);
            Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!, name);
            // The services stop within 10 s; the grace period must leave room for that and never be shorter.
            Assert.InRange((long)pod["terminationGracePeriodSeconds"]!, 15, 30);
            Assert.True((bool)pod["containers"]![0]!["securityContext"]!["readOnlyRootFilesystem"]!, name);
        }
    }

    [Theory]
    [InlineData("drift-detector")]
    [InlineData("alert-router")]
    public async Task SingleActiveServices_UseRecreateAndOneReplica(string name)
    {
        var spec = Manifests.Single(await Manifests.RenderAsync("production"), "Deployment", name)["spec"]!;

        Assert.Equal("Recreate", (string?)spec["strategy"]!["type"]);
        Assert.Equal(1, (long)spec["replicas"]!);
    }

    [Fact]
    public async Task Ingest_IsScaledByItsAutoscaler()
    {
        var objects = await Manifests.RenderAsync("production");
        var hpa = Manifests.Single(objects, "HorizontalPodAutoscaler", "ingest");

        Assert.Equal("ingest", (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        Assert.Null(Manifests.Single(objects, "Deployment", "ingest")["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Production_ImagesAreTheDockerfilesNamesWithAPinnedTag()
    {
        var objects = await Manifests.RenderAsync("production");
        foreach (var (name, project) in new[] { ("ingest", "Ingest"), ("drift-detector", "DriftDetector"), ("alert-router", "AlertRouter") })
        {
            var image = (string)Manifests.Single(objects, "Deployment", name)["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;
            var dockerfile = File.ReadAllText(Repo.PathOf("services", project, "Dockerfile"));

            Assert.Equal($"monitoring/{name}:1.0.0", image);
            Assert.Contains($"-t monitoring/{name}:", dockerfile, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^USER 10001", dockerfile);
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"Monitoring.{project}.dll\"]", dockerfile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Production_TalksTlsToBothBackends()
    {
        var objects = await Manifests.RenderAsync("production");
        var config = Manifests.Single(objects, "ConfigMap", "monitoring-config")["data"]!;
        Assert.Equal("true", (string?)config["rabbitmq-tls"]);
        Assert.Equal("5671", (string?)config["rabbitmq-port"]);
        Assert.Equal("realm_access.roles", (string?)config["oidc-role-claim"]);
        foreach (var name in Services)
        {
            var env = Env(Manifests.Single(objects, "Deployment", name));
            Assert.Contains("SSL Mode=VerifyFull;Root Certificate=/etc/monitoring/postgres-ca/ca.crt", (string?)env["ConnectionStrings__Marten"]?["value"], StringComparison.Ordinal);
            Assert.Equal("/etc/monitoring/rabbitmq-ca/ca.crt", (string?)env["RabbitMq__CaFile"]?["value"]);
        }

        Assert.True((bool)Manifests.Single(objects, "RabbitmqCluster", "rabbitmq")["spec"]!["tls"]!["disableNonTLSListeners"]!);
    }

    /// <summary>
    /// The routing file shipped in the overlay loads under the production Deployment's environment: every ${NAME}
    /// without a default is supplied, from a Secret.
    /// </summary>
    [Fact]
    public async Task Production_SuppliesEveryNameTheShippedRoutingFileUses()
    {
        var objects = await Manifests.RenderAsync("production");
        var routing = (string)Manifests.Single(objects, "ConfigMap", "alert-router-routing")["data"]!["routing.yaml"]!;
        var env = Env(Manifests.Single(objects, "Deployment", "alert-router"));

        var names = EnvironmentExpander.Names(routing);
        Assert.NotEmpty(names);
        foreach (var (name, hasDefault) in names)
        {
            if (!hasDefault)
            {
                Assert.True(env.ContainsKey(name), $"the routing file uses ${{{name}}} but the alert-router Deployment does not set it");
            }

            if (env.TryGetValue(name, out var entry))
            {
                Assert.NotNull(entry["valueFrom"]?["secretKeyRef"]); // receiver settings come from a Secret, never a literal
            }
        }

        // And with exactly those names answering (test values), the file parses.
        var config = RoutingConfigParser.Parse(routing, n => env.ContainsKey(n) ? (n.EndsWith("_URL", StringComparison.Ordinal) ? "https://hook.test/x" : n == "SMTP_SMARTHOST" ? "smtp.test:587" : "value") : null);
        Assert.NotEmpty(config.Receivers);
    }

    [Fact]
    public async Task PrometheusRulesFile_IsThePrometheusRuleGroups()
    {
        var rule = Manifests.Single(await Manifests.RenderAsync("production"), "PrometheusRule", "imaging-ai-monitoring");
        var file = YamlJson.Documents(File.ReadAllText(Repo.PathOf("deploy", "prometheus", "rules.yml")))[0];

        Assert.True(JsonNode.DeepEquals(rule["spec"]!["groups"], file["groups"]), "deploy/prometheus/rules.yml differs from the PrometheusRule in deploy/k8s/base");
    }

    [Fact]
    public async Task EveryAlertRule_FiresInItsPromtoolUnitTest_AfterItsForDuration()
    {
        // promtool evaluates the rules over synthetic series in simulated time: each fires after its `for:`, with the labels
        // and text Alertmanager routes and shows, and the look-alike inputs (a working queue, 40 % rejects) do not.
        var output = await Repo.RunAsync("promtool", ["test", "rules", "rules.test.yml"], Repo.PathOf("deploy", "prometheus"));
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);

        // A rule added without a test of it firing fails here.
        var rules = YamlJson.Documents(File.ReadAllText(Repo.PathOf("deploy", "prometheus", "rules.yml")))[0]["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray()).Select(r => (string?)r!["alert"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var tested = YamlJson.Documents(File.ReadAllText(Repo.PathOf("deploy", "prometheus", "rules.test.yml")))[0]["tests"]!.AsArray()
            .SelectMany(t => t!["alert_rule_test"]!.AsArray())
            .Where(c => c!["exp_alerts"]!.AsArray().Count > 0)
            .Select(c => (string)c!["alertname"]!).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(rules.Except(tested));
    }

    [Fact]
    public void AppSettings_CarryNoListenAddress()
    {
        foreach (var file in Directory.GetFiles(Repo.PathOf("services"), "appsettings*.json", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            Assert.DoesNotMatch(UrlsKey(), File.ReadAllText(file));
        }
    }

    [GeneratedRegex("\"(Urls|urls|Kestrel)\"\\s*:")]
    private static partial Regex UrlsKey();

    internal static Dictionary<string, JsonNode> Env(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => (string)e!["name"]!, e => e!);
}
