using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Console.Pages;

/// <summary>
/// One incident: what changed in plain language, the evidence as pictures, the history, and the actions the reader's role
/// allows. Every action is a POST with an anti-forgery token, checked against its policy, recorded with the actor, and
/// followed by a redirect to this page, so the history shows it at once.
/// </summary>
public sealed class IncidentModel(
    IDocumentStore store, AlertWriter writer, EvidenceClient evidence, IAuthorizationService authorization, TimeProvider time,
    IOptions<AlertRouterOptions> options, ClockSignal waker) : PageModel
{
    public Alert Incident { get; private set; } = new();
    public IReadOnlyList<HistoryLine> History { get; private set; } = [];
    public EvidenceSeriesDto? Evidence { get; private set; }
    public IncidentCharts Charts { get; private set; } = IncidentCharts.None;
    public IReadOnlyList<Silence> Silences { get; private set; } = [];
    public bool CanOperate { get; private set; }
    public bool CanDecide { get; private set; }
    public string? Error { get; private set; }
    public int K => options.Value.MinGroupSize;
    public DateTimeOffset Now { get; private set; }
    public string? IncidentKey => Incident.Labels.GetValueOrDefault(AlertLabels.IncidentLabel);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    public Task<IActionResult> OnPostAcknowledgeAsync(Guid id, string? note, CancellationToken ct) =>
        ChangeAsync(id, Policies.Operate, (a, _, now) => AlertDecisions.Acknowledge(a, User.ActorName(), note, now), ct);

    public Task<IActionResult> OnPostDecideAsync(Guid id, string? decision, string? rationale, string? site, CancellationToken ct)
    {
        OversightDecision? parsed = decision switch
        {
            "continue" => OversightDecision.Continue,
            "continue-with-closer-monitoring" => OversightDecision.ContinueWithCloserMonitoring,
            "restrict-to-site-or-subgroup" => OversightDecision.RestrictToSiteOrSubgroup,
            "suspend-model" => OversightDecision.SuspendModel,
            "roll-back" => OversightDecision.RollBack,
            _ => null,
        };
        return ChangeAsync(id, Policies.Decide, (a, _, now) => AlertDecisions.RecordDecision(a, User.ActorName(), parsed, rationale, site, null, now), ct);
    }

    public Task<IActionResult> OnPostResolveAsync(Guid id, string? note, CancellationToken ct) =>
        ChangeAsync(id, Policies.Operate, (a, _, now) => AlertDecisions.Resolve(a, User.ActorName(), note, now), ct);

    public async Task<IActionResult> OnPostSilenceAsync(Guid id, int hours, string? reason, CancellationToken ct)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Operate)).Succeeded)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await using var session = store.LightweightSession();
        var alert = await session.LoadAsync<Alert>(id, ct);
        if (alert?.Labels.GetValueOrDefault(AlertLabels.IncidentLabel) is not { } key)
        {
            return NotFound();
        }

        var now = time.GetUtcNow();
        var silenceId = Guid.CreateVersion7();
        var outcome = SilenceDecisions.Create(silenceId, [$"{AlertLabels.IncidentLabel}=\"{key}\""], now, now.AddHours(Math.Clamp(hours, 1, 24 * 14)),
            reason, User.ActorName(), options.Value.MaxSilenceDuration, now);
        if (outcome.Error is { } error)
        {
            return await FailAsync(id, error, ct);
        }

        session.Events.StartStream<Silence>(silenceId, outcome.Events.ToArray());
        await session.SaveChangesAsync(ct);
        waker.Wake();
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostApproveSilenceAsync(Guid id, Guid silenceId, CancellationToken ct)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Decide)).Succeeded)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Silence>(silenceId, ct);
        if (stream.Aggregate is null)
        {
            return NotFound();
        }

        var outcome = SilenceDecisions.Approve(stream.Aggregate, User.ActorName(), time.GetUtcNow());
        if (outcome.Error is { } error)
        {
            return await FailAsync(id, error, ct);
        }

        stream.AppendMany(outcome.Events.ToArray());
        await session.SaveChangesAsync(ct);
        waker.Wake();
        return RedirectToPage(new { id });
    }

    private async Task<IActionResult> ChangeAsync(Guid id, string policy, Func<Alert, RoutingConfig, DateTimeOffset, Outcome> decide, CancellationToken ct)
    {
        if (!(await authorization.AuthorizeAsync(User, policy)).Succeeded)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var result = await writer.ChangeAsync(id, decide, ct);
        if (result is not { } r)
        {
            return NotFound();
        }

        return r.Outcome.Error is { } error ? await FailAsync(id, error, ct) : RedirectToPage(new { id });
    }

    private async Task<IActionResult> FailAsync(Guid id, OutcomeError error, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        Error = error.Field is null ? error.Reason : $"{error.Field}: {error.Reason}";
        Response.StatusCode = error.Field is null ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        Now = time.GetUtcNow();
        await using var session = store.QuerySession();
        var alert = await session.LoadAsync<Alert>(id, ct);
        if (alert is null)
        {
            return false;
        }

        Incident = alert;
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        History = events.Select(e => IncidentStory.Line(e.Data, e.Timestamp)).OfType<HistoryLine>().Reverse().ToList();
        CanOperate = (await authorization.AuthorizeAsync(User, Policies.Operate)).Succeeded;
        CanDecide = (await authorization.AuthorizeAsync(User, Policies.Decide)).Succeeded;
        if (IncidentKey is { } key)
        {
            var matcher = $"{AlertLabels.IncidentLabel}=\"{key}\"";
            Silences = (await session.Query<Silence>().Where(s => s.ExpiredAt == null && s.EndsAt > Now).ToListAsync(ct))
                .Where(s => s.Matchers.Contains(matcher)).ToList();
        }

        var root = alert.Members.FirstOrDefault(m => m.Root)?.FindingId ?? alert.FindingIds.FirstOrDefault();
        Evidence = root is null ? null : await evidence.FindingAsync(root, ct);
        Charts = IncidentCharts.Build(alert, events.Select(e => (e.Timestamp, e.Data)).ToList(), Evidence, K);
        return true;
    }
}
