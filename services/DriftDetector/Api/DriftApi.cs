using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;
using AuthPolicies = Monitoring.ServiceDefaults.Policies;

namespace Monitoring.DriftDetector.Api;

/// <summary>A deployment in the list.</summary>
public sealed record DeploymentSummary(string Deployment, ModelRef Model, string? Site, int PolicyVersion, string ReferenceId, bool ReferenceComplete,
    long Inferences, int ClosedWindows, long LabelsTooLate, long LastSequence, int OpenFindings);

/// <summary>Current state of one signal in one subgroup; figures are null (and <see cref="Suppressed"/> true) when n is below k.</summary>
public sealed record StateRow(string Scope, string? Site, IReadOnlyDictionary<string, string> Subgroup, string Signal, string Method, FindingKind Kind,
    string State, bool Suppressed, double? Statistic, double? PValue, double? AdjustedPValue, double? EffectSize, Interval? Interval, double? Threshold,
    long? ReferenceSize, long? CurrentSize, WindowBounds? Window, string? OpenFindingId);

/// <summary>Current state of a deployment.</summary>
public sealed record DeploymentState(DeploymentSummary Deployment, int SmallCellThreshold, IReadOnlyList<StateRow> Rows);

/// <summary>A finding with its full history.</summary>
public sealed record FindingDetail(FindingView Finding, IReadOnlyList<FindingHistoryEntry> History);

/// <summary>One event of a finding's stream.</summary>
public sealed record FindingHistoryEntry(long Version, string Type, DateTimeOffset RecordedAt, object Data);

/// <summary>A recorded policy version.</summary>
public sealed record PolicyVersionDto(string Deployment, int Version, string Hash, long EffectiveAfterSequence, string Source, System.Text.Json.Nodes.JsonNode? Policy);

/// <summary>Read API (oncall, safety-officer, auditor, admin) and admin operations.</summary>
internal static class DriftApi
{
    public static WebApplication MapDriftApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        var api = app.MapGroup("/v1").RequireAuthorization(AuthPolicies.Read).WithTags("Drift");
        api.MapGet("/deployments", ListDeployments).WithSummary("Monitored deployments with their reference, windows and open findings.");
        api.MapGet("/deployments/{deployment}/state", GetState).WithSummary("Latest evaluation per subgroup and signal, with evidence; small cells suppressed.");
        api.MapGet("/findings", ListFindings).WithSummary("Finding history (filter by deployment, status, kind, site).");
        api.MapGet("/findings/{id}", GetFinding).WithSummary("One finding with every event of its stream.");
        api.MapGet("/policies", ListPolicies).WithSummary("Every recorded monitoring policy version.");
        var admin = app.MapGroup("/v1/admin").RequireAuthorization(AuthPolicies.Admin).WithTags("Admin");
        admin.MapPost("/rebuild", Rebuild).WithSummary("Reset the detector and replay the whole Ingest history (same findings, same ids).");
        admin.MapPost("/policies/reload", Reload).WithSummary("Record changed policy files as new versions and continue.");
        return app;
    }

    private static async Task<Ok<List<DeploymentSummary>>> ListDeployments(DriftStore drift, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        var views = await session.Query<DeploymentStatusView>().ToListAsync(ct);
        var open = (await session.Query<FindingView>().Where(f => f.Status == "open").ToListAsync(ct)).GroupBy(f => f.Deployment).ToDictionary(g => g.Key, g => g.Count());
        return TypedResults.Ok(views.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => Summary(v, open.GetValueOrDefault(v.Id))).ToList());
    }

    private static DeploymentSummary Summary(DeploymentStatusView v, int open) =>
        new(v.Id, v.Model, v.Site, v.PolicyVersion, v.ReferenceId, v.ReferenceComplete, v.Inferences, v.ClosedWindows, v.LabelsTooLate, v.LastSequence, open);

    private static async Task<Results<Ok<DeploymentState>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetState(
        string deployment, string? site, string? signal, string? subgroup, DriftStore drift, DriftDetectorOptions options, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        var view = await session.LoadAsync<DeploymentStatusView>(deployment, ct);
        if (view is null)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "Unknown deployment", Detail = $"deployment: no state for '{deployment}'.", Status = 404 });
        }

        var open = await session.Query<FindingView>().Where(f => f.Deployment == deployment && f.Status == "open").CountAsync(ct);
        var k = options.SmallCellThreshold;
        var rows = view.Rows
            .Where(r => site is null || r.Site == site)
            .Where(r => signal is null || r.Signal == signal)
            .Where(r => subgroup is null || r.Scope == subgroup)
            .Select(r =>
            {
                var suppressed = SmallCells.Withheld(r.CurrentSize, r.ReferenceSize, k);
                return suppressed
                    ? new StateRow(r.Scope, r.Site, r.Subgroup, r.Signal, r.Method, r.Kind, r.State == "insufficient-evidence" ? r.State : "suppressed", true,
                        null, null, null, null, null, r.Threshold, null, null, r.Window, r.OpenFindingId)
                    : new StateRow(r.Scope, r.Site, r.Subgroup, r.Signal, r.Method, r.Kind, r.State, false, r.Statistic, r.PValue, r.AdjustedPValue, r.EffectSize,
                        r.Interval, r.Threshold, r.ReferenceSize, r.CurrentSize, r.Window, r.OpenFindingId);
            }).ToList();
        return TypedResults.Ok(new DeploymentState(Summary(view, open), k, rows));
    }

    private static async Task<Ok<List<FindingView>>> ListFindings(string? deployment, string? status, FindingKind? kind, string? site, DriftStore drift, DriftDetectorOptions options, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        IQueryable<FindingView> q = session.Query<FindingView>();
        if (deployment is not null) q = q.Where(f => f.Deployment == deployment);
        if (status is not null) q = q.Where(f => f.Status == status);
        var list = (await q.ToListAsync(ct)).Where(f => kind is null || f.Kind == kind).Where(f => site is null || f.Site == site)
            .OrderBy(f => f.DetectedAt).ThenBy(f => f.Id, StringComparer.Ordinal).Select(f => Suppress(f, options.SmallCellThreshold)).ToList();
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<FindingDetail>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetFinding(string id, DriftStore drift, DriftDetectorOptions options, CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        var view = await session.LoadAsync<FindingView>(id, ct);
        if (view is null)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "Unknown finding", Detail = $"id: no finding '{id}'.", Status = 404 });
        }

        var events = await session.Events.FetchStreamAsync(Stores.FindingStream(id), token: ct);
        var k = options.SmallCellThreshold;
        var history = events.Select(e => new FindingHistoryEntry(e.Version, e.EventTypeName, e.Timestamp, e.Data switch
        {
            FindingOpened o when SmallCells.Withheld(o.Evidence.CurrentSize, o.Evidence.ReferenceSize, k) => o with { Evidence = Hide(o.Evidence) },
            FindingUpdated u when SmallCells.Withheld(u.Evidence.CurrentSize, u.Evidence.ReferenceSize, k) => u with { Evidence = Hide(u.Evidence) },
            FindingResolved r when SmallCells.Withheld(r.Evidence.CurrentSize, r.Evidence.ReferenceSize, k) => r with { Evidence = Hide(r.Evidence) },
            _ => e.Data,
        })).ToList();
        return TypedResults.Ok(new FindingDetail(Suppress(view, k), history));
    }

    private static FindingView Suppress(FindingView f, int k)
    {
        if (f.Evidence is { } e && SmallCells.Withheld(e.CurrentSize, e.ReferenceSize, k)) f.Evidence = Hide(e);
        return f;
    }

    /// <summary>Evidence of a cell with n below k: sizes and figures withheld, the rest (signal, method, window, policy) kept.</summary>
    private static FindingEvidence Hide(FindingEvidence e) => e with
    {
        Statistic = double.NaN, PValue = null, AdjustedPValue = null, EffectSize = null, Interval = null, CurrentSize = 0, ReferenceSize = 0,
    };

    private static async Task<Ok<List<PolicyVersionDto>>> ListPolicies(Policies.PolicyRegistry registry, CancellationToken ct) =>
        TypedResults.Ok((await registry.HistoryAsync(ct)).Select(p => new PolicyVersionDto(p.Deployment, p.Version, p.Hash, p.EffectiveAfterSequence, p.Source,
            System.Text.Json.Nodes.JsonNode.Parse(p.PolicyJson))).ToList());

    private static async Task<Accepted<string>> Rebuild(DetectorPipeline pipeline, CancellationToken ct)
    {
        await pipeline.RebuildAsync(ct);
        return TypedResults.Accepted("/v1/deployments", "Rebuild started: the detector replays the whole Ingest history.");
    }

    /// <summary>
    /// Records the valid changed files; an invalid file is refused on its own (its deployment keeps its last recorded version) and
    /// answered with 422 listing every problem with file, field, line and column. Never a stack trace, in any environment.
    /// </summary>
    private static async Task<Results<Ok<List<PolicyVersionDto>>, ProblemHttpResult>> Reload(
        DetectorPipeline pipeline, Policies.PolicyRegistry registry, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            await pipeline.ReloadPoliciesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            loggers.CreateLogger(typeof(DriftApi)).LogError(ex, "Policy reload failed");
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Policy reload failed",
                detail: $"{ex.Message} The previous policies stay in force; the detector restarts by itself once its store is reachable.");
        }

        if (registry.Invalid.Count > 0)
        {
            var problems = registry.Invalid.SelectMany(i => i.Problems.Select(p => new
            {
                file = Path.GetFileName(i.PolicyFile), field = p.Field, line = p.Line, column = p.Column, message = p.Message,
            })).ToArray();
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: "urn:monitoring:drift:invalid-policy",
                title: "Invalid policy file(s)",
                detail: $"{registry.Invalid.Count} policy file(s) refused ({string.Join(", ", registry.Invalid.Select(i => Path.GetFileName(i.PolicyFile)))}); " +
                    "their deployments keep their last recorded policy version, every other file was recorded.",
                extensions: new Dictionary<string, object?> { ["errors"] = problems });
        }

        return TypedResults.Ok((await ListPolicies(registry, ct)).Value!);
    }
}
