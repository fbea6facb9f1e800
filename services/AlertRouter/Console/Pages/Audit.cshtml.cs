using System.Globalization;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Console.Pages;

/// <summary>One entry of a deployment's timeline.</summary>
public sealed record TimelineEntry(DateTimeOffset At, Guid IncidentId, string Incident, HistoryLine Line);

/// <summary>
/// The auditor's view of a deployment: its timeline (policy versions, incidents, notifications, acknowledgements,
/// decisions) and, for a chosen instant, every incident as it stood then, folded from the stored events up to that
/// instant. Read-only: no actions are rendered or handled here.
/// </summary>
public sealed class AuditModel(IQuerySession session, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Deployment { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? At { get; set; }

    public IReadOnlyList<string> Deployments { get; private set; } = [];
    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];
    public IReadOnlyList<Alert> AsOf { get; private set; } = [];
    public IReadOnlyList<(int Version, DateTimeOffset FirstSeen)> PolicyVersions { get; private set; } = [];
    public DateTimeOffset Instant { get; private set; }
    public int TimelineTotal { get; private set; }
    public const int TimelineLimit = 300;

    public static string Key(ModelRef m) => $"{m.Id}@{m.Version}";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Instant = At ?? time.GetUtcNow();
        var models = await session.Query<Alert>().Where(a => a.Model != null).Select(a => new { a.Id, a.Model, a.Summary }).ToListAsync(ct);
        Deployments = models.Select(m => Key(m.Model!)).Distinct().Order(StringComparer.Ordinal).ToList();
        Deployment ??= Deployments.FirstOrDefault();
        var incidents = models.Where(m => Key(m.Model!) == Deployment).ToDictionary(m => m.Id, m => m.Summary);
        if (incidents.Count == 0)
        {
            return;
        }

        var ids = incidents.Keys.ToArray();
        var instant = Instant;
        // Ordered here, not in SQL: ORDER BY seq_id lets PostgreSQL walk the whole event table in sequence order instead of
        // using the stream index (1M events: ~0.6 s against a few ms).
        var events = (await session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(ids) && e.Timestamp <= instant).ToListAsync(ct))
            .OrderBy(e => e.Sequence).ToList();
        Timeline = events.Select(e => (e, line: IncidentStory.Line(e.Data, e.Timestamp)))
            .Where(x => x.line is not null && x.e.Data is not NotificationSent and not NotificationFailed)
            .Select(x => new TimelineEntry(x.e.Timestamp, x.e.StreamId, incidents[x.e.StreamId], x.line!)).Reverse().ToList();
        TimelineTotal = Timeline.Count;
        Timeline = Timeline.Take(TimelineLimit).ToList(); // the latest; an earlier instant shows earlier entries
        AsOf = events.GroupBy(e => e.StreamId).Select(g => AlertFold.Apply(new Alert(), g.Select(e => e.Data)))
            .OrderByDescending(a => a.RaisedAt).ToList();
        PolicyVersions = events.Select(e => (e.Timestamp, Evidence: e.Data switch
            {
                AlertRaised r => r.Evidence,
                AlertUpdated u => u.Evidence,
                _ => null,
            }))
            .Where(x => x.Evidence is not null).GroupBy(x => x.Evidence!.PolicyVersion)
            .Select(g => (g.Key, g.Min(x => x.Timestamp))).OrderBy(x => x.Key).ToList();
    }

    public string InstantText => Instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
}
