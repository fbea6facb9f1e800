using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;
using Prometheus;

namespace Monitoring.DriftDetector.Telemetry;

/// <summary>
/// Prometheus metrics. Label cardinality is bounded: one series per (model, site, subgroup, signal, method) for at most
/// <see cref="DriftDetectorOptions.MetricsMaxSubgroups"/> subgroups per deployment, and subgroups with n below the small-cell
/// threshold are never exported.
/// </summary>
internal sealed class DriftMetrics
{
    private static readonly string[] SignalLabels = ["model", "site", "subgroup", "signal", "method"];
    private static readonly Gauge Statistic = Metrics.CreateGauge("drift_signal_statistic", "Latest test statistic per model, site, subgroup and signal.", SignalLabels);
    private static readonly Gauge PValue = Metrics.CreateGauge("drift_signal_p_value", "Latest raw p-value per model, site, subgroup and signal.", SignalLabels);
    private static readonly Gauge AdjustedPValue = Metrics.CreateGauge("drift_signal_adjusted_p_value", "Latest p-value after the policy's multiple-testing correction.", SignalLabels);
    private static readonly Gauge Performance = Metrics.CreateGauge("drift_subgroup_performance", "Subgroup performance (realized or CBPE-estimated) with interval bounds.",
        ["model", "site", "subgroup", "metric", "method", "bound"]);
    private static readonly Counter Opened = Metrics.CreateCounter("drift_findings_opened_total", "Findings opened.", ["model", "kind", "severity"]);
    private static readonly Counter Resolved = Metrics.CreateCounter("drift_findings_resolved_total", "Findings resolved.", ["model", "kind"]);
    private static readonly Gauge Lag = Metrics.CreateGauge("drift_subscription_lag_events", "Events in the Ingest store not yet applied by the detector.");
    private static readonly Gauge NotDemonstrated = Metrics.CreateGauge("drift_floor_not_demonstrated",
        "1 when a floor's interval straddles it (no evidence of harm, none of safety: never a finding), else 0.", SignalLabels);
    private static readonly Counter Events = Metrics.CreateCounter("drift_events_processed_total", "Ingest events applied by the detector.");
    private static readonly Counter Failures = Metrics.CreateCounter("drift_page_failures_total", "Subscription pages that failed and were retried.");
    private static readonly Histogram SnapshotSeconds = Metrics.CreateHistogram("drift_snapshot_seconds",
        "State snapshot: serializing it on the decision thread, and committing it in the background.", new HistogramConfiguration
        {
            LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14),
        });

    public void EventsProcessed(int n) => Events.Inc(n);
    public void PageFailed() => Failures.Inc();
    public void SnapshotSerialized(TimeSpan took) => SnapshotSeconds.WithLabels("serialize").Observe(took.TotalSeconds);
    public void SnapshotCommitted(TimeSpan took) => SnapshotSeconds.WithLabels("commit").Observe(took.TotalSeconds);
    public void SetLag(long lag) => Lag.Set(lag);
    public void FindingOpened(FindingOpened o) => Opened.WithLabels(o.Model.ToString(), Kind(o.Kind), o.Severity.ToString().ToLowerInvariant()).Inc();
    public void FindingResolved(FindingView v) => Resolved.WithLabels(v.Model.ToString(), Kind(v.Kind)).Inc();

    public void Publish(DeploymentState state, DriftDetectorOptions options)
    {
        var k = options.SmallCellThreshold;
        var allowed = state.ScopeKeys.Order(StringComparer.Ordinal).Take(options.MetricsMaxSubgroups).ToHashSet(StringComparer.Ordinal);
        allowed.Add("*");
        var model = state.Model.ToString();
        foreach (var (_, s) in state.Status.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var cardinalityOk = allowed.Contains(s.Scope) || s.Scope.EndsWith("=*", StringComparison.Ordinal);
            if (!cardinalityOk) continue;
            var (site, subgroup) = ScopeText.Describe(s.Scope, state.Site);
            PublishSignal(model, site, subgroup, s.Signal, s.Method, s.Kind, s.Statistic, s.PValue, s.AdjustedPValue, s.Interval, s.CurrentSize, s.ReferenceSize, k, s.State);
        }
    }

    /// <summary>Sets one signal's series, unless its cell is small (see <see cref="Api.SmallCells"/>) or it has no figure yet.</summary>
    internal static void PublishSignal(string model, string? site, IReadOnlyDictionary<string, string> subgroup, string signal, string method, FindingKind kind,
        double? statistic, double? pValue, double? adjustedPValue, Interval? interval, long currentSize, long referenceSize, int k, string? state = null)
    {
        if (statistic is null || Api.SmallCells.Withheld(currentSize, referenceSize, k))
        {
            return;
        }

        var subgroupLabel = subgroup.Count == 0 ? "*" : string.Join('&', subgroup.Select(x => $"{x.Key}={x.Value}"));
        string[] labels = [model, site ?? "*", subgroupLabel, signal, method];
        if (kind is FindingKind.PerformanceDecay or FindingKind.EstimatedPerformanceDecay && method is "wilson-floor" or "delong-floor" or "cbpe")
        {
            NotDemonstrated.WithLabels(labels).Set(state == "not-demonstrated" ? 1 : 0);
            Performance.WithLabels(model, site ?? "*", subgroupLabel, signal, method, "value").Set(statistic.Value);
            if (interval is { } i)
            {
                Performance.WithLabels(model, site ?? "*", subgroupLabel, signal, method, "lower").Set(i.Lower);
                Performance.WithLabels(model, site ?? "*", subgroupLabel, signal, method, "upper").Set(i.Upper);
            }

            return;
        }

        Statistic.WithLabels(labels).Set(statistic.Value);
        if (pValue is { } p) PValue.WithLabels(labels).Set(p);
        if (adjustedPValue is { } q) AdjustedPValue.WithLabels(labels).Set(q);
    }

    private static string Kind(FindingKind kind) => kind switch
    {
        FindingKind.DistributionShift => "distribution-shift",
        FindingKind.PerformanceDecay => "performance-decay",
        FindingKind.EstimatedPerformanceDecay => "estimated-performance-decay",
        FindingKind.FairnessGap => "fairness-gap",
        _ => "abrupt-change",
    };
}
