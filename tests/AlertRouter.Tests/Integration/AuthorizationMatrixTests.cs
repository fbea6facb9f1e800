using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.AlertRouter.Tests.Support;

namespace Monitoring.AlertRouter.Tests.Integration;

public sealed class AuthorizationFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_auth", Yaml.Escalation(Listener));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }

    public async Task<Guid> NewAlertAsync()
    {
        var finding = Findings.Detected($"auth-{Guid.NewGuid():N}");
        await Host.PublishAsync(finding);
        return (await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised")).Id;
    }

    public async Task<Guid> NewSilenceAsync()
    {
        var response = await Host.Client("oncall").PostAsJsonAsync("/silences", new
        {
            matchers = new[] { $"model=\"silenced-{Guid.NewGuid():N}\"" },
            endsAt = Host.Clock.GetUtcNow().AddHours(1),
            reason = "maintenance window",
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("silence").GetProperty("id").GetGuid();
    }
}

/// <summary>Every endpoint × every role: 401 without credentials, 403 without the role, 2xx with it.</summary>
public class AuthorizationMatrixTests(AuthorizationFixture fixture) : IClassFixture<AuthorizationFixture>
{
    private const string Read = "oncall,safety,auditor,admin";
    private const string Operate = "oncall,safety,admin";
    private const string Decide = "safety,admin";
    private const string Admin = "admin";

    private static readonly (string Method, string Path, string Allowed)[] Endpoints =
    [
        ("GET", "/alerts", Read),
        ("GET", "/alerts/{alert}", Read),
        ("POST", "/alerts/{alert}/acknowledge", Operate),
        ("POST", "/alerts/{alert}/decision", Decide),
        ("POST", "/alerts/{alert}/resolve", Operate),
        ("GET", "/silences", Read),
        ("GET", "/silences/{silence}", Read),
        ("POST", "/silences", Operate),
        ("POST", "/silences/{silence}/approve", Decide),
        ("POST", "/silences/{silence}/expire", Operate),
        ("GET", "/routing", Read),
        ("GET", "/routing/history", Read),
        ("POST", "/routing/reload", Admin),
    ];

    private static readonly string?[] Callers = [null, "producer", "oncall", "safety", "auditor", "admin"];

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (method, path, _) in Endpoints)
        {
            foreach (var caller in Callers)
            {
                data.Add(method, path, caller ?? "anonymous");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryEndpointAnswersEveryRoleAsThePolicySays(string method, string path, string caller)
    {
        var allowed = Endpoints.Single(e => e.Method == method && e.Path == path).Allowed.Split(',');
        var who = caller == "anonymous" ? null : caller;
        var url = path;
        if (url.Contains("{alert}", StringComparison.Ordinal)) url = url.Replace("{alert}", (await fixture.NewAlertAsync()).ToString(), StringComparison.Ordinal);
        if (url.Contains("{silence}", StringComparison.Ordinal)) url = url.Replace("{silence}", (await fixture.NewSilenceAsync()).ToString(), StringComparison.Ordinal);
        object body = path switch
        {
            "/alerts/{alert}/decision" => new { decision = "continue-with-closer-monitoring", rationale = "effect within tolerance; watch weekly" },
            "/silences" => new { matchers = new[] { "site=\"hospital-z\"" }, endsAt = fixture.Host.Clock.GetUtcNow().AddHours(2), reason = "scanner maintenance" },
            _ => new { note = "checked" },
        };

        using var client = fixture.Host.Client(who);
        using var response = method == "GET" ? await client.GetAsync(url) : await client.PostAsJsonAsync(url, body);

        var expected = who is null ? "401" : allowed.Contains(who) ? "2xx" : "403";
        var actual = (int)response.StatusCode is >= 200 and < 300 ? "2xx" : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expected == actual, $"{method} {path} as {caller}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task TheOpenApiDocumentIsServedAndListsTheEndpoints()
    {
        using var response = await fixture.Host.Client(null).GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/alerts/{id}/decision", paths);
        Assert.Contains("/silences/{id}/approve", paths);
    }

    [Fact]
    public async Task GivenASilenceItsAuthorCannotApproveIt_ButASecondSafetyOfficerCan()
    {
        var create = await fixture.Host.Client("safety").PostAsJsonAsync("/silences", new
        {
            matchers = new[] { "clinical_safety=\"true\"", "site=\"hospital-q\"" },
            endsAt = fixture.Host.Clock.GetUtcNow().AddHours(1),
            reason = "site closed for the weekend",
        });
        var id = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("silence").GetProperty("id").GetGuid();

        var self = await fixture.Host.Client("safety").PostAsync($"/silences/{id}/approve", null);
        var second = await fixture.Host.Client("safety2").PostAsync($"/silences/{id}/approve", null);

        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("test-safety2", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("silence").GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task GivenBadInput_ThenProblemDetailsNameTheField()
    {
        var alert = await fixture.NewAlertAsync();

        var response = await fixture.Host.Client("safety").PostAsJsonAsync($"/alerts/{alert}/decision", new { decision = "shrug", rationale = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("decision", out _));
    }
}
