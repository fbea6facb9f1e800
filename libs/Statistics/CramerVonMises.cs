using System.Buffers;
using MathNet.Numerics;

namespace Monitoring.Statistics;

/// <summary>Two-sample Cramér–von Mises test.</summary>
public static class CramerVonMises
{
    private const int MaxExactN = 20;

    /// <summary>
    /// Two-sample Cramér–von Mises test matching <c>scipy.stats.cramervonmises_2samp(x, y, method="auto")</c> (scipy 1.10).
    /// </summary>
    /// <remarks>
    /// With mid-ranks r_i of x and s_j of y in the pooled sample (Anderson 1962, eq. 9–10):
    /// U = n₁Σ(r_i − i)² + n₂Σ(s_j − j)², T = U/(n₁n₂N) − (4n₁n₂ − 1)/(6N), N = n₁ + n₂.
    /// p-value: exact when max(n₁, n₂) ≤ 20 (the frequency-table recursion of Xiao, Gordon &amp; Yakovlev 2006,
    /// counting all C(N, n₁) rank assignments); otherwise T is standardised,
    /// T_n = 1/6 + (T − E T)/√(45 Var T), E T = (1 + 1/N)/6,
    /// Var T = (N+1)(4n₁n₂N − 3(n₁² + n₂²) − 2n₁n₂)/(180 N² n₁n₂), and p = 1 − F_∞(T_n) with the limiting
    /// one-sample distribution F_∞(x) = Σ_k Γ(k+½)/(Γ(k+1)π^{3/2}√x) · √(4k+1) e^{−q} K_{1/4}(q), q = (4k+1)²/(16x)
    /// (Csörgő &amp; Faraway 1996, eq. 1.2; terms added until one is below 1e-7, as scipy; p = 1 when T_n &lt; 0.003).
    /// References: Anderson, T.W. (1962) Ann. Math. Stat. 33(3), 1148–1159; Csörgő, S., Faraway, J.J. (1996)
    /// JRSS B 58(1), 221–234; Xiao, Y. et al. (2006) J. Stat. Softw. 17(8).
    /// </remarks>
    /// <param name="x">First sample (finite, at least two values).</param>
    /// <param name="y">Second sample (finite, at least two values).</param>
    /// <returns>T and its p-value; method <c>exact</c> or <c>asymptotic</c>.</returns>
    /// <exception cref="ArgumentException">Fewer than two values in a sample, or a NaN/±∞ value.</exception>
    public static TestResult TwoSample(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var xs = DistributionSort.SortedCopy(x, nameof(x), minLength: 2);
        var ys = DistributionSort.SortedCopy(y, nameof(y), minLength: 2);
        int nx = xs.Length, ny = ys.Length;
        var pool = ArrayPool<double>.Shared;
        var rx = pool.Rent(nx);
        var ry = pool.Rent(ny);
        double sx = 0, sy = 0;
        try
        {
            DistributionSort.MidRanksOfSorted(xs, ys, rx.AsSpan(0, nx), ry.AsSpan(0, ny), out _);
            for (var i = 0; i < nx; i++)
            {
                var dv = rx[i] - (i + 1);
                sx += dv * dv;
            }

            for (var j = 0; j < ny; j++)
            {
                var dv = ry[j] - (j + 1);
                sy += dv * dv;
            }
        }
        finally
        {
            pool.Return(rx);
            pool.Return(ry);
        }

        var u = nx * sx + ny * sy;
        double k = (double)nx * ny, n = nx + ny;
        var t = u / (k * n) - (4 * k - 1) / (6 * n);

        if (Math.Max(nx, ny) <= MaxExactN)
        {
            return new TestResult(t, ExactPValue(u, nx, ny), "exact") { FirstSampleSize = nx, SecondSampleSize = ny };
        }

        var et = (1 + 1 / n) / 6;
        var vt = (n + 1) * (4 * k * n - 3 * ((double)nx * nx + (double)ny * ny) - 2 * k);
        vt /= 45 * n * n * 4 * k;
        var tn = 1.0 / 6 + (t - et) / Math.Sqrt(45 * vt);
        var p = tn < 0.003 ? 1.0 : Math.Max(0, 1.0 - CdfLimit(tn));
        return new TestResult(t, Math.Min(p, 1.0), "asymptotic") { FirstSampleSize = nx, SecondSampleSize = ny };
    }

    /// <summary>Limiting CDF of the one-sample Cramér–von Mises statistic (Csörgő &amp; Faraway 1996, eq. 1.2).</summary>
    internal static double CdfLimit(double x)
    {
        var total = 0.0;
        for (var k = 0; ; k++)
        {
            var u = Math.Exp(SpecialFunctions.GammaLn(k + 0.5) - SpecialFunctions.GammaLn(k + 1)) / (Math.Pow(Math.PI, 1.5) * Math.Sqrt(x));
            double y = 4 * k + 1;
            var q = y * y / (16 * x);
            var b = SpecialFunctions.BesselK(0.25, q);
            var z = u * Math.Sqrt(y) * Math.Exp(-q) * b;
            total += z;
            if (!(Math.Abs(z) >= 1e-7))
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Exact Pr(U' ≥ U) over all C(m+n, m) rank assignments (no ties assumed), by the g⁺ frequency recursion
    /// of Xiao, Gordon &amp; Yakovlev (2006) in the form scipy uses.
    /// </summary>
    private static double ExactPValue(double s, int m, int n)
    {
        long lcm = m / (int)DistributionSort.Gcd(m, n) * (long)n;
        var a = lcm / m;
        var b = lcm / n;
        long mn = (long)m * n;
        var zeta = PythonFloorDiv((double)(lcm * lcm) * (m + n) * (6 * s - mn * (4 * mn - 1)), 6.0 * mn * mn);

        // gs[v]: frequency table (ascending values, counts) for the current u. Merging two ascending tables and
        // adding the same shift to every value keeps a table ascending, so each step is a linear merge.
        var gs = new Table[m + 1];
        gs[0] = new Table([0], [1], 1);
        for (var v = 1; v <= m; v++)
        {
            gs[v] = Table.Empty;
        }

        for (long u = 0; u <= n; u++)
        {
            var next = new Table[m + 1];
            var tmp = Table.Empty;
            for (var v = 0; v <= m; v++)
            {
                var shift = (a * v - b * u) * (a * v - b * u);
                tmp = Table.MergeShifted(tmp, gs[v], shift);
                next[v] = tmp;
            }

            gs = next;
        }

        double hit = 0, total = 0;
        var final = gs[m];
        for (var i = 0; i < final.Count; i++)
        {
            total += final.Counts[i];
            if (final.Values[i] >= zeta)
            {
                hit += final.Counts[i];
            }
        }

        return hit / total;
    }

    private readonly record struct Table(long[] Values, long[] Counts, int Count)
    {
        public static readonly Table Empty = new([], [], 0);

        public static Table MergeShifted(Table left, Table right, long shift)
        {
            var values = new long[left.Count + right.Count];
            var counts = new long[values.Length];
            int i = 0, j = 0, k = 0;
            while (i < left.Count || j < right.Count)
            {
                long value, count;
                if (j >= right.Count || (i < left.Count && left.Values[i] < right.Values[j]))
                {
                    value = left.Values[i];
                    count = left.Counts[i++];
                }
                else if (i >= left.Count || right.Values[j] < left.Values[i])
                {
                    value = right.Values[j];
                    count = right.Counts[j++];
                }
                else
                {
                    value = left.Values[i];
                    count = left.Counts[i++] + right.Counts[j++];
                }

                values[k] = value + shift;
                counts[k++] = count;
            }

            return new Table(values, counts, k);
        }
    }

    /// <summary>Python's float floor division (<c>a // b</c>), which differs from ⌊a/b⌋ when a/b rounds up to an integer.</summary>
    internal static double PythonFloorDiv(double vx, double wx)
    {
        var mod = vx % wx;
        var div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0))
            {
                div -= 1.0;
            }
        }

        if (div != 0)
        {
            var floorDiv = Math.Floor(div);
            if (div - floorDiv > 0.5)
            {
                floorDiv += 1.0;
            }

            return floorDiv;
        }

        return 0.0 * (vx / wx);
    }
}
