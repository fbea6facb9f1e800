using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Monitoring.AlertRouter.Console.ReadModels;

namespace Monitoring.AlertRouter.Console.Pages;

/// <summary>One entry of a deployment's timeline.</summary>
public sealed record TimelineEntry(DateTimeOffset At, Guid IncidentId, string Incident, HistoryLine Line);

/// <summary>
/// The auditor's view of a deployment: its timeline (policy versions, incidents, paging, acknowledgements, decisions)
/// and, for a chosen instant, every incident as it stood then, folded from the deployment's audit entries up to that
/// instant (<see cref="AuditFold"/>). Read-only: no actions are rendered or handled here.
/// </summary>
public sealed class AuditModel(IQuerySession session, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Deployment { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? At { get; set; }

    public IReadOnlyList<string> Deployments { get; private set; } = [];
    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];
    public IReadOnlyList<IncidentAsOf> AsOf { get; private set; } = [];
    public IReadOnlyList<(int Version, DateTimeOffset FirstSeen)> PolicyVersions { get; private set; } = [];
    public DateTimeOffset Instant { get; private set; }
    public int TimelineTotal { get; private set; }
    public const int TimelineLimit = 300;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Instant = At ?? time.GetUtcNow();
        Deployments = (await session.Query<IncidentRow>().Where(r => r.Deployment != null).Select(r => r.Deployment!).Distinct().ToListAsync(ct))
            .Order(StringComparer.Ordinal).ToList();
        Deployment ??= Deployments.FirstOrDefault();
        if (Deployment is null)
        {
            return;
        }

        var deployment = Deployment;
        var instant = Instant;
        var batch = session.CreateBatchQuery();
        var summariesTask = batch.Query<IncidentRow>().Where(r => r.Deployment == deployment).Select(r => new { r.Id, r.Summary }).ToList();
        var entriesTask = batch.Query<AuditEntry>().Where(e => e.Deployment == deployment && e.At <= instant).ToList();
        await batch.Execute(ct);
        var summaries = (await summariesTask).ToDictionary(r => r.Id, r => r.Summary);
        var entries = await entriesTask;

        var latestFirst = entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Order).ToList();
        TimelineTotal = latestFirst.Count;
        Timeline = latestFirst.Take(TimelineLimit) // the latest; an earlier instant shows earlier entries
            .Select(e => new TimelineEntry(e.At, e.IncidentId, summaries.GetValueOrDefault(e.IncidentId, ""), new HistoryLine(e.At, e.What, e.Who, e.Detail)))
            .ToList();
        AsOf = entries.GroupBy(e => e.IncidentId).Select(AuditFold.StateOf).OfType<IncidentAsOf>().OrderByDescending(a => a.RaisedAt).ToList();
        PolicyVersions = entries.Where(e => e.PolicyVersion is not null).GroupBy(e => e.PolicyVersion!.Value)
            .Select(g => (g.Key, g.Min(e => e.At))).OrderBy(x => x.Key).ToList();
    }

    public string InstantText => Instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
}
