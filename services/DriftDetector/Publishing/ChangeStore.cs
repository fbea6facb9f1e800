using Marten;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Publishing;

/// <summary>Read model of a root-cause group for the API (written in the same transaction as its events, like <see cref="Storage.FindingView"/>).</summary>
public sealed class ChangeView
{
    /// <summary>Change id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Deployment key.</summary>
    public string Deployment { get; set; } = "";

    /// <summary><c>open</c> or <c>resolved</c>.</summary>
    public string Status { get; set; } = "open";

    /// <summary>Model.</summary>
    public ModelRef Model { get; set; } = new("", "");

    /// <summary>Site of the root scope, if it is within one site.</summary>
    public string? Site { get; set; }

    /// <summary>Root scope key.</summary>
    public string RootScope { get; set; } = "";

    /// <summary>Root scope as attribute → value.</summary>
    public Dictionary<string, string> RootSubgroup { get; set; } = [];

    /// <summary>Kind of the root finding.</summary>
    public FindingKind Kind { get; set; }

    /// <summary>Highest severity among the members.</summary>
    public Severity Severity { get; set; }

    /// <summary>Plain-language summary.</summary>
    public string Summary { get; set; } = "";

    /// <summary>The finding naming the root cause.</summary>
    public string RootFindingId { get; set; } = "";

    /// <summary>Members, the root first.</summary>
    public List<ChangeMember> Members { get; set; } = [];

    /// <summary>Estimated event time at which the change began.</summary>
    public DateTimeOffset? EstimatedStart { get; set; }

    /// <summary>Events in the root scope since the estimated start (at the last update).</summary>
    public long? AffectedEvents { get; set; }

    /// <summary>Event time of detection.</summary>
    public DateTimeOffset DetectedAt { get; set; }

    /// <summary>Event time of the last update.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Event time of resolution.</summary>
    public DateTimeOffset? ResolvedAt { get; set; }
}

/// <summary>Appends the change events the core emitted to their streams (<c>change:{id}</c>) and keeps their views.</summary>
internal static class ChangeStore
{
    public static string Stream(string changeId) => "change:" + changeId;

    public static async Task AppendAsync(IDocumentSession session, List<object> emitted, CancellationToken ct)
    {
        var changes = emitted.Where(e => e is ChangeOpened or ChangeRevised or ChangeClosed).ToList();
        if (changes.Count == 0) return;
        var needed = changes.Select(e => e switch { ChangeRevised r => r.ChangeId, ChangeClosed c => c.ChangeId, _ => null }).OfType<string>().Distinct().ToArray();
        var views = needed.Length == 0 ? [] : (await session.LoadManyAsync<ChangeView>(ct, needed)).ToDictionary(v => v.Id, StringComparer.Ordinal);
        foreach (var e in changes)
        {
            switch (e)
            {
                case ChangeOpened o:
                    session.Events.Append(Stream(o.ChangeId), o);
                    views[o.ChangeId] = new ChangeView
                    {
                        Id = o.ChangeId, Deployment = o.Deployment, Model = o.Model, Site = o.Site, RootScope = o.RootScope, RootSubgroup = o.RootSubgroup.ToDictionary(),
                        Kind = o.Kind, Severity = o.Severity, Summary = o.Summary, RootFindingId = o.RootFindingId, Members = [.. o.Members],
                        EstimatedStart = o.EstimatedStart, AffectedEvents = o.AffectedEvents, DetectedAt = o.DetectedAt, UpdatedAt = o.DetectedAt,
                    };
                    break;
                case ChangeRevised r:
                    session.Events.Append(Stream(r.ChangeId), r);
                    if (views.TryGetValue(r.ChangeId, out var v))
                    {
                        (v.Severity, v.Summary, v.RootFindingId, v.RootScope, v.RootSubgroup, v.Members, v.AffectedEvents, v.UpdatedAt) =
                            (r.Severity, r.Summary, r.RootFindingId, r.RootScope, r.RootSubgroup.ToDictionary(), [.. r.Members], r.AffectedEvents, r.UpdatedAt);
                        v.Site = r.RootSubgroup.GetValueOrDefault("site");
                    }

                    break;
                case ChangeClosed c:
                    session.Events.Append(Stream(c.ChangeId), c);
                    if (views.TryGetValue(c.ChangeId, out var cv))
                    {
                        (cv.Status, cv.ResolvedAt, cv.UpdatedAt) = ("resolved", c.ResolvedAt, c.ResolvedAt);
                    }

                    break;
            }
        }

        foreach (var v in views.Values) session.Store(v);
    }
}
