using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Self-starting Bernoulli CUSUMs on labelled outcomes per (scope, label): each labelled positive is a case "missed"
/// (predicted negative) or not, each labelled negative "false positive" or not. In-control rate p₀ = the scope's own rate
/// over the reference's labelled cases and every later case seen while the chart was at 0, shrunk towards the whole
/// population's rate by <see cref="PriorCases"/> pseudo-cases; designed for a rise of <c>designDrop</c>. Pooling every label
/// since the last reset (no window), the subgroup's baseline sharpens with time instead of re-testing one small reference;
/// the cases of an excursion never feed its own baseline, so a decay cannot hide in it.
/// </summary>
internal sealed class OutcomeFamily(MonitorBank bank) : IMonitorFamily
{
    private const int PriorCases = 20;
    private readonly Dictionary<(int P0, int LogTarget), BernoulliCusum> charts = [];
    private double share;

    public int CountCells(MonitorBank b) => b.Policy.Labels.Count == 0 ? 0 : 2 * b.Policy.Labels.Count * b.State.Scopes.Count;

    public void Compile(MonitorBank b, double sharePerCell) => share = sharePerCell;

    public void Observe(List<int> scopes, InferenceRecorded e, IReadOnlyList<string> labels, long sequence, DateTimeOffset time)
    {
        for (var li = 0; li < bank.Policy.Labels.Count; li++)
        {
            var label = bank.Policy.Labels[li];
            if (!e.Prediction.Scores.TryGetValue(label, out var score) || !double.IsFinite(score)) continue;
            var positive = labels.Contains(label);
            var predicted = score >= e.Prediction.Threshold;
            // The whole population's rate first: it is the prior of every subgroup's.
            var population = Rate(0, li, positive);
            foreach (var si in scopes)
            {
                if (si >= bank.State.Scopes.Count) continue;
                var sm = bank.State.Scopes[si];
                var cell = positive ? sm.Outcomes[li].Sensitivity : sm.Outcomes[li].Specificity;
                var x = positive ? !predicted : predicted;
                Step(sm, si, li, cell, positive, x, si == 0 ? population : Rate(si, li, positive, population), sequence, time);
            }
        }
    }

    private void Step(ScopeMonitors sm, int si, int li, OutcomeCell cell, bool positive, bool x, (double P0, long N) rate, long sequence, DateTimeOffset time)
    {
        cell.Seen++;
        if (rate.N < bank.Policy.Policy.Performance.MinLabelled)
        {
            Fold(cell, x);
            return;
        }

        // Designed from the baseline moved up by its own standard error at the guarantee level (the baseline of a small
        // subgroup is uncertain; as labels accumulate the margin shrinks), for a rise of designDrop over the baseline.
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, bank.Spec.OutcomeGuarantee);
        var p0 = Math.Clamp(rate.P0 + z * Math.Sqrt(rate.P0 * (1 - rate.P0) / rate.N), 0.002, 0.95);
        var perYear = bank.ScopeRate(si) * Math.Clamp((cell.Seen + 1.0) / (sm.Count + 1.0), 0.001, 1);
        var chart = Chart(p0, bank.TargetRunLength(perYear, share));
        var change = Cells.Step(cell.Chart, x ? chart.Hit : chart.Miss, x ? 1 : 0, chart.Threshold, sequence, time);
        if (cell.Chart.S == 0)
        {
            cell.BaselineEvents += cell.PendingEvents + 1;
            cell.BaselineCases += cell.PendingCases + (x ? 1 : 0);
            cell.PendingEvents = cell.PendingCases = 0;
        }
        else
        {
            cell.PendingEvents++;
            if (x) cell.PendingCases++;
        }

        if (change == CellEvent.None) return;
        var metric = positive ? "sensitivity" : "specificity";
        var observed = cell.Chart.N > 0 ? cell.Chart.Sum / cell.Chart.N : 0;
        bank.Report(change, new Alarm(FindingKind.PerformanceDecay, sm.Scope, $"performance:{metric}:{bank.Policy.Labels[li]}", "bernoulli-cusum",
            cell.Chart, chart.Threshold, observed - rate.P0, rate.N,
            $"{metric} fell to {Detector.F(1 - observed)} over {cell.Chart.N} labelled {(positive ? "positives" : "negatives")} from {Detector.F(1 - rate.P0)} (baseline of {rate.N})"),
            sequence, time);
    }

    private static void Fold(OutcomeCell cell, bool x)
    {
        cell.BaselineEvents++;
        if (x) cell.BaselineCases++;
    }

    /// <summary>Baseline rate of the scope: reference labelled cases + folded post-reference cases (+ prior from the population).</summary>
    private (double P0, long N) Rate(int si, int li, bool positive, (double P0, long N)? prior = null)
    {
        var late = bank.Deployment.Reference.Late;
        long n = 0, x = 0;
        if (si < late.Count)
        {
            var a = late[si].Labels[li];
            (n, x) = positive ? (a.TruePositives + a.FalseNegatives, a.FalseNegatives) : (a.TrueNegatives + a.FalsePositives, a.FalsePositives);
        }

        var o = bank.State.Scopes[si].Outcomes[li];
        var cell = positive ? o.Sensitivity : o.Specificity;
        n += cell.BaselineEvents;
        x += cell.BaselineCases;
        if (prior is { } p && p.N > 0) return ((x + PriorCases * p.P0) / (n + PriorCases), n);
        return (n > 0 ? (double)x / n : 0.5, n);
    }

    private BernoulliCusum Chart(double p0, double target)
    {
        // Thresholds depend on p0 and the target only through a smooth function: cache on a fine grid (0.001, 2.5 % of target).
        var key = ((int)Math.Round(p0 * 1000), (int)Math.Round(Math.Log(target) * 40));
        if (!charts.TryGetValue(key, out var chart))
        {
            var q0 = key.Item1 / 1000.0;
            charts[key] = chart = BernoulliCusum.Design(q0, Math.Min(0.99, q0 + bank.Spec.DesignDrop), Math.Exp(key.Item2 / 40.0));
        }

        return chart;
    }
}
