using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.Contracts;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Api;

public sealed record AcknowledgeRequest(string? Note);

public sealed record DecisionRequest(string? Decision, string? Rationale, string? Site, Dictionary<string, string>? Subgroup);

public sealed record ResolveRequest(string? Note);

public sealed record CreateSilenceRequest(List<string>? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Reason);

public sealed record HistoryEntry(long Version, string Type, DateTimeOffset Timestamp, object Data);

public sealed record AlertDetail(Alert Alert, IReadOnlyList<HistoryEntry> History);

public sealed record SilenceView(Silence Silence, string State, bool Approved, int OpenClinicalSafetyAlertsMatched, bool NeedsApprovalToMuteThem);

public sealed record RoutingStatus(string? Version, DateTimeOffset? LoadedAt, string Path, int? RejectedLine, string? RejectedReason);

/// <summary>The HTTP API: alerts, decisions, silences and the routing configuration.</summary>
public static class AlertsApi
{
    public static WebApplication MapAlertRouterApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();

        var alerts = app.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("", ListAlerts).RequireAuthorization(Policies.Read).WithSummary("List and filter alerts");
        alerts.MapGet("/{id:guid}", GetAlert).RequireAuthorization(Policies.Read).WithSummary("One alert with its evidence and full history");
        alerts.MapPost("/{id:guid}/acknowledge", Acknowledge).RequireAuthorization(Policies.Operate).WithSummary("Acknowledge (stops escalation for no acknowledgement)");
        alerts.MapPost("/{id:guid}/decision", RecordDecision).RequireAuthorization(Policies.Decide).WithSummary("Record an oversight decision with its rationale");
        alerts.MapPost("/{id:guid}/resolve", Resolve).RequireAuthorization(Policies.Operate).WithSummary("Resolve (clinical-safety alerts: decision first, note required)");

        var silences = app.MapGroup("/silences").WithTags("Silences");
        silences.MapGet("", ListSilences).RequireAuthorization(Policies.Read).WithSummary("Silences, with their state");
        silences.MapGet("/{id:guid}", GetSilence).RequireAuthorization(Policies.Read);
        silences.MapPost("", CreateSilence).RequireAuthorization(Policies.Operate).WithSummary("Create a silence (clinical-safety alerts stay unmuted until a second person approves)");
        silences.MapPost("/{id:guid}/approve", ApproveSilence).RequireAuthorization(Policies.Decide).WithSummary("Approve a silence (not its author)");
        silences.MapPost("/{id:guid}/expire", ExpireSilence).RequireAuthorization(Policies.Operate).WithSummary("End a silence now");

        var routing = app.MapGroup("/routing").WithTags("Routing");
        routing.MapGet("", RoutingState).RequireAuthorization(Policies.Read).WithSummary("The routing configuration in force");
        routing.MapGet("/history", RoutingHistory).RequireAuthorization(Policies.Read).WithSummary("Every loaded and refused routing configuration");
        routing.MapPost("/reload", ReloadRouting).RequireAuthorization(Policies.Admin).WithSummary("Re-read the routing file now");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<Alert>>> ListAlerts(IQuerySession session, string? status, string? severity, string? model,
        string? site, bool? clinicalSafety, int? limit, CancellationToken ct)
    {
        var query = session.Query<Alert>().AsQueryable();
        if (Enum.TryParse<AlertStatus>(status, ignoreCase: true, out var s)) query = query.Where(a => a.Status == s);
        else if (string.Equals(status, "unresolved", StringComparison.OrdinalIgnoreCase)) query = query.Where(a => a.Status != AlertStatus.Resolved);
        if (ParseSeverity(severity) is { } sev)
        {
            var name = AlertLabels.SeverityName(sev);
            query = query.Where(a => a.SeverityName == name);
        }
        if (!string.IsNullOrEmpty(model)) query = query.Where(a => a.Model != null && a.Model.Id == model);
        if (!string.IsNullOrEmpty(site)) query = query.Where(a => a.Site == site);
        if (clinicalSafety is { } cs) query = query.Where(a => a.ClinicalSafety == cs);
        var list = await query.OrderByDescending(a => a.RaisedAt).Take(Math.Clamp(limit ?? 100, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<Alert>>(list);
    }

    private static Severity? ParseSeverity(string? s) => s?.ToLowerInvariant() switch
    {
        "info" => Severity.Info,
        "warning" => Severity.Warning,
        "error" => Severity.Error,
        "critical" => Severity.Critical,
        _ => null,
    };

    private static async Task<Results<Ok<AlertDetail>, NotFound>> GetAlert(Guid id, IQuerySession session, CancellationToken ct)
    {
        var alert = await session.LoadAsync<Alert>(id, ct);
        if (alert is null)
        {
            return TypedResults.NotFound();
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        var history = events.Select(e => new HistoryEntry(e.Version, e.EventTypeName, e.Timestamp, e.Data)).ToList();
        return TypedResults.Ok(new AlertDetail(alert, history));
    }

    private static Task<IResult> Acknowledge(Guid id, [FromBody] AcknowledgeRequest? request, ClaimsPrincipal user, AlertWriter writer, CancellationToken ct) =>
        Change(id, writer, (a, _, now) => AlertDecisions.Acknowledge(a, user.ActorName(), request?.Note, now), ct);

    private static Task<IResult> RecordDecision(Guid id, DecisionRequest request, ClaimsPrincipal user, AlertWriter writer, CancellationToken ct)
    {
        OversightDecision? decision = request.Decision switch
        {
            "continue" => OversightDecision.Continue,
            "continue-with-closer-monitoring" => OversightDecision.ContinueWithCloserMonitoring,
            "restrict-to-site-or-subgroup" => OversightDecision.RestrictToSiteOrSubgroup,
            "suspend-model" => OversightDecision.SuspendModel,
            "roll-back" => OversightDecision.RollBack,
            _ => null,
        };
        return Change(id, writer, (a, _, now) => AlertDecisions.RecordDecision(a, user.ActorName(), decision, request.Rationale, request.Site, request.Subgroup, now), ct);
    }

    private static Task<IResult> Resolve(Guid id, [FromBody] ResolveRequest? request, ClaimsPrincipal user, AlertWriter writer, CancellationToken ct) =>
        Change(id, writer, (a, _, now) => AlertDecisions.Resolve(a, user.ActorName(), request?.Note, now), ct);

    private static async Task<IResult> Change(Guid id, AlertWriter writer, Func<Alert, RoutingConfig, DateTimeOffset, Outcome> decide, CancellationToken ct)
    {
        var result = await writer.ChangeAsync(id, decide, ct);
        if (result is not { } r)
        {
            return TypedResults.NotFound();
        }

        return r.Outcome.Error is { } error ? Problem(error) : TypedResults.Ok(r.After);
    }

    private static IResult Problem(OutcomeError error) => error.Field is { } field
        ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [error.Reason] })
        : TypedResults.Problem(error.Reason, statusCode: StatusCodes.Status409Conflict, title: "Not allowed in the current state");

    private static async Task<Ok<IReadOnlyList<SilenceView>>> ListSilences(IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var silences = await session.Query<Silence>().OrderByDescending(s => s.CreatedAt).Take(500).ToListAsync(ct);
        var open = await OpenClinicalAsync(session, ct);
        var now = time.GetUtcNow();
        return TypedResults.Ok<IReadOnlyList<SilenceView>>(silences.Select(s => View(s, open, now)).ToList());
    }

    private static async Task<Results<Ok<SilenceView>, NotFound>> GetSilence(Guid id, IQuerySession session, TimeProvider time, CancellationToken ct)
    {
        var silence = await session.LoadAsync<Silence>(id, ct);
        return silence is null ? TypedResults.NotFound() : TypedResults.Ok(View(silence, await OpenClinicalAsync(session, ct), time.GetUtcNow()));
    }

    private static async Task<IResult> CreateSilence(CreateSilenceRequest request, ClaimsPrincipal user, IDocumentStore store, TimeProvider time,
        Microsoft.Extensions.Options.IOptions<AlertRouterOptions> options, ClockSignal waker, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        var outcome = SilenceDecisions.Create(id, request.Matchers, request.StartsAt, request.EndsAt, request.Reason, user.ActorName(), options.Value.MaxSilenceDuration, now);
        if (outcome.Error is { } error)
        {
            return Problem(error);
        }

        await using var session = store.LightweightSession();
        session.Events.StartStream<Silence>(id, outcome.Events.ToArray());
        await session.SaveChangesAsync(ct);
        var silence = await session.LoadAsync<Silence>(id, ct);
        waker.Wake();
        return TypedResults.Created($"/silences/{id}", View(silence!, await OpenClinicalAsync(session, ct), now));
    }

    private static Task<IResult> ApproveSilence(Guid id, ClaimsPrincipal user, IDocumentStore store, TimeProvider time, ClockSignal waker, CancellationToken ct) =>
        ChangeSilence(id, store, time, waker, (s, now) => SilenceDecisions.Approve(s, user.ActorName(), now), ct);

    private static Task<IResult> ExpireSilence(Guid id, ClaimsPrincipal user, IDocumentStore store, TimeProvider time, ClockSignal waker, CancellationToken ct) =>
        ChangeSilence(id, store, time, waker, (s, now) => SilenceDecisions.Expire(s, user.ActorName(), now), ct);

    private static async Task<IResult> ChangeSilence(Guid id, IDocumentStore store, TimeProvider time, ClockSignal waker,
        Func<Silence, DateTimeOffset, Outcome> decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Silence>(id, ct);
        if (stream.Aggregate is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        var outcome = decide(stream.Aggregate, now);
        if (outcome.Error is { } error)
        {
            return Problem(error);
        }

        stream.AppendMany(outcome.Events.ToArray());
        await session.SaveChangesAsync(ct);
        waker.Wake();
        var silence = await session.LoadAsync<Silence>(id, ct);
        return TypedResults.Ok(View(silence!, await OpenClinicalAsync(session, ct), now));
    }

    private static async Task<IReadOnlyList<Alert>> OpenClinicalAsync(IQuerySession session, CancellationToken ct) =>
        await session.Query<Alert>().Where(a => a.ClinicalSafety && a.Status != AlertStatus.Resolved).ToListAsync(ct);

    private static SilenceView View(Silence s, IReadOnlyList<Alert> openClinical, DateTimeOffset now)
    {
        var matchers = s.ParsedMatchers();
        var matched = openClinical.Count(a => Matcher.All(matchers, a.Labels));
        return new SilenceView(s, s.StateAt(now), s.ApprovedBy is not null, matched, matched > 0 && s.ApprovedBy is null);
    }

    private static Ok<RoutingStatus> RoutingState(RoutingConfigProvider provider) =>
        TypedResults.Ok(new RoutingStatus(provider.Current?.Version, provider.LoadedAt, provider.FilePath, provider.LastError?.Line, provider.LastError?.Reason));

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> RoutingHistory(IQuerySession session, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(RoutingConfigProvider.StreamId, token: ct);
        return TypedResults.Ok<IReadOnlyList<HistoryEntry>>(events.Select(e => new HistoryEntry(e.Version, e.EventTypeName, e.Timestamp, e.Data)).ToList());
    }

    private static async Task<IResult> ReloadRouting(RoutingConfigProvider provider, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await provider.LoadAsync(user.ActorName(), force: true, ct);
        if (result.Error is { } error)
        {
            return TypedResults.Problem(
                $"{provider.FilePath}: {error.Message}. The configuration in force ({result.Version ?? "none"}) stays.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "Routing file refused",
                extensions: new Dictionary<string, object?> { ["file"] = provider.FilePath, ["line"] = error.Line, ["reason"] = error.Reason, ["errors"] = error.Errors });
        }

        return TypedResults.Ok(new { result.Version, result.Changed });
    }
}
