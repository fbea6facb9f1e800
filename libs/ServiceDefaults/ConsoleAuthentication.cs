using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// Browser sessions for a server-rendered console (section <c>Auth:Console</c>): a cookie session, opened either by
/// ASP.NET Core's OpenID Connect handler (production, <see cref="OidcAuthority"/> set) or by the local sign-in form
/// (development and tests, <see cref="LocalSignIn"/>), which accepts one of the configured API keys and opens a
/// session for that key's principal and roles.
/// </summary>
public sealed class ConsoleAuthOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Auth:Console";

    /// <summary>Allow the local sign-in form (API key → cookie). Off unless configured; never on with OIDC.</summary>
    public bool LocalSignIn { get; set; }

    /// <summary>OpenID Connect authority (issuer); empty disables OIDC.</summary>
    public string? OidcAuthority { get; set; }

    /// <summary>OIDC client id.</summary>
    public string? OidcClientId { get; set; }

    /// <summary>OIDC client secret (from the environment or a secret store, never a file in the repository).</summary>
    public string? OidcClientSecret { get; set; }

    /// <summary>Claim of the ID token that carries the roles.</summary>
    public string OidcRoleClaim { get; set; } = "roles";

    /// <summary>Require HTTPS metadata (turn off only for a local authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Session length (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

/// <summary>Registers the console's cookie session (and OIDC) beside the API schemes of <see cref="AuthenticationExtensions"/>.</summary>
public static class ConsoleAuthenticationExtensions
{
    /// <summary>Cookie scheme of the console session.</summary>
    public const string CookieScheme = "ConsoleCookie";

    /// <summary>OpenID Connect scheme.</summary>
    public const string OidcScheme = "ConsoleOidc";

    /// <summary>
    /// Adds the cookie session for paths under <paramref name="pathBase"/>. Requests carrying an API key or a bearer token
    /// keep using those schemes; others use the cookie. Outside the console an unauthenticated call still gets 401 (not a
    /// redirect) and a wrong role 403. Call after <see cref="AuthenticationExtensions.AddMonitoringAuth"/>.
    /// </summary>
    public static IHostApplicationBuilder AddMonitoringConsoleAuth(this IHostApplicationBuilder builder, string pathBase = "/console")
    {
        var options = builder.Configuration.GetSection(ConsoleAuthOptions.Section).Get<ConsoleAuthOptions>() ?? new ConsoleAuthOptions();
        builder.Services.AddOptions<ConsoleAuthOptions>().BindConfiguration(ConsoleAuthOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.OidcAuthority) || !string.IsNullOrWhiteSpace(o.OidcClientId), "Auth:Console:OidcClientId is required with OidcAuthority")
            .ValidateOnStart();
        var oidc = !string.IsNullOrWhiteSpace(options.OidcAuthority);
        var auth = builder.Services.AddAuthentication().AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "monitoring.console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = pathBase;
            o.ExpireTimeSpan = options.SessionLifetime;
            o.SlidingExpiration = true;
            o.LoginPath = pathBase + "/signin";
            o.AccessDeniedPath = pathBase + "/denied";
            if (oidc)
            {
                o.ForwardChallenge = OidcScheme;
            }

            o.Events.OnRedirectToLogin = ctx => Redirect(ctx, pathBase, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => Redirect(ctx, pathBase, StatusCodes.Status403Forbidden);
        });
        if (oidc)
        {
            auth.AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.Authority = options.OidcAuthority;
                o.ClientId = options.OidcClientId;
                o.ClientSecret = options.OidcClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.CallbackPath = pathBase + "/signin-oidc";
                o.SignedOutCallbackPath = pathBase + "/signout-callback-oidc";
                o.RequireHttpsMetadata = options.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SaveTokens = false; // the console calls nothing on the user's behalf
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                o.TokenValidationParameters.RoleClaimType = options.OidcRoleClaim;
                o.Scope.Add("profile");
            });
        }

        // The API's policy scheme picks JWT or API key from the request; a request with neither uses the console session.
        builder.Services.PostConfigure<PolicySchemeOptions>(AuthenticationExtensions.Scheme, o =>
        {
            var api = o.ForwardDefaultSelector;
            o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.ContainsKey(AuthenticationExtensions.ApiKeyHeader) || ctx.Request.Headers.Authorization.Count > 0
                    ? api?.Invoke(ctx) ?? AuthenticationExtensions.ApiKeyScheme
                    : CookieScheme;
        });
        return builder;
    }

    /// <summary>
    /// The principal of a configured API key, for the local sign-in form; null when the key is unknown
    /// (constant-time comparison, as the API key handler).
    /// </summary>
    public static ClaimsPrincipal? PrincipalForKey(AuthOptions auth, string key)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        foreach (var entry in auth.ApiKeys)
        {
            var expected = entry.Sha256 is { Length: 64 } hex
                ? Convert.FromHexString(hex)
                : entry.Key is { Length: > 0 } k ? SHA256.HashData(Encoding.UTF8.GetBytes(k)) : null;
            if (expected is not null && CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name), new("sub", entry.Name) };
                claims.AddRange(entry.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
                return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme, ClaimTypes.Name, ClaimTypes.Role));
            }
        }

        return null;
    }

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> ctx, string pathBase, int status)
    {
        if (ctx.Request.Path.StartsWithSegments(pathBase))
        {
            ctx.Response.Redirect(ctx.RedirectUri);
        }
        else
        {
            ctx.Response.StatusCode = status;
        }

        return Task.CompletedTask;
    }
}
