using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// Authentication settings (section <c>Auth</c>). Production uses JWT bearer tokens from an OIDC authority;
/// local use and tests use API keys sent in the <c>X-Api-Key</c> header.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Auth";

    /// <summary>API keys for local use. Prefer <see cref="ApiKeyEntry.Sha256"/> over plain keys in files.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer settings; disabled when <see cref="JwtOptions.Authority"/> is empty.</summary>
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>One API key and the principal it stands for.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Principal name recorded as the actor of every change (e.g. <c>pacs-site-a</c>, <c>alice</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The key itself (local development only).</summary>
    public string? Key { get; set; }

    /// <summary>Lowercase hex SHA-256 of the key; used instead of <see cref="Key"/> when set.</summary>
    public string? Sha256 { get; set; }

    /// <summary>Roles granted (see <see cref="Roles"/>).</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>JWT bearer settings.</summary>
public sealed class JwtOptions
{
    /// <summary>OIDC authority (issuer) URL; empty disables JWT.</summary>
    public string? Authority { get; set; }

    /// <summary>Expected audience.</summary>
    public string? Audience { get; set; }

    /// <summary>Claim that carries roles: <c>roles</c> (Entra ID), or a dotted path into a JSON claim such as Keycloak's <c>realm_access.roles</c>.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Require HTTPS metadata (turn off only for a local authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>Registers the shared authentication scheme and role policies.</summary>
public static class AuthenticationExtensions
{
    /// <summary>The scheme name that selects JWT or API key per request.</summary>
    public const string Scheme = "Monitoring";

    /// <summary>API key scheme name.</summary>
    public const string ApiKeyScheme = "ApiKey";

    /// <summary>API key header.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Adds authentication (JWT bearer when <c>Auth:Jwt:Authority</c> is set, API keys from <c>Auth:ApiKeys</c>)
    /// and one authorization policy per entry of <see cref="Policies"/>. Anonymous requests get 401, a wrong role 403.
    /// </summary>
    public static IHostApplicationBuilder AddMonitoringAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        var jwt = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Jwt ?? new JwtOptions();
        var jwtEnabled = !string.IsNullOrWhiteSpace(jwt.Authority);

        var auth = builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "JWT bearer or API key", o =>
            {
                o.ForwardDefaultSelector = ctx =>
                {
                    var header = ctx.Request.Headers.Authorization.ToString();
                    return jwtEnabled && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? JwtBearerDefaults.AuthenticationScheme
                        : ApiKeyScheme;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyScheme, _ => { });
        if (jwtEnabled)
        {
            auth.AddJwtBearer(o =>
            {
                o.Authority = jwt.Authority;
                o.Audience = jwt.Audience;
                o.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.RoleClaimType = jwt.RoleClaim;
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                // A nested path (realm_access.roles) is flattened into claims of that type once the token is validated.
                o.Events = new JwtBearerEvents { OnTokenValidated = ctx => { if (ctx.Principal?.Identity is ClaimsIdentity id && jwt.RoleClaim.Contains('.')) RoleClaimPath.Apply(id, jwt.RoleClaim); return Task.CompletedTask; } };
            });
        }

        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var (policy, roles) in Policies.RolesByPolicy)
        {
            authorization.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }

        // Endpoints that forget to name a policy still require an authenticated caller.
        authorization.SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>The authenticated actor's name, for recording who changed what.</summary>
    public static string ActorName(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown";

    /// <summary>Lowercase hex SHA-256 of an API key, for <see cref="ApiKeyEntry.Sha256"/>.</summary>
    public static string HashApiKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>Authenticates the <c>X-Api-Key</c> header against the configured keys (constant-time comparison).</summary>
internal sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(AuthenticationExtensions.ApiKeyHeader, out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values.ToString()));
        foreach (var entry in auth.CurrentValue.ApiKeys)
        {
            var expected = entry.Sha256 is { Length: 64 } hex
                ? Convert.FromHexString(hex)
                : entry.Key is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
            if (expected is not null && CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name), new("sub", entry.Name) };
                claims.AddRange(entry.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
                var identity = new ClaimsIdentity(claims, AuthenticationExtensions.ApiKeyScheme);
                return Task.FromResult(AuthenticateResult.Success(
                    new AuthenticationTicket(new ClaimsPrincipal(identity), AuthenticationExtensions.ApiKeyScheme)));
            }
        }

        return Task.FromResult(AuthenticateResult.Fail("Invalid API key."));
    }
}
