using JasperFx.Events;
using Marten;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Console;
using Monitoring.AlertRouter.Infrastructure;

namespace Monitoring.Console.Benchmarks;

/// <summary>
/// The reads the inbox and the audit view did before their read models (kept here only as the baseline of the same run):
/// the inbox projected 13 fields of every open incident document and filtered, sorted and paged in memory; the audit view
/// read every incident document with a model, then folded the raw events of the deployment's incidents up to the instant.
/// Rendering is not included, so these understate the former page times.
/// </summary>
public static class FormerReads
{
    public static async Task<int> InboxAsync(IQuerySession session, string? site)
    {
        var open = (await session.Query<Alert>().Where(a => a.Status != AlertStatus.Resolved)
                .Select(a => new { a.Id, a.Summary, a.Severity, a.SeverityName, a.ClinicalSafety, a.Model, a.Site, a.Labels, a.RaisedAt,
                    a.AcknowledgedBy, a.NextEscalationAt, a.DecisionDueAt, a.Decision })
                .ToListAsync())
            .Select(a => (a.Id, a.Severity, a.RaisedAt, Model: a.Model?.Id, a.Site, Subgroup: a.Labels.GetValueOrDefault("subgroup")))
            .ToList();
        var models = open.Select(r => r.Model).OfType<string>().Distinct().Count();
        var rows = open.Where(r => site is null || r.Site == site).OrderByDescending(r => r.Severity).ThenBy(r => r.RaisedAt).Take(50).ToList();
        return models + rows.Count;
    }

    public static async Task<int> AuditAsync(IQuerySession session, string deployment, DateTimeOffset instant)
    {
        var models = await session.Query<Alert>().Where(a => a.Model != null).Select(a => new { a.Id, a.Model, a.Summary }).ToListAsync();
        var ids = models.Where(m => $"{m.Model!.Id}@{m.Model.Version}" == deployment).Select(m => m.Id).ToArray();
        var events = (await session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(ids) && e.Timestamp <= instant).ToListAsync())
            .OrderBy(e => e.Sequence).ToList();
        var lines = events.Select(e => IncidentStory.Line(e.Data, e.Timestamp)).Count(l => l is not null);
        var asOf = events.GroupBy(e => e.StreamId).Select(g => AlertFold.Apply(new Alert(), g.Select(e => e.Data))).Count();
        return lines + asOf;
    }
}
