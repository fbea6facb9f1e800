namespace Monitoring.Statistics;

/// <summary>Whether a fairness quantity had enough data behind it to be reported.</summary>
public enum EvidenceStatus
{
    /// <summary>Every group involved met the minimum count: the value is reported.</summary>
    Sufficient,

    /// <summary>Too few cases: no value is reported (never a number computed from a handful of cases).</summary>
    InsufficientEvidence,
}

/// <summary>A per-group rate used by <see cref="Fairness"/>.</summary>
public enum GroupMetric
{
    /// <summary>True-positive rate TP/(TP+FN); denominator: positives.</summary>
    Sensitivity,

    /// <summary>True-negative rate TN/(TN+FP); denominator: negatives.</summary>
    Specificity,

    /// <summary>False-positive rate FP/(FP+TN); denominator: negatives. Higher is worse.</summary>
    FalsePositiveRate,

    /// <summary>Positive predictive value TP/(TP+FP); denominator: predicted positives.</summary>
    Ppv,

    /// <summary>Negative predictive value TN/(TN+FN); denominator: predicted negatives.</summary>
    Npv,

    /// <summary>Accuracy (TP+TN)/N; denominator: all cases.</summary>
    Accuracy,

    /// <summary>Selection rate (TP+FP)/N, the share predicted positive; denominator: all cases.</summary>
    SelectionRate,
}

/// <summary>Confusion counts of one subgroup.</summary>
/// <param name="Group">Group label (e.g. an age band or a site).</param>
/// <param name="Counts">Confusion counts of the group at the threshold.</param>
public sealed record GroupPerformance(string Group, ConfusionCounts Counts);

/// <summary>Settings of the fairness computations.</summary>
/// <param name="MinimumCount">Minimum denominator (positives, negatives or cases, depending on the metric) a group needs to be
/// included; default 11, the product's small-group privacy threshold k.</param>
/// <param name="Level">Confidence level of the intervals.</param>
/// <param name="BootstrapResamples">Bootstrap replicates where no analytic interval is used.</param>
/// <param name="Seed">Seed of the bootstrap generator (same data and seed ⇒ same interval).</param>
public sealed record FairnessOptions(int MinimumCount = 11, double Level = 0.95, int BootstrapResamples = 2000, ulong Seed = 20250101)
{
    /// <summary>The defaults.</summary>
    public static FairnessOptions Default { get; } = new();
}

/// <summary>
/// A fairness quantity, or an explicit statement that there was not enough evidence to compute one.
/// </summary>
/// <param name="Metric">What was computed, e.g. <c>equalized_odds_difference</c>.</param>
/// <param name="Status">Sufficient or insufficient evidence.</param>
/// <param name="Value">Point estimate and interval; null exactly when <see cref="Status"/> is <see cref="EvidenceStatus.InsufficientEvidence"/>.</param>
/// <param name="IntervalMethod">How the interval was obtained (<c>wilson</c>, <c>newcombe</c>, <c>bootstrap-percentile</c>), empty when no value.</param>
/// <param name="GroupsCompared">Groups that met the minimum count and entered the computation.</param>
/// <param name="GroupsExcluded">Groups left out for too few cases (their counts are not exposed).</param>
/// <param name="Reason">Why evidence is insufficient, null when sufficient.</param>
public sealed record FairnessResult(
    string Metric, EvidenceStatus Status, Estimate? Value, string IntervalMethod,
    IReadOnlyList<string> GroupsCompared, IReadOnlyList<string> GroupsExcluded, string? Reason)
{
    /// <summary>True when a value is reported.</summary>
    public bool IsSufficient => Status == EvidenceStatus.Sufficient;
}

/// <summary>The group with the worst value of a metric.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Status">Sufficient or insufficient evidence.</param>
/// <param name="Group">The worst group, null when insufficient.</param>
/// <param name="Value">Its value with a Wilson interval, null when insufficient.</param>
/// <param name="GroupsCompared">Groups that met the minimum count.</param>
/// <param name="GroupsExcluded">Groups left out for too few cases.</param>
/// <param name="Reason">Why evidence is insufficient, null when sufficient.</param>
public sealed record WorstGroupResult(
    GroupMetric Metric, EvidenceStatus Status, string? Group, Estimate? Value,
    IReadOnlyList<string> GroupsCompared, IReadOnlyList<string> GroupsExcluded, string? Reason);

/// <summary>
/// Group fairness of a thresholded classifier: per-group rates, gaps between groups (as fairlearn defines them) and the worst group,
/// each guarded by a minimum count so that small groups yield "insufficient evidence" rather than a noisy number.
/// Intervals: Wilson for a single group's rate; Newcombe's hybrid score interval for a demographic-parity difference between exactly
/// two groups; otherwise a seeded stratified bootstrap (cases resampled with replacement within each group, i.e. each group's four
/// confusion cells drawn from a multinomial with the observed proportions), percentile interval. Max–min gaps are biased upwards in
/// small samples; the percentile interval inherits that bias.
/// References: M. Hardt, E. Price, N. Srebro (2016), "Equality of opportunity in supervised learning", NeurIPS;
/// fairlearn.metrics (<c>equalized_odds_difference</c>, <c>demographic_parity_difference</c>, <c>demographic_parity_ratio</c>);
/// US EEOC (1978) four-fifths rule for disparate impact; B. Efron, R. Tibshirani (1993), An Introduction to the Bootstrap.
/// </summary>
public static class Fairness
{
    /// <summary>
    /// Confusion counts per group at a threshold (score ≥ threshold is positive), groups ordered by ordinal name.
    /// </summary>
    /// <param name="scores">Model scores.</param>
    /// <param name="labels">True labels.</param>
    /// <param name="groups">Group label of every case (non-null).</param>
    /// <param name="threshold">Decision threshold.</param>
    public static IReadOnlyList<GroupPerformance> ByGroup(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, ReadOnlySpan<string> groups, double threshold)
    {
        PerfGuard.SameLength(scores, labels);
        if (groups.Length != scores.Length) throw new ArgumentException($"'groups' has {groups.Length} values but 'scores' has {scores.Length}.", nameof(groups));
        Guard.Finite(scores, nameof(scores));
        if (!double.IsFinite(threshold)) throw new ArgumentException($"'threshold' is {threshold}; it must be finite.", nameof(threshold));
        var cells = new Dictionary<string, long[]>(StringComparer.Ordinal);
        for (var i = 0; i < scores.Length; i++)
        {
            var g = groups[i] ?? throw new ArgumentException($"'groups'[{i}] is null; every case needs a group.", nameof(groups));
            if (!cells.TryGetValue(g, out var c)) cells[g] = c = new long[4];
            var predicted = scores[i] >= threshold;
            c[labels[i] ? (predicted ? 0 : 3) : (predicted ? 1 : 2)]++;
        }

        return cells.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new GroupPerformance(kv.Key, new ConfusionCounts(kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3])))
            .ToList();
    }

    /// <summary>A group's rate with a Wilson interval, or insufficient evidence when its denominator is below the minimum count.</summary>
    public static FairnessResult Rate(GroupPerformance group, GroupMetric metric, FairnessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        var o = Validate(options);
        var (x, n) = Fraction(group.Counts, metric);
        var name = MetricName(metric);
        if (n < o.MinimumCount)
        {
            return Insufficient(name, Array.Empty<GroupPerformance>(), [group.Group], $"group '{group.Group}' has fewer than {o.MinimumCount} cases in the denominator of {name}");
        }

        return new FairnessResult(name, EvidenceStatus.Sufficient, Proportions.Wilson(x, n, o.Level), "wilson", [group.Group], [], null);
    }

    /// <summary>
    /// Equalized-odds difference, fairlearn's definition: max(max_g TPR_g − min_g TPR_g, max_g FPR_g − min_g FPR_g) over groups with at
    /// least the minimum count of both positives and negatives. Bootstrap interval. Insufficient evidence when fewer than two groups qualify.
    /// </summary>
    public static FairnessResult EqualizedOddsDifference(IReadOnlyList<GroupPerformance> groups, FairnessOptions? options = null)
    {
        var o = Validate(options);
        var (kept, excluded) = Split(groups, c => Math.Min(c.Positives, c.Negatives) >= o.MinimumCount);
        const string name = "equalized_odds_difference";
        if (kept.Count < 2) return Insufficient(name, kept, excluded, TooFew(kept.Count, o, "positives and negatives"));
        var value = Eod(kept.Select(g => g.Counts).ToArray());
        var interval = Bootstrap(kept, o, Eod, needsBothClasses: true);
        return new FairnessResult(name, EvidenceStatus.Sufficient, new Estimate(value, interval.Lower, interval.Upper, o.Level), "bootstrap-percentile", Names(kept), excluded, null);
    }

    /// <summary>
    /// Demographic-parity difference, fairlearn's definition: max_g SR_g − min_g SR_g with selection rate SR = (TP+FP)/N, over groups with at
    /// least the minimum count of cases. Interval: Newcombe's hybrid score interval for |p₁ − p₂| when exactly two groups qualify
    /// (the interval of p₁ − p₂ folded onto [0, 1]: [0, max(−L, U)] when it straddles 0); bootstrap otherwise.
    /// </summary>
    public static FairnessResult DemographicParityDifference(IReadOnlyList<GroupPerformance> groups, FairnessOptions? options = null)
    {
        var o = Validate(options);
        var (kept, excluded) = Split(groups, c => c.N >= o.MinimumCount);
        const string name = "demographic_parity_difference";
        if (kept.Count < 2) return Insufficient(name, kept, excluded, TooFew(kept.Count, o, "cases"));
        var value = Dpd(kept.Select(g => g.Counts).ToArray());
        if (kept.Count == 2)
        {
            var a = kept[0].Counts;
            var b = kept[1].Counts;
            var d = Proportions.NewcombeDifference(a.PredictedPositives, a.N, b.PredictedPositives, b.N, o.Level);
            var (lo, hi) = d.Lower <= 0 && d.Upper >= 0
                ? (0.0, Math.Max(-d.Lower, d.Upper))
                : (Math.Min(Math.Abs(d.Lower), Math.Abs(d.Upper)), Math.Max(Math.Abs(d.Lower), Math.Abs(d.Upper)));
            return new FairnessResult(name, EvidenceStatus.Sufficient, new Estimate(value, lo, hi, o.Level), "newcombe", Names(kept), excluded, null);
        }

        var interval = Bootstrap(kept, o, Dpd);
        return new FairnessResult(name, EvidenceStatus.Sufficient, new Estimate(value, interval.Lower, interval.Upper, o.Level), "bootstrap-percentile", Names(kept), excluded, null);
    }

    /// <summary>
    /// Disparate-impact ratio (fairlearn's <c>demographic_parity_ratio</c>): min_g SR_g / max_g SR_g in [0, 1], over groups with at least the
    /// minimum count of cases; 1 when no group is selected at all. Values below 0.8 fail the four-fifths rule. Bootstrap interval.
    /// </summary>
    public static FairnessResult DisparateImpactRatio(IReadOnlyList<GroupPerformance> groups, FairnessOptions? options = null)
    {
        var o = Validate(options);
        var (kept, excluded) = Split(groups, c => c.N >= o.MinimumCount);
        const string name = "disparate_impact_ratio";
        if (kept.Count < 2) return Insufficient(name, kept, excluded, TooFew(kept.Count, o, "cases"));
        var value = Dir(kept.Select(g => g.Counts).ToArray());
        var interval = Bootstrap(kept, o, Dir);
        return new FairnessResult(name, EvidenceStatus.Sufficient, new Estimate(value, interval.Lower, interval.Upper, o.Level), "bootstrap-percentile", Names(kept), excluded, null);
    }

    /// <summary>
    /// The group with the worst value of <paramref name="metric"/> among groups meeting the minimum denominator: the lowest value, except
    /// for <see cref="GroupMetric.FalsePositiveRate"/> and <see cref="GroupMetric.SelectionRate"/> where the highest is reported (more false
    /// alarms, more cases flagged). Ties go to the first group in ordinal name order. Wilson interval.
    /// </summary>
    public static WorstGroupResult WorstGroup(IReadOnlyList<GroupPerformance> groups, GroupMetric metric, FairnessOptions? options = null)
    {
        var o = Validate(options);
        var (kept, excluded) = Split(groups, c => Fraction(c, metric).Denominator >= o.MinimumCount);
        if (kept.Count == 0)
        {
            return new WorstGroupResult(metric, EvidenceStatus.InsufficientEvidence, null, null, [], excluded, TooFew(0, o, "cases in the denominator"));
        }

        var higherIsWorse = metric is GroupMetric.FalsePositiveRate or GroupMetric.SelectionRate;
        GroupPerformance? worst = null;
        var worstValue = 0.0;
        foreach (var g in kept.OrderBy(g => g.Group, StringComparer.Ordinal))
        {
            var (x, n) = Fraction(g.Counts, metric);
            var v = (double)x / n;
            if (worst is null || (higherIsWorse ? v > worstValue : v < worstValue))
            {
                worst = g;
                worstValue = v;
            }
        }

        var (wx, wn) = Fraction(worst!.Counts, metric);
        return new WorstGroupResult(metric, EvidenceStatus.Sufficient, worst.Group, Proportions.Wilson(wx, wn, o.Level), Names(kept), excluded, null);
    }

    internal static (long Numerator, long Denominator) Fraction(ConfusionCounts c, GroupMetric metric) => metric switch
    {
        GroupMetric.Sensitivity => (c.TruePositives, c.Positives),
        GroupMetric.Specificity => (c.TrueNegatives, c.Negatives),
        GroupMetric.FalsePositiveRate => (c.FalsePositives, c.Negatives),
        GroupMetric.Ppv => (c.TruePositives, c.PredictedPositives),
        GroupMetric.Npv => (c.TrueNegatives, c.PredictedNegatives),
        GroupMetric.Accuracy => (c.TruePositives + c.TrueNegatives, c.N),
        GroupMetric.SelectionRate => (c.PredictedPositives, c.N),
        _ => throw new ArgumentException($"'metric' is {metric}; unknown value.", nameof(metric)),
    };

    private static string MetricName(GroupMetric metric) => metric switch
    {
        GroupMetric.Sensitivity => "sensitivity",
        GroupMetric.Specificity => "specificity",
        GroupMetric.FalsePositiveRate => "false_positive_rate",
        GroupMetric.Ppv => "ppv",
        GroupMetric.Npv => "npv",
        GroupMetric.Accuracy => "accuracy",
        GroupMetric.SelectionRate => "selection_rate",
        _ => throw new ArgumentException($"'metric' is {metric}; unknown value.", nameof(metric)),
    };

    private static double Eod(ConfusionCounts[] cs)
    {
        double minTpr = double.MaxValue, maxTpr = double.MinValue, minFpr = double.MaxValue, maxFpr = double.MinValue;
        foreach (var c in cs)
        {
            var tpr = (double)c.TruePositives / c.Positives;
            var fpr = (double)c.FalsePositives / c.Negatives;
            (minTpr, maxTpr) = (Math.Min(minTpr, tpr), Math.Max(maxTpr, tpr));
            (minFpr, maxFpr) = (Math.Min(minFpr, fpr), Math.Max(maxFpr, fpr));
        }

        return Math.Max(maxTpr - minTpr, maxFpr - minFpr);
    }

    private static double Dpd(ConfusionCounts[] cs)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var c in cs)
        {
            var sr = (double)c.PredictedPositives / c.N;
            (min, max) = (Math.Min(min, sr), Math.Max(max, sr));
        }

        return max - min;
    }

    private static double Dir(ConfusionCounts[] cs)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var c in cs)
        {
            var sr = (double)c.PredictedPositives / c.N;
            (min, max) = (Math.Min(min, sr), Math.Max(max, sr));
        }

        return max == 0 ? 1 : min / max;
    }

    /// <summary>Stratified multinomial bootstrap of the confusion cells; replicates with an empty denominator are skipped.</summary>
    private static (double Lower, double Upper) Bootstrap(IReadOnlyList<GroupPerformance> groups, FairnessOptions o, Func<ConfusionCounts[], double> statistic, bool needsBothClasses = false)
    {
        var rng = new Xoshiro256(o.Seed);
        var values = new List<double>(o.BootstrapResamples);
        var replicate = new ConfusionCounts[groups.Count];
        for (var b = 0; b < o.BootstrapResamples; b++)
        {
            var valid = true;
            for (var g = 0; g < groups.Count; g++)
            {
                var c = groups[g].Counts;
                var n = c.N;
                var left = n;
                var tp = rng.Binomial(left, (double)c.TruePositives / n);
                left -= tp;
                var rest = n - c.TruePositives;
                var fp = rest > 0 ? rng.Binomial(left, (double)c.FalsePositives / rest) : 0;
                left -= fp;
                rest -= c.FalsePositives;
                var tn = rest > 0 ? rng.Binomial(left, (double)c.TrueNegatives / rest) : 0;
                var fn = left - tn;
                replicate[g] = new ConfusionCounts(tp, fp, tn, fn);
                if (replicate[g].Positives == 0 || replicate[g].Negatives == 0 || n == 0) valid = false;
            }

            if (valid || !needsBothClasses) values.Add(statistic(replicate));
        }

        // Each group has at least MinimumCount ≥ 1 positives and negatives, so an invalid replicate has probability < 1 and with
        // hundreds of replicates some are valid; guard anyway rather than return NaN.
        if (values.Count == 0) return (0, 1);
        values.Sort();
        var alpha = (1 - o.Level) / 2;
        return (Quantile(values, alpha), Quantile(values, 1 - alpha));
    }

    /// <summary>Linear-interpolation quantile of sorted values (numpy's default, type 7).</summary>
    private static double Quantile(List<double> sorted, double q)
    {
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static FairnessOptions Validate(FairnessOptions? options)
    {
        var o = options ?? FairnessOptions.Default;
        if (o.MinimumCount < 1) throw new ArgumentException($"'MinimumCount' is {o.MinimumCount}; it must be at least 1.", nameof(options));
        if (o.BootstrapResamples < 100) throw new ArgumentException($"'BootstrapResamples' is {o.BootstrapResamples}; use at least 100.", nameof(options));
        Proportions.ZForLevel(o.Level);
        return o;
    }

    private static (List<GroupPerformance> Kept, List<string> Excluded) Split(IReadOnlyList<GroupPerformance> groups, Func<ConfusionCounts, bool> sufficient)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var kept = new List<GroupPerformance>();
        var excluded = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            ArgumentNullException.ThrowIfNull(g, nameof(groups));
            if (!seen.Add(g.Group)) throw new ArgumentException($"Group '{g.Group}' appears twice.", nameof(groups));
            if (sufficient(g.Counts)) kept.Add(g); else excluded.Add(g.Group);
        }

        return (kept, excluded);
    }

    private static List<string> Names(IEnumerable<GroupPerformance> groups) => groups.Select(g => g.Group).ToList();

    private static string TooFew(int kept, FairnessOptions o, string what) =>
        $"{kept} group(s) have at least {o.MinimumCount} {what}; a comparison needs at least {(what.StartsWith("cases in", StringComparison.Ordinal) ? 1 : 2)}";

    private static FairnessResult Insufficient(string metric, IEnumerable<GroupPerformance> kept, IReadOnlyList<string> excluded, string reason) =>
        new(metric, EvidenceStatus.InsufficientEvidence, null, "", Names(kept), excluded, reason);

}
