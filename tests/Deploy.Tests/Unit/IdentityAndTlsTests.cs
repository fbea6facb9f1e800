using Monitoring.TestSupport;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Monitoring.ServiceDefaults;

namespace Monitoring.Deploy.Tests.Unit;

/// <summary>JWT roles under a nested claim (Keycloak's realm_access.roles) and the AMQP TLS certificate check.</summary>
public class IdentityAndTlsTests
{
    private const string Issuer = "https://login.hospital.test/realms/imaging";
    private const string Audience = "imaging-ai-monitoring";
    private static readonly SymmetricSecurityKey Key = new(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("""{"realm_access":{"roles":["oncall","offline_access"]}}""", HttpStatusCode.OK)]
    [InlineData("""{"realm_access":{"roles":["producer"]}}""", HttpStatusCode.Forbidden)]
    [InlineData("""{"roles":["oncall"]}""", HttpStatusCode.Forbidden)] // a top-level claim is not the configured path
    [InlineData("""{"realm_access":"oncall"}""", HttpStatusCode.Forbidden)]
    public async Task GivenAKeycloakShapedToken_WhenTheRoleClaimIsAPath_ThenRolesAreReadFromIt(string claims, HttpStatusCode expected)
    {
        await using var app = await StartAsync();
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(claims));

        var response = await client.GetAsync("/read");

        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {response.Headers.WwwAuthenticate}");
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal("alice", await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RoleClaim"] = "realm_access.roles",
        });
        builder.AddMonitoringAuth();
        // The token is signed here instead of by Keycloak: its keys are given directly, so nothing is fetched.
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            o.Configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            o.Configuration.SigningKeys.Add(Key);
            o.TokenValidationParameters.IssuerSigningKey = Key;
            o.TokenValidationParameters.ValidIssuer = Issuer;
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/read", (System.Security.Claims.ClaimsPrincipal user) => user.ActorName()).RequireAuthorization(Policies.Read);
        await app.StartAsync();
        return app;
    }

    private static string Token(string claimsJson)
    {
        var claims = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(claimsJson)!;
        claims["preferred_username"] = "alice";
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
    }

    [Fact]
    public void GivenAPrivateCa_WhenTheBrokerPresentsACertificateItSigned_ThenOnlyThatCaAndTheRightNameAreAccepted()
    {
        using var ca = TestCertificates.CreateCa("monitoring test CA");
        using var otherCa = TestCertificates.CreateCa("someone else");
        using var leaf = TestCertificates.Issue(ca, "rabbitmq");

        Assert.True(RabbitMqTlsExtensions.TrustedBy(ca, leaf, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(RabbitMqTlsExtensions.TrustedBy(otherCa, leaf, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(RabbitMqTlsExtensions.TrustedBy(ca, leaf, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(RabbitMqTlsExtensions.TrustedBy(ca, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }
}
