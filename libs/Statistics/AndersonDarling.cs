namespace Monitoring.Statistics;

/// <summary>Anderson–Darling k-sample test.</summary>
public static class AndersonDarling
{
    private static readonly double[] B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
    private static readonly double[] B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
    private static readonly double[] B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
    private static readonly double[] Significance = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
    private static readonly double[] LogSignificance = [.. Significance.Select(p => Math.Log(p))];

    /// <summary>
    /// Anderson–Darling k-sample test with mid-ranks, matching
    /// <c>scipy.stats.anderson_ksamp(samples, midrank=True)</c> (scipy 1.10).
    /// </summary>
    /// <remarks>
    /// A²_akN (Scholz &amp; Stephens 1987, eq. 7) over the distinct pooled values z_j with multiplicities l_j,
    /// B_j = #{pooled &lt; z_j} + l_j/2 and M_ij = #{sample i &lt; z_j} + f_ij/2:
    /// A²_akN = (N−1)/N · Σ_i 1/n_i Σ_j l_j/N · (N M_ij − n_i B_j)² / (B_j(N − B_j) − N l_j/4).
    /// The statistic returned is the standardised T = (A²_akN − (k−1))/σ_N with σ_N² from their eq. 4.
    /// p-value: like scipy, log p is interpolated by a quadratic least-squares fit through the critical values
    /// b₀ + b₁/√(k−1) + b₂/(k−1) at significance levels 0.25 … 0.001 (their Table 2). Outside that range the
    /// p-value is only bounded, and — exactly as scipy, which warns — it is reported as 0.25 (capped: the true
    /// value is larger) or 0.001 (floored: the true value is smaller); <see cref="TestResult.Method"/> then reads
    /// <c>capped at 0.25</c> or <c>floored at 0.001</c>, otherwise <c>interpolated</c>.
    /// Reference: Scholz, F.W., Stephens, M.A. (1987) JASA 82(399), 918–924.
    /// </remarks>
    /// <param name="samples">At least two samples, each non-empty and finite; at least two distinct values overall.</param>
    /// <returns>T and the interpolated (or bounded) p-value.</returns>
    /// <exception cref="ArgumentException">Fewer than two samples, an empty sample, NaN/±∞, or all values equal.</exception>
    public static TestResult KSample(IReadOnlyList<double[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var k = samples.Count;
        if (k < 2)
        {
            throw new ArgumentException($"'{nameof(samples)}' needs at least two samples; got {k}.", nameof(samples));
        }

        var sorted = new double[k][];
        var total = 0;
        for (var i = 0; i < k; i++)
        {
            if (samples[i] is null)
            {
                throw new ArgumentException($"'{nameof(samples)}'[{i}] is null.", nameof(samples));
            }

            sorted[i] = DistributionSort.SortedCopy(samples[i], $"{nameof(samples)}[{i}]");
            total += sorted[i].Length;
        }

        var z = new double[total];
        var offset = 0;
        foreach (var s in sorted)
        {
            s.CopyTo(z, offset);
            offset += s.Length;
        }

        DistributionSort.SortInPlace(z);
        double nTotal = total;

        // Distinct values with multiplicities and B_j.
        var distinct = new double[total];
        var lj = new double[total];
        var bj = new double[total];
        var dCount = 0;
        for (var p = 0; p < total;)
        {
            var q = p;
            while (q < total && z[q] == z[p])
            {
                q++;
            }

            distinct[dCount] = z[p];
            lj[dCount] = q - p;
            bj[dCount] = p + (q - p) / 2.0;
            dCount++;
            p = q;
        }

        if (dCount < 2)
        {
            throw new ArgumentException($"'{nameof(samples)}' needs more than one distinct observation.", nameof(samples));
        }

        var a2 = 0.0;
        var harmonicH = 0.0;
        foreach (var s in sorted)
        {
            double ni = s.Length;
            harmonicH += 1.0 / ni;
            var inner = 0.0;
            var left = 0; // # of s < z_j
            for (var j = 0; j < dCount; j++)
            {
                var value = distinct[j];
                while (left < s.Length && s[left] < value)
                {
                    left++;
                }

                var right = left;
                while (right < s.Length && s[right] == value)
                {
                    right++;
                }

                var mij = right - (right - left) / 2.0;
                var num = nTotal * mij - bj[j] * ni;
                inner += lj[j] / nTotal * num * num / (bj[j] * (nTotal - bj[j]) - nTotal * lj[j] / 4.0);
            }

            a2 += inner / ni;
        }

        a2 *= (nTotal - 1.0) / nTotal;

        // σ_N² (Scholz & Stephens eq. 4), summed in scipy's order.
        var hsCs = 0.0;
        var g = 0.0;
        for (var i = total - 1; i > 1; i--)
        {
            hsCs += 1.0 / i;
            // element index e (0-based) pairs with arange(2, N)[e] = 2 + e, with i = N − 1 − e.
            g += hsCs / (2 + (total - 1 - i));
        }

        var h = hsCs + 1;
        double kk = k;
        var a = (4 * g - 6) * (kk - 1) + (10 - 6 * g) * harmonicH;
        var b = (2 * g - 4) * kk * kk + 8 * h * kk + (2 * g - 14 * h - 4) * harmonicH - 8 * h + 4 * g - 6;
        var c = (6 * h + 2 * g - 2) * kk * kk + (4 * h - 4 * g + 6) * kk + (2 * h - 6) * harmonicH + 4 * h;
        var d = (2 * h + 6) * kk * kk - 4 * h * kk;
        var n = nTotal;
        var sigmaSq = (a * n * n * n + b * n * n + c * n + d) / ((n - 1.0) * (n - 2.0) * (n - 3.0));
        var m = kk - 1;
        var statistic = (a2 - m) / Math.Sqrt(sigmaSq);
        if (!double.IsFinite(statistic))
        {
            throw new ArgumentException($"'{nameof(samples)}' is too small for the Anderson–Darling variance (N = {total}).", nameof(samples));
        }

        return FromStatistic(statistic, m);
    }

    /// <summary>Critical values of the standardized statistic for k − 1 = <paramref name="m"/> (Scholz &amp; Stephens 1987, Table 2 interpolation, as scipy).</summary>
    internal static double[] CriticalValues(double m)
    {
        var critical = new double[B0.Length];
        for (var i = 0; i < critical.Length; i++)
        {
            critical[i] = B0[i] + B1[i] / Math.Sqrt(m) + B2[i] / m;
        }

        return critical;
    }

    /// <summary>
    /// The p-value of a standardized statistic: capped at 0.25 below the smallest critical value, floored at 0.001 above the
    /// largest, otherwise scipy's quadratic fit of log significance on the critical values (a statistic equal to either end
    /// is interpolated, as scipy's strict comparisons do).
    /// </summary>
    internal static TestResult FromStatistic(double statistic, double m)
    {
        var critical = CriticalValues(m);

        if (statistic < critical.Min())
        {
            return new TestResult(statistic, 0.25, "capped at 0.25");
        }

        if (statistic > critical.Max())
        {
            return new TestResult(statistic, 0.001, "floored at 0.001");
        }

        var coeffs = MathNet.Numerics.Fit.Polynomial(critical, LogSignificance, 2); // ascending powers
        var logP = coeffs[0] + statistic * (coeffs[1] + statistic * coeffs[2]);
        return new TestResult(statistic, Math.Exp(logP), "interpolated");
    }
}
