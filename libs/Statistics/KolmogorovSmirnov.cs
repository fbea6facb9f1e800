namespace Monitoring.Statistics;

/// <summary>How the two-sample Kolmogorov–Smirnov p-value is computed.</summary>
public enum KsMethod
{
    /// <summary>Exact when both samples have at most 10 000 values, asymptotic otherwise (scipy 1.10 <c>method="auto"</c>).</summary>
    Auto,

    /// <summary>Exact lattice-path distribution; falls back to asymptotic when lcm(n₁, n₂) is too large or the computation fails, as scipy does.</summary>
    Exact,

    /// <summary>Distribution of the one-sample D_n with n = round(n₁n₂/(n₁+n₂)) (scipy <c>method="asymp"</c>).</summary>
    Asymptotic,
}

/// <summary>Two-sample Kolmogorov–Smirnov test.</summary>
public static class KolmogorovSmirnov
{
    private const int MaxAutoN = 10000;

    /// <summary>
    /// Two-sided two-sample Kolmogorov–Smirnov test, numerically matching
    /// <c>scipy.stats.ks_2samp(x, y, alternative="two-sided", method=...)</c> (scipy 1.10).
    /// </summary>
    /// <remarks>
    /// Statistic: D = sup_t |F₁(t) − F₂(t)| over the empirical CDFs (ties handled by evaluating both
    /// CDFs at every pooled value, right-continuous). Exact p-value: Pr(D_{n₁,n₂} ≥ d) by counting the
    /// lattice paths that leave the band |i/n₁ − j/n₂| &lt; d (Hodges 1958; Viehmann 2021); scipy rounds d to
    /// the lattice h/lcm(n₁,n₂) first and so does this method (the returned statistic is that rounded value
    /// in exact mode). Asymptotic p-value: the exact one-sample distribution Pr(D_n ≥ d) with
    /// n = round(n₁n₂/(n₁+n₂)), evaluated as in Simard &amp; L'Ecuyer (2011).
    /// Cost: one O(n log n) sort per sample (radix sort for large inputs) plus an O(n₁+n₂) merge;
    /// the exact p-value costs up to O(n₁·n₂) for unequal sizes ≤ 10 000.
    /// References: Hodges, J.L. (1958) Arkiv för Matematik 3, 469–486; Simard, R., L'Ecuyer, P. (2011)
    /// J. Stat. Softw. 39(11); scipy.stats.ks_2samp.
    /// </remarks>
    /// <param name="x">First sample (finite values, at least one).</param>
    /// <param name="y">Second sample (finite values, at least one).</param>
    /// <param name="method">Exact, asymptotic or scipy's automatic choice.</param>
    /// <returns>D and its two-sided p-value; <see cref="TestResult.Method"/> is <c>exact</c> or <c>asymptotic</c>.</returns>
    /// <exception cref="ArgumentException">Empty input or a NaN/±∞ value.</exception>
    public static TestResult TwoSample(ReadOnlySpan<double> x, ReadOnlySpan<double> y, KsMethod method = KsMethod.Auto)
    {
        var xs = DistributionSort.SortedCopy(x, nameof(x));
        var ys = DistributionSort.SortedCopy(y, nameof(y));
        return TwoSampleSorted(xs, ys, method);
    }

    /// <summary>
    /// The same test as <see cref="TwoSample(ReadOnlySpan{double}, ReadOnlySpan{double}, KsMethod)"/> with the first sample
    /// sorted in advance: only <paramref name="y"/> is sorted, and the result (statistic, p-value, method) is bit-identical to
    /// the unsorted overload on the original values. Use it when one sample (a frozen reference) is tested against many.
    /// </summary>
    /// <param name="x">First sample, sorted once with <see cref="SortedSample.Of"/>.</param>
    /// <param name="y">Second sample (finite values, at least one).</param>
    /// <param name="method">Exact, asymptotic or scipy's automatic choice.</param>
    /// <returns>D and its two-sided p-value; <see cref="TestResult.Method"/> is <c>exact</c> or <c>asymptotic</c>.</returns>
    /// <exception cref="ArgumentException">Empty <paramref name="y"/> or a NaN/±∞ value in it.</exception>
    public static TestResult TwoSample(SortedSample x, ReadOnlySpan<double> y, KsMethod method = KsMethod.Auto)
    {
        ArgumentNullException.ThrowIfNull(x);
        var ys = DistributionSort.SortedCopy(y, nameof(y));
        return TwoSampleSorted(x.Values, ys, method);
    }

    /// <summary>The test on samples already sorted ascending (no copy, no validation beyond lengths).</summary>
    internal static TestResult TwoSampleSorted(double[] xs, double[] ys, KsMethod method)
    {
        var d = Statistic(xs, ys);
        long n1 = xs.Length, n2 = ys.Length;
        var g = DistributionSort.Gcd(n1, n2);
        var n1g = n1 / g;
        var n2g = n2 / g;
        var useExact = method switch
        {
            KsMethod.Auto => Math.Max(n1, n2) <= MaxAutoN,
            KsMethod.Exact => n1g < int.MaxValue / (double)n2g,
            _ => false,
        };

        if (useExact)
        {
            var lcm = n1g * n2;
            var h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
            var dLattice = h * 1.0 / lcm;
            if (h == 0)
            {
                return new TestResult(dLattice, 1.0, "exact") { FirstSampleSize = n1, SecondSampleSize = n2 };
            }

            var prob = n1 == n2
                ? DistributionKolmogorov.ProbOutsideSquare(n1, h)
                : DistributionKolmogorov.OuterProbInside(n1, n2, g, h);
            if (prob >= 0 && prob <= 1)
            {
                return new TestResult(dLattice, prob, "exact") { FirstSampleSize = n1, SecondSampleSize = n2 };
            }

            d = dLattice;
        }

        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        var en = m * n / (m + n);
        var p = DistributionKolmogorov.KolmogornSf((long)Math.Round(en, MidpointRounding.ToEven), d);
        return new TestResult(d, Math.Clamp(p, 0, 1), "asymptotic") { FirstSampleSize = n1, SecondSampleSize = n2 };
    }

    /// <summary>D = max(max(F₁ − F₂), max(F₂ − F₁)) over the pooled values of two sorted samples.</summary>
    internal static double Statistic(double[] xs, double[] ys)
    {
        int i = 0, j = 0, n1 = xs.Length, n2 = ys.Length;
        double maxS = double.NegativeInfinity, minS = double.PositiveInfinity;
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && xs[i] <= ys[j]) ? xs[i] : ys[j];
            while (i < n1 && xs[i] <= v)
            {
                i++;
            }

            while (j < n2 && ys[j] <= v)
            {
                j++;
            }

            var diff = (double)i / n1 - (double)j / n2;
            if (diff > maxS)
            {
                maxS = diff;
            }

            if (diff < minS)
            {
                minS = diff;
            }
        }

        var minAbs = Math.Clamp(-minS, 0, 1);
        return minAbs > maxS ? minAbs : maxS;
    }
}
