using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Console.Pages;

/// <summary>One inbox row (a projection: the page never loads whole incidents).</summary>
public sealed record InboxRow(Guid Id, string Summary, Severity Severity, string SeverityName, bool ClinicalSafety, string? Model, string? Site, string? Subgroup,
    DateTimeOffset RaisedAt, string? AcknowledgedBy, DateTimeOffset? NextEscalationAt, DateTimeOffset? DecisionDueAt, bool AwaitingDecision);

/// <summary>Open incidents by severity and age, who holds each, the time left before escalation and the decision deadline.</summary>
public sealed class InboxModel(IQuerySession session, TimeProvider time) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "model")]
    public string? ModelFilter { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Site { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Subgroup { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public IReadOnlyList<InboxRow> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public IReadOnlyList<string> Models { get; private set; } = [];
    public IReadOnlyList<string> Sites { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = time.GetUtcNow();
        var open = (await session.Query<Alert>().Where(a => a.Status != AlertStatus.Resolved)
                .Select(a => new { a.Id, a.Summary, a.Severity, a.SeverityName, a.ClinicalSafety, a.Model, a.Site, a.Labels, a.RaisedAt,
                    a.AcknowledgedBy, a.NextEscalationAt, a.DecisionDueAt, a.Decision })
                .ToListAsync(ct))
            .Select(a => new InboxRow(a.Id, a.Summary, a.Severity, a.SeverityName, a.ClinicalSafety, a.Model?.Id, a.Site, a.Labels.GetValueOrDefault("subgroup"),
                a.RaisedAt, a.AcknowledgedBy, a.NextEscalationAt, a.DecisionDueAt, a.ClinicalSafety && a.Decision is null))
            .ToList();
        Models = open.Select(r => r.Model).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        Sites = open.Select(r => r.Site).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var rows = open
            .Where(r => string.IsNullOrEmpty(ModelFilter) || r.Model == ModelFilter)
            .Where(r => string.IsNullOrEmpty(Site) || r.Site == Site)
            .Where(r => string.IsNullOrEmpty(Subgroup) || (r.Subgroup ?? "").Contains(Subgroup, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => r.Severity).ThenBy(r => r.RaisedAt).ToList();
        Total = rows.Count;
        PageNumber = Math.Clamp(PageNumber, 1, Pages);
        Rows = rows.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToList();
    }
}
