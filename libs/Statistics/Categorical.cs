using MathNet.Numerics;

namespace Monitoring.Statistics;

/// <summary>Tests for categorical drift: chi-squared and G-test of homogeneity on a 2×k table, Fisher's exact test on a 2×2 table.</summary>
public static class Categorical
{
    /// <summary>
    /// Pearson chi-squared test of homogeneity of two count vectors over the same k categories, matching
    /// <c>scipy.stats.chi2_contingency([reference, current])</c> (scipy 1.10, <c>correction=True</c>).
    /// </summary>
    /// <remarks>
    /// Expected counts E_ij = R_i C_j / N; X² = Σ (O_ij − E_ij)²/E_ij with k − 1 degrees of freedom;
    /// p = Q((k−1)/2, X²/2) (upper regularised gamma). As scipy, Yates' continuity correction (each |O − E|
    /// reduced by min(½, |O − E|)) is applied only when there is one degree of freedom (a 2×2 table).
    /// Difference from scipy, by design: categories that are empty in both vectors are dropped (scipy raises
    /// because their expected count is zero); they carry no information. With fewer than two non-empty
    /// categories the statistic is 0 and p = 1 (scipy's dof = 0 case).
    /// Reference: Agresti, A. (2013) Categorical Data Analysis, 3rd ed., §3.2; scipy.stats.chi2_contingency.
    /// </remarks>
    /// <param name="reference">Counts per category in the reference window (non-negative, positive total).</param>
    /// <param name="current">Counts per category in the current window (same length, non-negative, positive total).</param>
    /// <returns>X², its p-value; method <c>pearson</c> or <c>pearson+yates</c>.</returns>
    /// <exception cref="ArgumentException">Lengths differ, empty, a negative count or a zero total.</exception>
    public static TestResult ChiSquaredHomogeneity(ReadOnlySpan<long> reference, ReadOnlySpan<long> current)
        => Homogeneity(reference, current, logLikelihood: false);

    /// <summary>
    /// G-test (log-likelihood ratio) of homogeneity of two count vectors, matching
    /// <c>scipy.stats.chi2_contingency([reference, current], lambda_="log-likelihood")</c> (scipy 1.10).
    /// </summary>
    /// <remarks>
    /// G = 2 Σ O_ij ln(O_ij / E_ij) (0 ln 0 = 0) with k − 1 degrees of freedom, p from the χ² upper tail.
    /// Yates' correction is applied to the observed counts for a 2×2 table exactly as scipy does, and
    /// categories empty in both vectors are dropped (see <see cref="ChiSquaredHomogeneity"/>).
    /// Reference: Sokal, R.R., Rohlf, F.J. (1995) Biometry, 3rd ed., §17.
    /// </remarks>
    /// <param name="reference">Counts per category in the reference window (non-negative, positive total).</param>
    /// <param name="current">Counts per category in the current window (same length, non-negative, positive total).</param>
    /// <returns>G, its p-value; method <c>g-test</c> or <c>g-test+yates</c>.</returns>
    /// <exception cref="ArgumentException">Lengths differ, empty, a negative count or a zero total.</exception>
    public static TestResult GTest(ReadOnlySpan<long> reference, ReadOnlySpan<long> current)
        => Homogeneity(reference, current, logLikelihood: true);

    private static TestResult Homogeneity(ReadOnlySpan<long> reference, ReadOnlySpan<long> current, bool logLikelihood)
    {
        if (reference.Length != current.Length)
        {
            throw new ArgumentException($"'{nameof(reference)}' has {reference.Length} categories but '{nameof(current)}' has {current.Length}.", nameof(current));
        }

        var r = Guard.Counts(reference, nameof(reference), "categories");
        var c = Guard.Counts(current, nameof(current), "categories");
        var name = logLikelihood ? "g-test" : "pearson";
        var k = 0;
        for (var j = 0; j < reference.Length; j++)
        {
            if (reference[j] + current[j] > 0)
            {
                k++;
            }
        }

        if (k < 2)
        {
            return new TestResult(0.0, 1.0, name) { DegreesOfFreedom = 0, FirstSampleSize = r, SecondSampleSize = c };
        }

        var dof = k - 1;
        var total = (double)r + c;
        var yates = dof == 1;
        var stat = 0.0;
        for (var j = 0; j < reference.Length; j++)
        {
            var colSum = (double)reference[j] + current[j];
            if (colSum == 0)
            {
                continue;
            }

            stat += Term(reference[j], r * colSum / total, yates, logLikelihood);
            stat += Term(current[j], c * colSum / total, yates, logLikelihood);
        }

        if (logLikelihood)
        {
            stat *= 2;
        }

        var p = ChiSquaredSf(stat, dof);
        return new TestResult(stat, p, yates ? name + "+yates" : name) { DegreesOfFreedom = dof, FirstSampleSize = r, SecondSampleSize = c };
    }

    private static double Term(long observedCount, double expected, bool yates, bool logLikelihood)
    {
        double observed = observedCount;
        if (yates)
        {
            var diff = expected - observed;
            observed += Math.Min(0.5, Math.Abs(diff)) * Math.Sign(diff);
        }

        if (logLikelihood)
        {
            return observed == 0 ? 0.0 : observed * Math.Log(observed / expected);
        }

        var d = observed - expected;
        return d * d / expected;
    }

    /// <summary>Upper tail of χ²_dof: Q(dof/2, x/2).</summary>
    internal static double ChiSquaredSf(double x, int dof)
        => x <= 0 ? 1.0 : Math.Clamp(SpecialFunctions.GammaUpperRegularized(dof / 2.0, x / 2.0), 0, 1);

    /// <summary>
    /// Two-sided Fisher exact test on the 2×2 table [[a, b], [c, d]], matching <c>scipy.stats.fisher_exact</c>
    /// (statistic = the sample odds ratio ad/(bc), +∞ when b or c is 0, as scipy).
    /// </summary>
    /// <remarks>
    /// Conditional on the margins, a ~ Hypergeometric(N = a+b+c+d, K = a+b, n = a+c). The two-sided p-value sums
    /// Pr(X = x) over every table no more probable than the observed one: p = Σ_{P(x) ≤ P(a)(1+10⁻⁷)} P(x).
    /// The relative tolerance 10⁻⁷ (R's <c>fisher.test</c>) makes tables of equal probability count despite
    /// rounding; scipy uses a search with 10⁻¹⁴, which gives the same set except for probabilities that differ
    /// by less than one part in 10⁷. Weights are accumulated in log space outward from the mode and terms below e^-750 of the mode's are
    /// skipped (they cannot change a double), so the cost is O(√N); a table beyond that reports p = 0 (true p &lt; 1e-320).
    /// Reference: Fisher, R.A. (1922) JRSS 85(1), 87–94; Agresti (2013) §3.5.
    /// </remarks>
    /// <param name="a">Row 1, column 1 count.</param>
    /// <param name="b">Row 1, column 2 count.</param>
    /// <param name="c">Row 2, column 1 count.</param>
    /// <param name="d">Row 2, column 2 count.</param>
    /// <returns>The odds ratio and the two-sided p-value; method <c>exact</c>.</returns>
    /// <exception cref="ArgumentException">A negative count, or a row or column total of zero (the odds ratio is undefined; scipy returns NaN).</exception>
    public static TestResult FisherExact(long a, long b, long c, long d)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0)
        {
            throw new ArgumentException($"Counts must be non-negative; got [[{a}, {b}], [{c}, {d}]].", a < 0 ? nameof(a) : b < 0 ? nameof(b) : c < 0 ? nameof(c) : nameof(d));
        }

        if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0)
        {
            throw new ArgumentException($"The table [[{a}, {b}], [{c}, {d}]] has a zero row or column total; the odds ratio is undefined.", nameof(a));
        }

        // scipy: ad/(bc) when b and c are positive, +inf otherwise. With no zero margin, b = 0 forces a, d > 0 (row 1 and
        // column 2) and c = 0 likewise, so ad/(+0) is IEEE's +∞: one expression gives both.
        var oddsRatio = (double)a * d / ((double)c * b);

        long n1 = a + b, n2 = c + d, n = a + c;
        long total = n1 + n2;
        long lo = Math.Max(0, n - n2), hi = Math.Min(n, n1);
        var mode = (long)((n + 1) * (double)(n1 + 1) / (total + 2));
        mode = Math.Clamp(mode, lo, hi);

        // Log-weights relative to the mode by the ratio recurrence, walking outward only while a term can still
        // change a double sum (weight > e^-750 of the mode's): O(σ) work instead of O(N) for large tables.
        const double Negligible = -750;
        var upper = new List<double>();
        for (double lw = 0, x = mode; x < hi;)
        {
            lw += Math.Log((n1 - x) * (n - x) / ((x + 1) * (n2 - n + x + 1)));
            x++;
            if (lw < Negligible)
            {
                break;
            }

            upper.Add(lw);
        }

        var lower = new List<double>();
        for (double lw = 0, x = mode; x > lo;)
        {
            lw += Math.Log(x * (n2 - n + x) / ((n1 - x + 1) * (n - x + 1)));
            x--;
            if (lw < Negligible)
            {
                break;
            }

            lower.Add(lw);
        }

        double observed;
        if (a == mode)
        {
            observed = 0;
        }
        else if (a > mode && a - mode <= upper.Count)
        {
            observed = upper[(int)(a - mode - 1)];
        }
        else if (a < mode && mode - a <= lower.Count)
        {
            observed = lower[(int)(mode - a - 1)];
        }
        else
        {
            // The observed table is less likely than e^-750 × the mode: p underflows a double.
            return new TestResult(oddsRatio, 0.0, "exact");
        }

        var threshold = observed + Math.Log(1 + 1e-7);
        var all = 1.0;
        var tail = threshold >= 0 ? 1.0 : 0.0;
        foreach (var lw in upper.Concat(lower))
        {
            var w = Math.Exp(lw);
            all += w;
            if (lw <= threshold)
            {
                tail += w;
            }
        }

        return new TestResult(oddsRatio, Math.Min(1.0, tail / all), "exact");
    }
}
