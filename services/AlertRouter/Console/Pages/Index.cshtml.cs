using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Monitoring.AlertRouter.Console.ReadModels;

namespace Monitoring.AlertRouter.Console.Pages;

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

    // Not "page": Razor Pages keeps its own route value of that name (the page path), which wins and never binds to an int.
    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public IReadOnlyList<IncidentRow> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public IReadOnlyList<string> Models { get; private set; } = [];
    public IReadOnlyList<string> Sites { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = time.GetUtcNow();
        // Small queries against the slim rows: the filter lists, then one page filtered and ordered in SQL.
        Models = (await session.Query<IncidentRow>().Where(r => r.Open && r.Model != null).Select(r => r.Model!).Distinct().ToListAsync(ct))
            .Order(StringComparer.Ordinal).ToList();
        Sites = (await session.Query<IncidentRow>().Where(r => r.Open && r.Site != null).Select(r => r.Site!).Distinct().ToListAsync(ct))
            .Order(StringComparer.Ordinal).ToList();

        // Built afresh for each query: Marten's Stats() stays attached to the query it was called on.
        IQueryable<IncidentRow> Filtered()
        {
            var query = session.Query<IncidentRow>().Where(r => r.Open);
            if (!string.IsNullOrEmpty(ModelFilter))
            {
                query = query.Where(r => r.Model == ModelFilter);
            }

            if (!string.IsNullOrEmpty(Site))
            {
                query = query.Where(r => r.Site == Site);
            }

            if (!string.IsNullOrEmpty(Subgroup))
            {
                query = query.Where(r => r.Subgroup != null && r.Subgroup.Contains(Subgroup, StringComparison.OrdinalIgnoreCase));
            }

            return query.OrderByDescending(r => r.SeverityRank).ThenBy(r => r.RaisedAt);
        }

        var page = await Filtered().Stats(out var stats).Skip((Math.Max(1, PageNumber) - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        Total = (int)stats.TotalResults;
        if (page.Count == 0 && PageNumber > 1)
        {
            // Past the last page (the list shrank since the link was made): the windowed total comes back with the rows, so
            // with none it is 0; count, then show the last page.
            Total = await Filtered().CountAsync(ct);
            PageNumber = Pages;
            page = Total == 0 ? [] : await Filtered().Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        }

        PageNumber = Math.Clamp(PageNumber, 1, Pages);
        Rows = page;
    }
}
