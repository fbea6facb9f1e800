using Microsoft.Extensions.Options;
using Monitoring.Audit;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Audit;

/// <summary>The auditor's read-only views of the alerts store (chain status, verify, export, as-of): see libs/Audit.</summary>
public static class AuditApi
{
    /// <summary>Maps <c>/audit/*</c> under the read policy (auditor, on-call, safety officer, admin); nothing there writes.</summary>
    public static IEndpointRouteBuilder MapAlertRouterAudit(this IEndpointRouteBuilder app)
    {
        app.MapAuditEndpoints(Policies.Read, sp => (null, sp.GetRequiredService<IOptions<AlertRouterOptions>>().Value.Schema));
        return app;
    }
}
