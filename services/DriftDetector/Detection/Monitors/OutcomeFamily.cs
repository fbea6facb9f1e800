using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Self-starting Bernoulli CUSUMs on labelled outcomes per (scope, label): each labelled positive is a case "missed"
/// (predicted negative) or not, each labelled negative "false positive" or not. In-control rate p₀ = the scope's own rate
/// over the reference's labelled cases and every later case seen while the chart was at 0, shrunk towards the whole
/// population's rate by an empirical-Bayes number of pseudo-cases (<see cref="PriorCases"/>); designed for a rise of <c>designDrop</c>. Pooling every label
/// since the last reset (no window), the subgroup's baseline sharpens with time instead of re-testing one small reference;
/// the cases of an excursion never feed its own baseline, so a decay cannot hide in it.
/// </summary>
internal sealed class OutcomeFamily(MonitorBank bank) : IMonitorFamily
{
    private const double MinPriorCases = 20, MaxPriorCases = 2000;
    private readonly Dictionary<(int P0, int LogCases, int LogRate), BernoulliCusum> charts = [];
    private double share;

    public int CountCells(MonitorBank b) => 2 * Channels(b) * b.State.Scopes.Count;

    /// <summary>
    /// Outcome channels per scope: one per label, plus one pooling every label's cases when there are several (a decay that
    /// touches the subgroup's every finding is seen by the pooled channel with all of its labelled cases at once).
    /// </summary>
    public static int Channels(MonitorBank b) => b.Policy.Labels.Count > 1 ? b.Policy.Labels.Count + 1 : b.Policy.Labels.Count;

    private string ChannelName(int li) => li < bank.Policy.Labels.Count ? bank.Policy.Labels[li] : "all-labels";

    public void Compile(MonitorBank b, double sharePerCell) => share = sharePerCell;

    public void Observe(List<int> scopes, InferenceRecorded e, IReadOnlyList<string> labels, long sequence, DateTimeOffset time)
    {
        var pooled = bank.Policy.Labels.Count > 1 ? bank.Policy.Labels.Count : -1;
        for (var li = 0; li < bank.Policy.Labels.Count; li++)
        {
            var label = bank.Policy.Labels[li];
            if (!e.Prediction.Scores.TryGetValue(label, out var score) || !double.IsFinite(score)) continue;
            var positive = labels.Contains(label);
            var predicted = score >= e.Prediction.Threshold;
            var x = positive ? !predicted : predicted;
            Observe(scopes, li, positive, x, sequence, time);
            if (pooled >= 0) Observe(scopes, pooled, positive, x, sequence, time);
        }
    }

    private void Observe(List<int> scopes, int li, bool positive, bool x, long sequence, DateTimeOffset time)
    {
        // The whole population's rate first: it is the prior of every subgroup's.
        var population = Rate(0, li, positive);
        var prior = Prior(li, positive, population.P0);
        foreach (var si in scopes)
        {
            if (si >= bank.State.Scopes.Count) continue;
            var sm = bank.State.Scopes[si];
            while (sm.Outcomes.Count <= li) sm.Outcomes.Add(new OutcomeMonitors()); // a snapshot from before the pooled channel
            var cell = positive ? sm.Outcomes[li].Sensitivity : sm.Outcomes[li].Specificity;
            var cases = si == 0 ? 0 : si < prior.Departs.Length && prior.Departs[si] ? MinPriorCases : prior.Cases;
            Step(sm, si, li, cell, positive, x, si == 0 ? population : Rate(si, li, positive, (population.P0, cases)), cases, sequence, time);
        }
    }

    private void Step(ScopeMonitors sm, int si, int li, OutcomeCell cell, bool positive, bool x, (double P0, long N) rate, double prior, long sequence, DateTimeOffset time)
    {
        cell.Seen++;
        if (rate.N < bank.Policy.Policy.Performance.MinLabelled)
        {
            Fold(cell, x);
            return;
        }

        // Designed from the baseline itself for a rise of designDrop; the baseline's uncertainty (a subgroup's rests on a few
        // hundred labelled cases, shrunk towards the population's) is paid in the threshold, which keeps the cell's expected
        // false alarms a year within its share. While the baseline is too uncertain for any threshold the chart does not run and
        // every case feeds the baseline (learning), so it switches on as labels accumulate.
        var perYear = bank.ScopeRate(si) * Math.Clamp((cell.Seen + 1.0) / (sm.Count + 1.0), 0.001, 1);
        var chart = Chart(rate.P0, (long)(rate.N + prior), perYear);
        if (!double.IsFinite(chart.Threshold))
        {
            Fold(cell, x);
            return;
        }

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
        bank.Report(change, new Alarm(FindingKind.PerformanceDecay, sm.Scope, $"performance:{metric}:{ChannelName(li)}", "bernoulli-cusum",
            cell.Chart, chart.Threshold, observed - rate.P0, rate.N,
            $"{metric} fell to {Detector.F(1 - observed)} over {cell.Chart.N} labelled {(positive ? "positives" : "negatives")} from {Detector.F(1 - rate.P0)} (baseline of {rate.N})"),
            sequence, time);
    }

    private static void Fold(OutcomeCell cell, bool x)
    {
        cell.BaselineEvents++;
        if (x) cell.BaselineCases++;
    }

    /// <summary>Baseline rate of the scope: reference labelled cases + folded post-reference cases (+ <paramref name="prior"/>: the population's rate as pseudo-cases).</summary>
    private (double P0, long N) Rate(int si, int li, bool positive, (double P0, double Cases)? prior = null)
    {
        var (n, x) = Counts(si, li, positive);
        if (prior is { } p && p.Cases > 0) return ((x + p.Cases * p.P0) / (n + p.Cases), n);
        return (n > 0 ? (double)x / n : 0.5, n);
    }

    private (long N, long X) Counts(int si, int li, bool positive)
    {
        var (n, x) = PooledReference(si, li, positive);
        var outcomes = bank.State.Scopes[si].Outcomes;
        if (li >= outcomes.Count) return (n, x);
        var cell = positive ? outcomes[li].Sensitivity : outcomes[li].Specificity;
        return (n + cell.BaselineEvents, x + cell.BaselineCases);
    }

    private (long N, long X) ReferenceCounts(int si, int li, bool positive)
    {
        var late = bank.Deployment.Reference.Late;
        if (si >= late.Count) return (0, 0);
        var a = late[si].Labels[li];
        return positive ? (a.TruePositives + a.FalseNegatives, a.FalseNegatives) : (a.TrueNegatives + a.FalsePositives, a.FalsePositives);
    }

    /// <summary>
    /// How many pseudo-cases of the population's rate a subgroup's baseline borrows (empirical Bayes, method of moments): the
    /// spread τ² of the subgroups' true rates around the population's is estimated from the reference's labelled cases as the
    /// median over subgroups of (p̂ₛ − p̂)² − p̂ₛ(1 − p̂ₛ)/nₛ (the median: one subgroup the model serves much worse must not
    /// dissolve everyone's prior), and the prior holds p̂(1 − p̂)/τ² cases — many when subgroups are alike, so a small
    /// subgroup's baseline is known well enough at once to watch it for decay; few when they differ. A function of the stored
    /// reference counts (deterministic on replay), between 20 and 2,000.
    /// </summary>
    private readonly Dictionary<(int Channel, bool Positive), PriorState> priors = [];

    /// <summary>The prior of a channel's subgroups; recomputed only when the reference's labelled cases changed (every one counts in <c>*</c>).</summary>
    private sealed record PriorState(long ReferenceCases, double Cases, bool[] Departs);

    private PriorState Prior(int li, bool positive, double population)
    {
        var referenceCases = PooledReference(0, li, positive).N;
        if (priors.TryGetValue((li, positive), out var known) && known.ReferenceCases == referenceCases) return known;
        var (cases, p, tau2) = PriorCases(li, positive, population);
        var departs = new bool[bank.State.Scopes.Count];
        for (var si = 1; si < departs.Length; si++) departs[si] = Departs(si, li, positive, p, tau2);
        return priors[(li, positive)] = new PriorState(referenceCases, cases, departs);
    }

    private (double Cases, double P, double Tau2) PriorCases(int li, bool positive, double population)
    {
        var late = bank.Deployment.Reference.Late;
        var terms = new List<double>();
        var (refN, refX) = Reference(0);
        var p = refN > 0 ? (double)refX / refN : population;
        for (var si = 1; si < Math.Min(late.Count, bank.State.Scopes.Count); si++)
        {
            var (n, x) = Reference(si);
            if (n < 20) continue;
            var ps = (double)x / n;
            terms.Add((ps - p) * (ps - p) - ps * (1 - ps) / n);
        }

        var tau2 = terms.Count < 3 ? double.PositiveInfinity : Math.Max(terms.Order().ElementAt(terms.Count / 2), 1e-6);
        var cases = Math.Clamp(p * (1 - p) / tau2, MinPriorCases, MaxPriorCases);
        return (double.IsNaN(cases) ? MinPriorCases : cases, p, tau2);

        (long N, long X) Reference(int si) => PooledReference(si, li, positive);
    }

    /// <summary>
    /// A subgroup whose own reference already departs from the population's rate by more than two standard errors plus the
    /// spread (the model serves it differently: AP films, one vendor) keeps its own baseline: shrinking it would bias its chart
    /// towards the population and make its standing difference look like a decay.
    /// </summary>
    private bool Departs(int si, int li, bool positive, double p, double tau2)
    {
        var (n, x) = PooledReference(si, li, positive);
        if (n < 20) return false;
        var ps = (double)x / n;
        var spread = double.IsFinite(tau2) ? tau2 : 0;
        return Math.Abs(ps - p) > 2 * Math.Sqrt(ps * (1 - ps) / n + spread);
    }

    private (long N, long X) PooledReference(int si, int li, bool positive)
    {
        if (li < bank.Policy.Labels.Count) return ReferenceCounts(si, li, positive);
        long n = 0, x = 0;
        for (var l = 0; l < bank.Policy.Labels.Count; l++)
        {
            var (ln, lx) = ReferenceCounts(si, l, positive);
            (n, x) = (n + ln, x + lx);
        }

        return (n, x);
    }

    private BernoulliCusum Chart(double p0, long cases, double perYear)
    {
        // Thresholds depend on p0, the baseline's size and the rate only through smooth functions: cache on a fine grid
        // (0.001 of p0, 5 % of the size, 2.5 % of the rate).
        var key = ((int)Math.Round(Math.Clamp(p0, 0.002, 0.95) * 1000), (int)Math.Round(Math.Log(Math.Max(cases, 1)) * 20), (int)Math.Round(Math.Log(perYear) * 40));
        if (!charts.TryGetValue(key, out var chart))
        {
            var q0 = key.Item1 / 1000.0;
            var n = Math.Exp(key.Item2 / 20.0);
            var design = BernoulliCusum.Design(q0, Math.Min(0.99, q0 + bank.Spec.DesignDrop), 2);
            var h = CalibratedThreshold.Bernoulli(design.Hit, design.Miss, q0 * n, n, Math.Exp(key.Item3 / 40.0), bank.AlarmsPerYear(share));
            charts[key] = chart = design with { Threshold = h };
        }

        return chart;
    }
}
