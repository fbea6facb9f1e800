using System.Text.Json.Nodes;
using Monitoring.Deploy.Tests.Support;

namespace Monitoring.Deploy.Tests.Unit;

/// <summary>Every overlay renders, and every rendered object is valid against the strict schema of its kind.</summary>
public class ManifestSchemaTests
{
    public static TheoryData<string> Overlays => new() { "dev", "production" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task GivenAnOverlay_WhenRendered_ThenEveryObjectValidatesAgainstItsStrictSchema(string overlay)
    {
        var objects = await Manifests.RenderAsync(overlay);

        Assert.True(objects.Count > 30, $"{overlay} rendered only {objects.Count} objects");
        var errors = objects.SelectMany(Manifests.Validate).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task GivenAnyRenderedObject_WhenAnUnknownFieldIsPlanted_ThenItIsRefused(string overlay)
    {
        foreach (var original in await Manifests.RenderAsync(overlay))
        {
            var planted = (JsonObject)original.DeepClone();
            var target = planted["spec"] as JsonObject ?? planted;
            target["notAField"] = "planted";

            Assert.True(Manifests.Validate(planted).Count > 0, $"{original["kind"]}/{original["metadata"]?["name"]}: a planted spec.notAField was accepted");
        }
    }

    [Theory]
    [InlineData("Deployment", "alert-router", "/spec/template/spec/containers/0", "livenessProbe2")]
    [InlineData("Deployment", "ingest", "/spec/template/spec/containers/0/securityContext", "runAsRoot")]
    [InlineData("Cluster", "monitoring-pg", "/spec/backup/barmanObjectStore", "bucket")]
    [InlineData("RabbitmqCluster", "rabbitmq", "/spec/rabbitmq", "plugins")]
    [InlineData("ServiceMonitor", "rabbitmq", "/spec/endpoints/0", "metricsPath")]
    [InlineData("PrometheusRule", "imaging-ai-monitoring", "/spec/groups/0/rules/0", "expression")]
    [InlineData("Vhost", "monitoring", "/spec", "queueType")]
    [InlineData("NetworkPolicy", "services", "/spec/ingress/0/from/0", "podSelectors")]
    public async Task GivenADeepUnknownField_WhenValidated_ThenTheStrictSchemaRefusesIt(string kind, string name, string pointer, string field)
    {
        var obj = (JsonObject)Manifests.Single(await Manifests.RenderAsync("production"), kind, name).DeepClone();
        Assert.Empty(Manifests.Validate(obj));

        JsonNode node = obj;
        foreach (var segment in pointer.Trim('/').Split('/'))
        {
            node = int.TryParse(segment, out var i) ? node[i]! : node[segment]!;
        }

        node.AsObject()[field] = "planted";

        var errors = Manifests.Validate(obj);
        Assert.NotEmpty(errors);
    }
}
