using Monitoring.Audit;

namespace Monitoring.DriftDetector.Api;

/// <summary>The auditor's read-only views of the drift store (chain status, verify, export, as-of): see libs/Audit.</summary>
public static class AuditApi
{
    /// <summary>Maps <c>/audit/*</c> under the read policy (auditor, on-call, safety officer, admin); nothing there writes.</summary>
    public static IEndpointRouteBuilder MapDriftAudit(this IEndpointRouteBuilder app)
    {
        app.MapAuditEndpoints(ServiceDefaults.Policies.Read, sp => (sp.GetRequiredService<DriftDetectorOptions>().DriftSchema, null));
        return app;
    }
}
