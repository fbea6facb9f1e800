using System.Net;
using System.Text.Json.Nodes;
using Monitoring.Deploy.Tests.Support;

namespace Monitoring.Deploy.Tests.Integration;

/// <summary>Each published service, started with the rendered production Deployment's environment, answers its probes.</summary>
[Collection(StackCollection.Name)]
public class ManifestStartTests(StackFixture stack)
{
    public static TheoryData<string> Services => new() { "ingest", "drift-detector", "alert-router" };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task GivenTheProductionEnvironment_ThenProbesAnswerOnTheManifestPortAndMetricsWhereScraped(string name)
    {
        var service = stack.Services[name];
        var container = stack.Deployment(name)["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(8080, (long)container["ports"]![0]!["containerPort"]!); // mapped to service.Port for this machine
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            var get = container[probe]!["httpGet"]!;
            Assert.Equal("http", (string?)get["port"]);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync((string)get["path"]!)).StatusCode);
        }

        // The ServiceMonitor scrapes the Service port named http at its path; the Service targets the container's http port.
        var endpoint = Manifests.Single(stack.Objects, "ServiceMonitor", "imaging-ai-monitoring")["spec"]!["endpoints"]![0]!;
        var servicePort = Manifests.Single(stack.Objects, "Service", name)["spec"]!["ports"]![0]!;
        Assert.Equal((string?)endpoint["port"], (string?)servicePort["name"]);
        Assert.Equal("http", (string?)servicePort["targetPort"]);
        var metrics = await http.GetStringAsync((string)endpoint["path"]!);
        Assert.Contains("# TYPE", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void GivenAspNetCoreUrls_ThenItIsTheAddressListenedOn(string name)
    {
        var service = stack.Services[name];

        // The start-up self-check logs the effective address: the environment's, not an appsettings default.
        var log = File.ReadAllText(service.LogFile);
        Assert.Contains($"listening on http://[::]:{service.Port}", log, StringComparison.Ordinal);
        Assert.Contains($"vhost '{stack.VirtualHost}'", log, StringComparison.Ordinal);
        Assert.Equal($"http://+:{service.Port}", service.Environment["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void GivenTheShippedRoutingFile_ThenTheRouterLoadedItAndLoggedItsReceivers()
    {
        var log = File.ReadAllText(stack.Services["alert-router"].LogFile);

        Assert.Contains("is in force; receivers:", log, StringComparison.Ordinal);
        Assert.Contains("mlops-pagerduty [pagerduty https://events.pagerduty.com]", log, StringComparison.Ordinal);
        Assert.DoesNotContain("test-pagerduty-mlops-routing-key", log, StringComparison.Ordinal); // keys never logged
    }
}
