using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Monitoring.DriftDetector.Publishing;
using Monitoring.DriftDetector.Storage;
using AuthPolicies = Monitoring.ServiceDefaults.Policies;

namespace Monitoring.DriftDetector.Api;

/// <summary>A root-cause group with every event of its stream.</summary>
public sealed record ChangeDetail(ChangeView Change, IReadOnlyList<FindingHistoryEntry> History);

/// <summary>
/// The <c>change</c> resource: one root-cause group (the root scope, its members root first, estimated start, affected events),
/// the unit the AlertRouter pages on. Members carry no figures, so no small-cell suppression applies here; the member findings'
/// evidence stays behind <c>/v1/findings/{id}</c>.
/// </summary>
internal static class ChangesApi
{
    public static WebApplication MapChangesApi(this WebApplication app)
    {
        var api = app.MapGroup("/v1/changes").RequireAuthorization(AuthPolicies.Read).WithTags("Changes");
        api.MapGet("/", ListChanges).WithSummary("Root-cause groups (filter by deployment, status open|resolved, site).");
        api.MapGet("/{id}", GetChange).WithSummary("One root-cause group with every event of its stream.");
        return app;
    }

    private static async Task<Ok<List<ChangeView>>> ListChanges(string? deployment, string? status, string? site, DriftStore drift, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        IQueryable<ChangeView> q = session.Query<ChangeView>();
        if (deployment is not null) q = q.Where(c => c.Deployment == deployment);
        if (status is not null) q = q.Where(c => c.Status == status);
        var list = (await q.ToListAsync(ct)).Where(c => site is null || c.Site == site)
            .OrderBy(c => c.DetectedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<ChangeDetail>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetChange(string id, DriftStore drift, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        var view = await session.LoadAsync<ChangeView>(id, ct);
        if (view is null)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "Unknown change", Detail = $"id: no change '{id}'.", Status = 404 });
        }

        var events = await session.Events.FetchStreamAsync(ChangeStore.Stream(id), token: ct);
        return TypedResults.Ok(new ChangeDetail(view, events.Select(e => new FindingHistoryEntry(e.Version, e.EventTypeName, e.Timestamp, e.Data)).ToList()));
    }
}
