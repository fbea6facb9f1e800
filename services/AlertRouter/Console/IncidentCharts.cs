using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Console;

/// <summary>The three pictures of an incident page, as SVG markup, and where their data came from.</summary>
public sealed record IncidentCharts(string Signal, string Distribution, string Subgroups, string Source)
{
    public static readonly IncidentCharts None = new("", "", "", "");

    /// <summary>
    /// From the detector's evidence series when it answered; otherwise from what the incident itself recorded (the
    /// evidence of every finding message), so the page never depends on the detector being up.
    /// </summary>
    public static IncidentCharts Build(Alert a, IReadOnlyList<(DateTimeOffset At, object Data)> events, EvidenceSeriesDto? detector, int k)
    {
        var root = a.Members.FirstOrDefault(m => m.Root)?.FindingId ?? a.FindingIds.FirstOrDefault();
        var own = OwnSeries(events, root);
        var signal = detector?.Signal ?? a.MemberEvidence.GetValueOrDefault(root ?? "")?.Signal ?? a.Evidence?.Signal ?? a.Labels.GetValueOrDefault("signal", "signal");
        var method = detector?.Method ?? a.MemberEvidence.GetValueOrDefault(root ?? "")?.Method ?? a.Evidence?.Method ?? "";
        var points = detector is { Series.Count: > 0 }
            ? detector.Series.Where(p => p.Statistic is not null).Select(p => new TimePoint(p.At, p.Statistic!.Value)).ToList()
            : own.Select(e => new TimePoint(e.Window.LastEventTime, e.Statistic)).Where(p => double.IsFinite(p.Value)).ToList();
        var threshold = detector?.Series.LastOrDefault(p => p.Threshold is not null)?.Threshold ?? own.LastOrDefault(e => e.Threshold is not null)?.Threshold;
        var performance = signal.StartsWith("performance:", StringComparison.Ordinal);
        // The band is where the reference says the statistic should stay: above a performance floor, below a drift threshold.
        var (low, high) = threshold is not { } t ? ((double?)null, (double?)null) : performance ? (t, Math.Max(1, t)) : (Math.Min(0, t), t);
        var signalSvg = Charts.SignalOverTime($"{IncidentStory.Describe(signal)}: {method} statistic per window", $"{method} statistic", points, low, high, a.DetectedAt);

        var distribution = detector?.Distribution;
        var distributionSvg = distribution is { Suppressed: false }
            ? Charts.Distributions($"{IncidentStory.Describe(distribution.Signal)}: reference against current ({distribution.Scope})", distribution.Signal,
                distribution.Reference.Select(b => new Bin(b.Lower, b.Upper, b.Share)).ToList(), distribution.Current.Select(b => new Bin(b.Lower, b.Upper, b.Share)).ToList())
            : Charts.Distributions("Reference against current distribution", signal, [], []);

        var (metric, bars, floor) = SubgroupBars(a, detector, k);
        var subgroupSvg = Charts.SubgroupPerformance($"Performance per subgroup: {metric}", metric, bars, floor);
        return new(signalSvg, distributionSvg, subgroupSvg, detector is null ? "recorded with the incident (the detector's series were not available)" : $"the DriftDetector (deployment {detector.Deployment})");
    }

    private static List<FindingEvidence> OwnSeries(IReadOnlyList<(DateTimeOffset At, object Data)> events, string? root) =>
        events.Select(e => e.Data switch
        {
            AlertRaised r when r.FindingId == root => r.Evidence,
            AlertUpdated u when u.FindingId == root || u.FindingId is null => u.Evidence,
            AlertRecoveryObserved r when r.FindingId == root => r.Evidence,
            _ => null,
        }).OfType<FindingEvidence>().ToList();

    private static (string Metric, List<SubgroupBar> Bars, double? Floor) SubgroupBars(Alert a, EvidenceSeriesDto? detector, int k)
    {
        if (detector is { Performance.Count: > 0 })
        {
            var wanted = a.Members.Select(m => m.Signal).FirstOrDefault(s => s.StartsWith("performance:", StringComparison.Ordinal));
            var perf = detector.Performance.FirstOrDefault(p => p.Signal == wanted) ?? detector.Performance[0];
            return (perf.Signal, perf.Rows.Select(r => new SubgroupBar(Label(r.Scope), r.Suppressed ? null : r.Value, r.Lower, r.Upper,
                r.Suppressed ? "suppressed" : r.State, r.Suppressed ? $"<{k}" : IncidentStory.Size(r.CurrentSize, k))).ToList(),
                perf.Rows.Select(r => r.Floor).FirstOrDefault(f => f is not null));
        }

        var members = a.Members.Where(m => m.Signal.StartsWith("performance:", StringComparison.Ordinal))
            .Select(m => (m, e: a.MemberEvidence.GetValueOrDefault(m.FindingId))).Where(x => x.e is not null).ToList();
        return (members.FirstOrDefault().m?.Signal ?? "performance",
            members.Select(x => x.e!.CurrentSize < k
                ? new SubgroupBar(Label(AlertLabels.SubgroupText(x.m.Subgroup)), null, null, null, "suppressed", $"<{k}")
                : new SubgroupBar(Label(AlertLabels.SubgroupText(x.m.Subgroup)), x.e.Statistic, x.e.Interval?.Lower, x.e.Interval?.Upper, "detected", IncidentStory.Size(x.e.CurrentSize, k))).ToList(),
            members.Select(x => x.e!.Threshold).FirstOrDefault(t => t is not null));
    }

    private static string Label(string scope) => string.IsNullOrEmpty(scope) || scope == "*" ? "everyone" : scope.Replace("&", ", ", StringComparison.Ordinal);

    /// <summary>What the detector's subgroup figures say about performance, for the summary cards; null when it sent none.</summary>
    public static string? PerformanceKnown(EvidenceSeriesDto? detector)
    {
        var rows = detector?.Performance.SelectMany(p => p.Rows).ToList();
        if (rows is not { Count: > 0 })
        {
            return null;
        }

        var measured = rows.Count(r => r.Value is not null);
        var below = rows.Count(r => r.State == "detected");
        var unknown = rows.Count - measured;
        return $"measured in {measured} subgroups, {below} below the floor; {unknown} not demonstrated or withheld";
    }
}
