using System.Net;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Api;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>Mean shift at one site, through the real store, the subscription, RabbitMQ and the API.</summary>
public sealed class EndToEndTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenAMeanShiftAtOneSiteInTheStore_WhenTheDetectorCatchesUp_ThenTheFindingIsStoredPublishedAndServed()
    {
        await env.AppendAsync(new SyntheticStream(31, InjectedChange.MeanShiftAtSiteB, 12_000) { IdPrefix = "e2e" }.Generate(16_000));
        await using var host = env.StartHost();
        await host.CatchUpAsync();

        var findings = await host.GetAsync<List<FindingView>>("/v1/findings?deployment=cxr-triage@2.3.1");
        var shift = Assert.Single(findings, f => f.Evidence!.Signal == "feature:meanIntensity" && f.Scope == "site=B");
        Assert.Equal("B", shift.Site);
        Assert.Equal("open", shift.Status);
        Assert.Equal(1, shift.Evidence!.PolicyVersion);
        Assert.DoesNotContain(findings, f => f.Evidence!.Signal == "feature:meanIntensity" && f.Scope is "site=A" or "site=C");

        var published = await env.TakeAsync("DriftDetected", m => m.GetProperty("findingId").GetString() == shift.Id, TimeSpan.FromSeconds(30));
        Assert.Equal("distribution-shift", published.GetProperty("kind").GetString());
        Assert.Equal("B", published.GetProperty("site").GetString());
        Assert.Equal("cusum", published.GetProperty("evidence").GetProperty("method").GetString());

        // One change, its root cause site=B, published once and served by the change resource.
        var changeId = published.GetProperty("changeId").GetString()!;
        Assert.True(published.GetProperty("isRootCause").GetBoolean());
        var change = await env.TakeAsync("ChangeDetected", m => m.GetProperty("changeId").GetString() == changeId, TimeSpan.FromSeconds(30));
        Assert.Equal("B", change.GetProperty("rootScope").GetProperty("site").GetString());
        Assert.Equal(shift.Id, change.GetProperty("rootFindingId").GetString());
        var changes = await host.GetAsync<JsonElement>("/v1/changes?deployment=cxr-triage@2.3.1");
        Assert.Contains(changes.EnumerateArray(), c => c.GetProperty("id").GetString() == changeId && c.GetProperty("rootScope").GetString() == "site=B");
        var changeDetail = await host.GetAsync<JsonElement>($"/v1/changes/{changeId}");
        Assert.Equal("change_opened", changeDetail.GetProperty("history")[0].GetProperty("type").GetString());

        var detail = await host.GetAsync<JsonElement>($"/v1/findings/{shift.Id}");
        Assert.Equal("finding_opened", detail.GetProperty("history")[0].GetProperty("type").GetString());

        var state = await host.GetAsync<JsonElement>("/v1/deployments/cxr-triage@2.3.1/state");
        var rows = state.GetProperty("rows").EnumerateArray().ToList();
        var tiny = rows.Where(r => r.GetProperty("scope").GetString() == "ethnicity=group-z").ToList();
        Assert.NotEmpty(tiny);
        Assert.All(tiny, r =>
        {
            Assert.Equal("insufficient-evidence", r.GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("statistic").ValueKind);
            if (r.GetProperty("suppressed").GetBoolean()) Assert.Equal(JsonValueKind.Null, r.GetProperty("currentSize").ValueKind);
            else Assert.True(r.GetProperty("currentSize").GetInt64() >= 11, "a cell below k = 11 is never exposed");
        });
        Assert.Contains(tiny, r => r.GetProperty("suppressed").GetBoolean());
        var siteB = Assert.Single(rows, r => r.GetProperty("scope").GetString() == "site=B" && r.GetProperty("signal").GetString() == "feature:meanIntensity");
        Assert.Equal("detected", siteB.GetProperty("state").GetString());
        Assert.Equal(shift.Id, siteB.GetProperty("openFindingId").GetString());
    }

    [Fact]
    public async Task GivenTheApi_WhenCalledWithoutKeyOrWithTheWrongRole_ThenItRefusesAndServesItsOpenApiDocument()
    {
        await using var host = env.StartHost(new Dictionary<string, string?> { ["DriftDetector:AutoStart"] = "false" });

        using var anonymous = host.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/findings")).StatusCode);
        using var producer = host.Client(DriftEnvironment.ProducerKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await producer.GetAsync("/v1/findings")).StatusCode);
        using var oncall = host.Client(DriftEnvironment.ReaderKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await oncall.PostAsync("/v1/admin/rebuild", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await oncall.GetAsync("/v1/deployments/unknown@1/state")).StatusCode);
        var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/v1/deployments/{deployment}/state", await openApi.Content.ReadAsStringAsync());
    }
}
