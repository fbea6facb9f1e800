using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Monitoring.Audit;

/// <summary>
/// The auditor's read-only endpoints over one service's own store, shared by the services' audit API files:
/// <c>GET /audit/chain</c> (chained through, lag), <c>GET /audit/verify</c>, <c>GET /audit/export?from=&amp;to=</c> (NDJSON,
/// streamed), <c>GET /audit/as-of?at=</c>. Everything here only reads, through <see cref="AuditReader"/> (the auditor
/// database role in read-only sessions), never through the service's own pool.
/// </summary>
public static class AuditEndpoints
{
    /// <summary>Maps the endpoints under <c>/audit</c> with <paramref name="policy"/> (the services' read policy, which the auditor role has).</summary>
    /// <param name="app">Routes.</param>
    /// <param name="policy">Authorization policy.</param>
    /// <param name="asOfSchemas">Which as-of parts this store answers: (drift schema, alerts schema), one of them null.</param>
    public static RouteGroupBuilder MapAuditEndpoints(this IEndpointRouteBuilder app, string policy, Func<IServiceProvider, (string? Drift, string? Alerts)> asOfSchemas)
    {
        var group = app.MapGroup("/audit").RequireAuthorization(policy).WithTags("audit");
        group.MapGet("/chain", (ChainFollower f, AuditReader db) =>
            Results.Ok(new { store = f.Store, schema = f.Schema, chainedThrough = f.ChainedThrough, readsAs = db.Role ?? "service (read-only sessions)" }));
        group.MapGet("/verify", async (ChainFollower f, AuditReader db, IOptions<AuditChainOptions> o, CancellationToken ct) =>
        {
            var dir = o.Value.CheckpointDirectory ?? "";
            var report = await ChainVerifier.VerifyAsync(db.DataSource, f.Store, f.Schema, CheckpointDirectory.Read(dir, f.Store),
                CheckpointDirectory.ReadKeys(o.Value.TrustedKeys ?? Path.Combine(dir, "keys")), ct);
            await DocumentCheck.CompareAsync(db.DataSource, f.Store, f.Schema, report, ct);
            return Results.Ok(new
            {
                report.Store, report.Ok, report.Events, report.Gaps, report.Redacted, report.ChainedThrough, report.Unchained,
                report.CheckpointsVerified, report.CheckpointsUnverifiable, problems = report.Problems,
            });
        });
        group.MapGet("/export", async (HttpContext http, ChainFollower f, AuditReader db, IOptions<AuditChainOptions> o, long? from, long? to, CancellationToken ct) =>
        {
            http.Response.ContentType = "application/x-ndjson";
            await ExportWriter.WriteAsync(db.DataSource, f.Store, f.Schema, from ?? 1, to ?? long.MaxValue,
                CheckpointDirectory.Read(o.Value.CheckpointDirectory ?? "", f.Store), http.Response.Body, ct);
        });
        group.MapGet("/as-of", async (IServiceProvider sp, AuditReader db, DateTimeOffset at, CancellationToken ct) =>
        {
            var (drift, alerts) = asOfSchemas(sp);
            return Results.Ok(await AuditViews.AsOfAsync(db.DataSource, drift, alerts, at, ct));
        });
        return group;
    }
}
