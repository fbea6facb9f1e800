using System.Net;
using System.Text.Json;
using Monitoring.AlertRouter.Tests.Support;

namespace Monitoring.AlertRouter.Tests.Integration;

/// <summary>Routing files after start: a bad one is refused with every error, the last good one stays, readiness follows.</summary>
public class RoutingReloadTests
{
    private const string Good = """
        # Receivers come from ${SOME_SECRET_NAME} in production: a comment, never expanded.
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs:
              - url: http://127.0.0.1:9/hook
        """;

    [Fact]
    public async Task GivenAGoodFile_WhenABadOneReplacesIt_ThenReloadAnswers422WithEveryErrorAndTheGoodOneStays()
    {
        await using var host = await RouterHost.StartAsync("ar_reload", Good);
        using var admin = host.Client("admin");
        var before = JsonDocument.Parse(await admin.GetStringAsync("/routing")).RootElement.GetProperty("version").GetString();
        Assert.False(string.IsNullOrEmpty(before));

        await File.WriteAllTextAsync(host.RoutingFile, """
            route:
              receiver: team
              group_wait: soon
            receivers:
              - name: team
                webhook_configs:
                  - url: ${MISSING_WEBHOOK_URL}
              - name: other
                colour: blue
            """);
        var response = await admin.PostAsync("/routing/reload", null);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(host.RoutingFile, problem.GetProperty("file").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Single(errors); // the expander stops before YAML: every missing name, here one, with its place
        Assert.Equal(7, errors[0].GetProperty("line").GetInt32());
        Assert.Equal(14, errors[0].GetProperty("column").GetInt32());
        Assert.Contains("MISSING_WEBHOOK_URL", errors[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at Monitoring.", body, StringComparison.Ordinal); // no stack trace

        await File.WriteAllTextAsync(host.RoutingFile, """
            route:
              receiver: team
              group_wait: soon
            receivers:
              - name: team
                webhook_configs:
                  - url: http://127.0.0.1:9/other
              - name: other
                colour: blue
            """);
        response = await admin.PostAsync("/routing/reload", null);
        problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal([3, 9], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));

        var after = JsonDocument.Parse(await admin.GetStringAsync("/routing")).RootElement;
        Assert.Equal(before, after.GetProperty("version").GetString());
        using var anonymous = host.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode); // degraded, still serving the good one
    }

    [Fact]
    public async Task GivenNoGoodFileEver_WhenStarted_ThenNotReady()
    {
        await using var host = await RouterHost.StartAsync("ar_unready", "route:\n  receiver: nobody\nreceivers: []\n");
        using var anonymous = host.Client(null);

        var ready = await anonymous.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
    }
}
