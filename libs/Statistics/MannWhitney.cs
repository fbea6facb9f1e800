using System.Buffers;

namespace Monitoring.Statistics;

/// <summary>Mann–Whitney U (Wilcoxon rank-sum) test.</summary>
public static class MannWhitney
{
    /// <summary>
    /// Two-sided Mann–Whitney U test matching <c>scipy.stats.mannwhitneyu(x, y)</c> with its defaults
    /// (scipy 1.10: <c>use_continuity=True</c>, <c>method="auto"</c>).
    /// </summary>
    /// <remarks>
    /// U₁ = R₁ − n₁(n₁+1)/2 with R₁ the sum of the mid-ranks of x in the pooled sample; U = max(U₁, n₁n₂ − U₁).
    /// Exact p-value (when min(n₁, n₂) ≤ 8 and there are no ties): p = 2·Pr(U' ≥ U) from the null
    /// distribution of U, whose counts are the coefficients of the Gaussian binomial
    /// [n₁+n₂ choose n₁]_q (Mann &amp; Whitney 1947; Andrews, The Theory of Partitions, Thm 3.1).
    /// Asymptotic p-value otherwise: z = (U − n₁n₂/2 − ½)/σ with the tie-corrected
    /// σ² = n₁n₂/12 · ((N+1) − Σ(t³−t)/(N(N−1))), p = 2·(1 − Φ(z)), clipped to [0, 1].
    /// The returned statistic is U₁ (the U of <paramref name="x"/>), as scipy returns.
    /// Reference: Mann, H.B., Whitney, D.R. (1947) Ann. Math. Stat. 18(1), 50–60; scipy.stats.mannwhitneyu.
    /// </remarks>
    /// <param name="x">First sample (finite, non-empty).</param>
    /// <param name="y">Second sample (finite, non-empty).</param>
    /// <returns>U₁ and the two-sided p-value; method <c>exact</c> or <c>asymptotic</c>.</returns>
    /// <exception cref="ArgumentException">Empty input or a NaN/±∞ value.</exception>
    public static TestResult U(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var xs = DistributionSort.SortedCopy(x, nameof(x));
        var ys = DistributionSort.SortedCopy(y, nameof(y));
        long n1 = xs.Length, n2 = ys.Length;
        var pool = ArrayPool<double>.Shared;
        var rx = pool.Rent(xs.Length);
        var ry = pool.Rent(ys.Length);
        double r1 = 0, tieTerm;
        try
        {
            DistributionSort.MidRanksOfSorted(xs, ys, rx.AsSpan(0, xs.Length), ry.AsSpan(0, ys.Length), out tieTerm);
            for (var i = 0; i < xs.Length; i++)
            {
                r1 += rx[i];
            }
        }
        finally
        {
            pool.Return(rx);
            pool.Return(ry);
        }

        var u1 = r1 - n1 * (n1 + 1) / 2.0;
        var u2 = n1 * n2 - u1;
        var u = Math.Max(u1, u2);
        var hasTies = tieTerm > 0;
        double p;
        string method;
        if ((n1 > 8 && n2 > 8) || hasTies)
        {
            double n = n1 + n2;
            var mu = n1 * n2 / 2.0;
            var s = Math.Sqrt(n1 * n2 / 12.0 * ((n + 1) - tieTerm / (n * (n - 1))));
            var z = (u - mu - 0.5) / s;
            p = 2 * NormalSf(z);
            method = "asymptotic";
        }
        else
        {
            p = 2 * ExactSf((long)u, n1, n2);
            method = "exact";
        }

        return new TestResult(u1, Math.Clamp(p, 0, 1), method) { FirstSampleSize = n1, SecondSampleSize = n2 };
    }

    /// <summary>Upper tail of the standard normal, 1 − Φ(z) = erfc(z/√2)/2, accurate in the far tail.</summary>
    internal static double NormalSf(double z)
    {
        if (double.IsNaN(z))
        {
            // σ = 0 happens only when all N values tie and U equals its mean: no evidence of a shift.
            return 0.5;
        }

        return 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(z / Math.Sqrt(2));
    }

    /// <summary>Pr(U ≥ u) under H₀ without ties: by symmetry, Pr(U ≤ n₁n₂ − u), summed from the q-binomial coefficients.</summary>
    private static double ExactSf(long u, long m, long n)
    {
        var k = m * n - u;
        if (k < 0)
        {
            return 0.0;
        }

        var s = Math.Min(m, n);
        var big = Math.Max(m, n);
        // Coefficients of Π_{i=1..s} (1 − q^{big+i}) / (1 − q^i), truncated at degree k.
        var c = new double[k + 1];
        c[0] = 1.0;
        for (long i = 1; i <= s; i++)
        {
            // divide by (1 − q^i): running sum with stride i
            for (var d = i; d <= k; d++)
            {
                c[d] += c[d - i];
            }
        }

        for (long i = s; i >= 1; i--)
        {
            var a = big + i;
            // multiply by (1 − q^a): descending so c[d − a] is still the old value
            for (var d = k; d >= a; d--)
            {
                c[d] -= c[d - a];
            }
        }

        var total = 1.0; // C(m + n, s), exact in floating point up to rounding of s products
        for (long i = 1; i <= s; i++)
        {
            total = total * (big + i) / i;
        }

        var sum = 0.0;
        for (var d = 0; d <= k; d++)
        {
            sum += c[d];
        }

        return sum / total;
    }
}
