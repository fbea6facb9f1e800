using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Console;

/// <summary>Registration of the safety officer's console: Razor Pages under <c>/console</c>, its cookie session, the evidence client.</summary>
public static class ConsoleExtensions
{
    public static IHostApplicationBuilder AddAlertRouterConsole(this IHostApplicationBuilder builder)
    {
        builder.AddMonitoringConsoleAuth("/console");
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section)
            .Validate(o => o.IsValid(), "AlertRouter:Console:EvidenceUrl must be an absolute URL and EvidenceTimeout positive").ValidateOnStart();
        builder.Services.AddHttpClient<EvidenceClient>(EvidenceClient.ClientName);
        builder.Services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Console/Pages";
            // Every page needs a reader; actions check their own policy (operate, decide) and the anti-forgery token.
            o.Conventions.AuthorizeFolder("/", Policies.Read);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/Denied");
        }).AddApplicationPart(typeof(ConsoleExtensions).Assembly); // found also when another assembly hosts the router (benchmarks)
        return builder;
    }

    public static WebApplication MapAlertRouterConsole(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapPost("/console/signout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(ConsoleAuthenticationExtensions.CookieScheme);
            return Results.Redirect("/console/signin");
        }).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ConsoleAuthenticationExtensions.CookieScheme });
        return app;
    }
}
