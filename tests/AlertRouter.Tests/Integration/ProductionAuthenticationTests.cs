using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Tests.Integration;

/// <summary>
/// The real AlertRouter configured as production is: JWT bearer tokens from an OIDC authority (<c>Auth:Jwt:*</c>), here
/// signed locally with a key handed to the bearer handler instead of fetched from the authority, plus one API key stored
/// only as its SHA-256 (<c>Auth:ApiKeys:n:Sha256</c>, what the deployment's Secret holds).
/// </summary>
public sealed class ProductionAuthenticationFixture : IAsyncLifetime
{
    public const string Issuer = "https://login.hospital.test/realms/imaging";
    public const string Audience = "imaging-ai-monitoring";
    public const string HashedKey = "t-hashed-oncall-key";
    public static readonly SymmetricSecurityKey SigningKey = new(RandomNumberGenerator.GetBytes(32));

    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        var keys = RouterHost.Keys.Count; // the host's plain keys take entries 0..n-1
        Host = await RouterHost.StartAsync("ar_jwt", Yaml.Escalation(Listener), new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            [$"Auth:ApiKeys:{keys}:Name"] = "hashed-oncall",
            [$"Auth:ApiKeys:{keys}:Sha256"] = AuthenticationExtensions.HashApiKey(HashedKey),
            [$"Auth:ApiKeys:{keys}:Roles:0"] = "oncall",
        }, services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            // Key and issuer given directly (what the authority's discovery document would supply): nothing is fetched.
            o.Configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            o.Configuration.SigningKeys.Add(SigningKey);
            o.TokenValidationParameters.IssuerSigningKey = SigningKey;
            o.TokenValidationParameters.ValidIssuer = Issuer;
        }));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }

    public async Task<Guid> NewAlertAsync()
    {
        var finding = Findings.Detected($"jwt-{Guid.NewGuid():N}");
        await Host.PublishAsync(finding);
        return (await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised")).Id;
    }

    /// <summary>A token as the hospital's identity provider issues it: subject id, username, roles, valid for five minutes.</summary>
    public static string Token(string[] roles, DateTime? expires = null, SecurityKey? key = null, string audience = Audience) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "5f0c6a2e-8d1b-4c7e-9a43-2b7f1e0d9c11",
                ["preferred_username"] = "dr.alice",
                ["name"] = "Alice Example",
                ["roles"] = roles,
            },
            SigningCredentials = new SigningCredentials(key ?? SigningKey, SecurityAlgorithms.HmacSha256),
        });
}

public class ProductionAuthenticationTests(ProductionAuthenticationFixture fixture) : IClassFixture<ProductionAuthenticationFixture>
{
    private HttpClient Bearer(string token)
    {
        var client = fixture.Host.Client(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private HttpClient ApiKey(string key)
    {
        var client = fixture.Host.Client(null);
        client.DefaultRequestHeaders.Add(AuthenticationExtensions.ApiKeyHeader, key);
        return client;
    }

    private static Task<HttpResponseMessage> AcknowledgeAsync(HttpClient client, Guid alert) =>
        client.PostAsJsonAsync($"/alerts/{alert}/acknowledge", new { note = "looking" });

    private async Task<Alert> AlertAsync(Guid id)
    {
        await using var session = fixture.Host.Store.QuerySession();
        return (await session.LoadAsync<Alert>(id))!;
    }

    [Fact]
    public async Task GivenATokenWithTheOncallRole_WhenItAcknowledges_ThenTheRecordedActorIsItsPreferredUsernameNotItsSubject()
    {
        var alert = await fixture.NewAlertAsync();

        var response = await AcknowledgeAsync(Bearer(ProductionAuthenticationFixture.Token(["oncall"])), alert);

        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {response.Headers.WwwAuthenticate} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("dr.alice", (await AlertAsync(alert)).AcknowledgedBy);
        var acknowledged = Assert.Single((await fixture.Host.EventsAsync(alert)).OfType<AlertAcknowledged>());
        Assert.Equal("dr.alice", acknowledged.By);
    }

    [Fact]
    public async Task GivenAValidTokenWithoutTheRequiredRole_ThenTheCallIsForbiddenAndNothingIsRecorded()
    {
        var alert = await fixture.NewAlertAsync();
        using var auditor = Bearer(ProductionAuthenticationFixture.Token(["auditor"]));

        // The token itself is accepted (the auditor may read) ...
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync($"/alerts/{alert}")).StatusCode);
        // ... but acknowledging needs oncall, safety-officer or admin.
        Assert.Equal(HttpStatusCode.Forbidden, (await AcknowledgeAsync(auditor, alert)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AcknowledgeAsync(Bearer(ProductionAuthenticationFixture.Token([])), alert)).StatusCode);
        Assert.Null((await AlertAsync(alert)).AcknowledgedBy);
    }

    /// <summary>Each rejected token with the reason the bearer handler gives (so each is refused for its own fault).</summary>
    public static TheoryData<string, string> RejectedTokens() => new()
    {
        { "expired", "The token expired" },
        { "signed-with-another-key", "The signature key was not found" },
        { "another-audience", "The audience" }, // the value itself is hidden from the message (personal data by default)
        { "tampered", "The signature key was not found" }, // no configured key verifies the changed payload
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task GivenAnInvalidToken_ThenTheCallIsUnauthorizedAndNothingIsRecorded(string what, string reason)
    {
        var alert = await fixture.NewAlertAsync();
        var token = what switch
        {
            // Past the bearer handler's default five-minute clock skew.
            "expired" => ProductionAuthenticationFixture.Token(["oncall"], expires: DateTime.UtcNow.AddMinutes(-10)),
            "signed-with-another-key" => ProductionAuthenticationFixture.Token(["oncall"], key: new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32))),
            "another-audience" => ProductionAuthenticationFixture.Token(["oncall"], audience: "another-application"),
            _ => Tampered(ProductionAuthenticationFixture.Token(["auditor"])),
        };

        var response = await AcknowledgeAsync(Bearer(token), alert);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.True(challenge.Contains(reason, StringComparison.Ordinal), challenge);
        Assert.Null((await AlertAsync(alert)).AcknowledgedBy);
    }

    /// <summary>The payload re-encoded with the oncall role, the auditor's signature kept.</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"auditor\"", "\"oncall\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    [Fact]
    public async Task GivenAnApiKeyStoredOnlyAsItsSha256_ThenTheKeyAuthenticatesAsItsNameButAWrongKeyOrTheHashItselfDoesNot()
    {
        var alert = await fixture.NewAlertAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await AcknowledgeAsync(ApiKey(ProductionAuthenticationFixture.HashedKey + "x"), alert)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await AcknowledgeAsync(ApiKey(AuthenticationExtensions.HashApiKey(ProductionAuthenticationFixture.HashedKey)), alert)).StatusCode);
        Assert.Null((await AlertAsync(alert)).AcknowledgedBy);

        var response = await AcknowledgeAsync(ApiKey(ProductionAuthenticationFixture.HashedKey), alert);

        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("hashed-oncall", (await AlertAsync(alert)).AcknowledgedBy);
    }
}
