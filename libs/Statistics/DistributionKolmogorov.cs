using System.Runtime.Intrinsics;

namespace Monitoring.Statistics;

/// <summary>
/// Null distributions of the Kolmogorov–Smirnov statistics, following the algorithms scipy 1.10 uses
/// (<c>scipy/stats/_ksstats.py</c>, <c>_stats_py.py</c>, <c>_stats_pythran.py</c>) so that p-values agree:
/// Simard &amp; L'Ecuyer (2011) choice between Durbin/Marsaglia–Tsang–Wang, Pomeranz and Pelz–Good
/// for the one-sample two-sided D_n; Hodges (1958) / Viehmann (2021) lattice-path recursions for the exact
/// two-sample distribution.
/// </summary>
internal static class DistributionKolmogorov
{
    private const int E128 = 128;
    private static readonly double Ep128 = Math.ScaleB(1.0, E128);
    private static readonly double Em128 = Math.ScaleB(1.0, -E128);
    private static readonly double Sqrt2Pi = Math.Sqrt(2 * Math.PI);
    private const double MinLog = -708;
    private static readonly double Sqrt3 = Math.Sqrt(3);
    private const double PiSquared = Math.PI * Math.PI;
    private const double PiFour = PiSquared * PiSquared;
    private const double PiSix = PiFour * PiSquared;

    private static double Clip(double p) => Math.Clamp(p, 0.0, 1.0);

    /// <summary>Survival function Pr(D_n ≥ x) of the one-sample two-sided KS statistic (scipy <c>kstwo.sf</c>).</summary>
    public static double KolmogornSf(long n, double x)
    {
        if (x >= 1.0)
        {
            return 0.0;
        }

        // x ≤ 0 (and −∞) gives t ≤ 0.5 below: 1.
        var t = n * x;
        if (t <= 1.0)
        {
            // Ruben–Gambino: 1/2n <= x <= 1/n.
            if (t <= 0.5)
            {
                return 1.0;
            }

            // Pr(D_n ≥ x) = 1 − n!/nⁿ (2t − 1)ⁿ. scipy switches to a Stirling series for n > 140, which only matters for its
            // CDF: there n!/nⁿ < √(2πn) e⁻ⁿ < 1e-59, so 1 − the product is 1.0 whether the product is that tiny value or the
            // 0 this loop underflows to (O(n) multiplications, reached only for D ≤ 1/n).
            var prob = 1.0;
            for (var i = 1; i <= n; i++)
            {
                prob *= i * (1.0 / n) * (2 * t - 1);
            }

            return Clip(1.0 - prob);
        }

        if (t >= n - 1)
        {
            return Clip(2 * Math.Pow(1.0 - x, n));
        }

        if (x >= 0.5)
        {
            return Clip(2 * Smirnov(n, x));
        }

        var nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693)
            {
                return Clip(1.0 - Durbin(n, x));
            }

            if (nxSquared <= 4)
            {
                return Clip(1.0 - Pomeranz((int)n, x));
            }

            return Clip(2 * Smirnov(n, x));
        }

        if (nxSquared >= 370.0)
        {
            return 0.0;
        }

        if (nxSquared >= 2.2)
        {
            return Clip(2 * Smirnov(n, x));
        }

        double cdf = n <= 100000 && n * Math.Pow(x, 1.5) <= 1.4 ? Durbin(n, x) : PelzGood(n, x);
        return Clip(1.0 - cdf);
    }

    /// <summary>
    /// One-sided Smirnov survival function Pr(D_n⁺ ≥ d) by the Birnbaum–Tingey sum
    /// Σ_{v=0}^{⌊n(1−d)⌋} C(n,v) d (d+v/n)^{v−1} (1−d−v/n)^{n−v}. Every term is positive, so the sum is
    /// evaluated in log space without cancellation (scipy's cephes uses double-double arithmetic instead;
    /// both are accurate to far better than 1e-9 relative).
    /// </summary>
    // Optimized on its first call, never tiered: Vector256.Log/Exp fuse multiply-adds only in optimized code, so Tier-0 code
    // gave another last bit (Smirnov(23, 20/23): 4.601078385202008E-21 cold, …007 warm) and a replay's p-values depended on
    // how warm the process was. SmirnovRoundingPinTests pins the optimized value.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static double Smirnov(long n, double d)
    {
        if (d <= 0)
        {
            return 1.0;
        }

        if (d >= 1)
        {
            return 0.0;
        }

        if (n == 1)
        {
            return 1 - d;
        }

        var nn = (long)Math.Floor(n * (1.0 - d));
        var lgammaN1 = MathNet.Numerics.SpecialFunctions.GammaLn(n + 1.0);
        double LogBinomial(long v) => lgammaN1 - MathNet.Numerics.SpecialFunctions.GammaLn(v + 1.0) - MathNet.Numerics.SpecialFunctions.GammaLn(n - v + 1.0);
        double LogTerm(long v)
        {
            var omevn = (double)(n - v) / n - d;
            return omevn > 0 ? LogBinomial(v) + (v - 1) * Math.Log(d + (double)v / n) + (n - v) * Math.Log(omevn) : double.NegativeInfinity;
        }

        // The terms are unimodal in v and, for large n, only a band around the mode matters (for n = 50 000 and
        // d = 0.03 about 28 000 of 48 500 terms). Locate the mode by ternary search, start where the terms reach
        // e^-60 of it and stop when they fall below that again: nothing smaller can change a double sum.
        const double Band = 60;
        long lo = 0, hi = nn;
        while (hi - lo > 2)
        {
            var m1 = lo + (hi - lo) / 3;
            var m2 = hi - (hi - lo) / 3;
            if (LogTerm(m1) < LogTerm(m2))
            {
                lo = m1 + 1;
            }
            else
            {
                hi = m2 - 1;
            }
        }

        var mode = lo;
        var peak = LogTerm(lo);
        for (var v = lo + 1; v <= hi; v++)
        {
            var t = LogTerm(v);
            if (t > peak)
            {
                peak = t;
                mode = v;
            }
        }

        long start = 0, upper = mode;
        while (start < upper)
        {
            var mid = start + (upper - start) / 2;
            if (LogTerm(mid) >= peak - Band)
            {
                upper = mid;
            }
            else
            {
                start = mid + 1;
            }
        }

        var logBinom = LogBinomial(start);
        var sum = 0.0;
        var next = start;
        var done = false;
        if (Vector256.IsHardwareAccelerated)
        {
            // Four terms at a time with vectorised log/exp; the running log binomial is a prefix sum over the lanes.
            var lanes = Vector256.Create(0.0, 1.0, 2.0, 3.0);
            double nd = n;
            var dv = Vector256.Create(d);
            var chunk = 0;
            while (next + 3 <= nn)
            {
                if (chunk++ % 64 == 0 && next > start)
                {
                    logBinom = LogBinomial(next);
                }

                var vv = Vector256.Create((double)next) + lanes;
                var omevn = (Vector256.Create(nd) - vv) / nd - dv;
                if (!(omevn[3] > 0))
                {
                    break;
                }

                var logRatio = Vector256.Log((Vector256.Create(nd) - vv) / (vv + Vector256<double>.One));
                double r0 = logRatio[0], r1 = logRatio[1], r2 = logRatio[2];
                var lb = Vector256.Create(logBinom, logBinom + r0, logBinom + r0 + r1, logBinom + r0 + r1 + r2);
                var logTerm = lb + (vv - Vector256<double>.One) * Vector256.Log(dv + vv / nd) + (Vector256.Create(nd) - vv) * Vector256.Log(omevn);
                sum += Vector256.Sum(Vector256.Exp(logTerm));
                logBinom += r0 + r1 + r2 + logRatio[3];
                next += 4;
                if (next - 1 > mode && logTerm[3] < peak - Band)
                {
                    done = true;
                    break;
                }
            }
        }

        for (var v = next; !done && v <= nn; v++)
        {
            if (((v - next) & 255) == 0 && v > start)
            {
                // Re-anchor the running log binomial so rounding does not accumulate.
                logBinom = LogBinomial(v);
            }

            var omevn = (double)(n - v) / n - d;
            if (omevn <= 0)
            {
                break;
            }

            var logTerm = logBinom + (v - 1) * Math.Log(d + (double)v / n) + (n - v) * Math.Log(omevn);
            if (v > mode && logTerm < peak - Band)
            {
                break;
            }

            sum += Math.Exp(logTerm);
            logBinom += Math.Log((double)(n - v) / (v + 1.0));
        }

        return Clip(sum * d);
    }

    /// <summary>CDF Pr(D_n ≤ d) by Durbin's matrix algorithm as organised by Marsaglia, Tsang and Wang (2003).</summary>
    private static double Durbin(long n, double d)
    {
        if (d >= 1.0)
        {
            return 1.0;
        }

        var nd = n * d;
        if (nd <= 0.5)
        {
            return 0.0;
        }

        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = 2 * k - 1;
        var H = new double[m * m];
        var v = new double[m];
        var w = new double[m];
        var fac = 1.0;
        for (var j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }

        var tt = Math.Pow(Math.Max(2 * h - 1.0, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1.0 + tt) * fac;
        for (var i = 1; i < m; i++)
        {
            for (var r = i - 1; r < m; r++)
            {
                H[r * m + i] = w[r - (i - 1)];
            }
        }

        for (var r = 0; r < m; r++)
        {
            H[r * m] = v[r];
        }

        for (var c = 0; c < m; c++)
        {
            H[(m - 1) * m + c] = v[m - 1 - c];
        }

        var hPower = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            hPower[i * m + i] = 1.0;
        }

        var scratch = new double[m * m];
        var nn = n;
        var exponent = 0;
        var hExponent = 0;
        while (nn > 0)
        {
            if (nn % 2 == 1)
            {
                MatMul(hPower, H, scratch, m);
                (hPower, scratch) = (scratch, hPower);
                exponent += hExponent;
            }

            MatMul(H, H, scratch, m);
            (H, scratch) = (scratch, H);
            hExponent *= 2;
            if (Math.Abs(H[(k - 1) * m + k - 1]) > Ep128)
            {
                for (var i = 0; i < H.Length; i++)
                {
                    H[i] /= Ep128;
                }

                hExponent += E128;
            }

            nn /= 2;
        }

        var p = hPower[(k - 1) * m + k - 1];
        for (long i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < Em128)
            {
                p *= Ep128;
                exponent -= E128;
            }
        }

        if (exponent != 0)
        {
            p = Math.ScaleB(p, exponent);
        }

        return Clip(p);
    }

    private static void MatMul(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (var i = 0; i < m; i++)
        {
            var row = i * m;
            for (var k = 0; k < m; k++)
            {
                var aik = a[row + k];
                if (aik == 0)
                {
                    continue;
                }

                var bRow = k * m;
                for (var j = 0; j < m; j++)
                {
                    result[row + j] += aik * b[bRow + j];
                }
            }
        }
    }

    private static (int J1, int J2) PomeranzJ1J2(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1, j2;
        if (i == 0)
        {
            j1 = -ll - ceilf - 1;
            j2 = ll + ceilf - 1;
        }
        else
        {
            var ip1div2 = (i + 1) / 2;
            var ip1mod2 = (i + 1) % 2;
            if (ip1mod2 == 0)
            {
                if (ip1div2 == n + 1)
                {
                    j1 = n - ll - ceilf - 1;
                    j2 = n + ll + ceilf - 1;
                }
                else
                {
                    j1 = ip1div2 - 1 - ll - roundf - 1;
                    j2 = ip1div2 + ll - 1 + ceilf - 1;
                }
            }
            else
            {
                j1 = ip1div2 - 1 - ll - 1;
                j2 = ip1div2 + ll + roundf - 1;
            }
        }

        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary>CDF Pr(D_n ≤ x) by the Pomeranz (1974) recursion.</summary>
    private static double Pomeranz(int n, double x)
    {
        var t = n * x;
        var ll = (int)Math.Floor(t);
        var f = t - ll;
        var g = Math.Min(f, 1.0 - f);
        var ceilf = f > 0 ? 1 : 0;
        var roundf = f > 0.5 ? 1 : 0;
        var npwrs = 2 * (ll + 1);
        var gpower = new double[npwrs];
        var twogpower = new double[npwrs];
        var onem2gpower = new double[npwrs];
        gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
        var exponent = 0;
        double gOverN = g / n, twoGOverN = 2 * g / n, oneMinusTwoGOverN = (1 - 2 * g) / n;
        for (var m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }

        var v0 = new double[npwrs];
        var v1 = new double[npwrs];
        v1[0] = 1;
        int v0s = 0, v1s = 0;
        var (j1, j2) = PomeranzJ1J2(0, n, ll, ceilf, roundf);
        for (var i = 1; i < 2 * n + 2; i++)
        {
            var k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, j2) = PomeranzJ1J2(i, n, ll, ceilf, roundf);
            var pwrs = i == 1 || i == 2 * n + 1 ? gpower : (i % 2 == 1 ? twogpower : onem2gpower);
            var ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                var aStart = k1 - v0s;
                var aLen = Math.Min(ln2, npwrs - aStart);
                var bLen = Math.Min(ln2, npwrs);
                var convStart = j1 - k1;
                var convLen = j2 - j1 + 1;
                var max = 0.0;
                for (var c = 0; c < convLen; c++)
                {
                    var idx = convStart + c;
                    var s = 0.0;
                    var lo = Math.Max(0, idx - (bLen - 1));
                    var hi = Math.Min(aLen - 1, idx);
                    for (var a = lo; a <= hi; a++)
                    {
                        s += v0[aStart + a] * pwrs[idx - a];
                    }

                    v1[c] = s;
                    max = Math.Max(max, s);
                }

                if (max > 0 && max < Em128)
                {
                    for (var c = 0; c < v1.Length; c++)
                    {
                        v1[c] *= Ep128;
                    }

                    exponent -= E128;
                }

                v1s = v0s + j1 - k1;
            }
        }

        var ans = v1[n - v1s];
        for (var m = 1; m <= n; m++)
        {
            if (Math.Abs(ans) > Ep128)
            {
                ans *= Em128;
                exponent += E128;
            }

            ans *= m;
        }

        if (exponent != 0)
        {
            ans = Math.ScaleB(ans, exponent);
        }

        return Clip(ans);
    }

    /// <summary>Pelz–Good (1976) approximation of Pr(D_n ≤ x).</summary>
    private static double PelzGood(long n, double x)
    {
        // x ≤ 0 needs no branch: qlog = −∞ (x = 0) returns 0 below, and x < 0 leaves both series empty (0).
        if (x >= 1.0)
        {
            return 1.0;
        }

        var z = Math.Sqrt(n) * x;
        double zsquared = z * z, zthree = z * z * z, zfour = zsquared * zsquared, zsix = zthree * zthree;
        var qlog = -PiSquared / 8 / zsquared;
        if (qlog < MinLog)
        {
            return 0.0;
        }

        var q = Math.Exp(qlog);
        var k1a = -zsquared;
        var k1b = PiSquared / 4;
        var k2a = 6 * zsix + 2 * zfour;
        var k2b = (2 * zfour - 5 * zsquared) * PiSquared / 4;
        var k2c = PiFour * (1 - 2 * zsquared) / 16;
        var k3d = PiSix * (5 - 30 * zsquared) / 64;
        var k3c = PiFour * (-60 * zsquared + 212 * zfour) / 16;
        var k3b = PiSquared * (135 * zfour - 96 * zsix) / 4;
        var k3a = -30 * zsix - 90 * Math.Pow(z, 8);

        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (var k = maxk; k > 0; k--)
        {
            double m = 2 * k - 1;
            double msquared = m * m, mfour = msquared * msquared, msix = mfour * msquared;
            var qpower = Math.Pow(q, 8 * k);
            s0 = s0 * qpower + 1.0;
            s1 = s1 * qpower + (k1a + k1b * msquared);
            s2 = s2 * qpower + (k2a + k2b * msquared + k2c * mfour);
            s3 = s3 * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix);
        }

        s0 = s0 * q * Sqrt2Pi / z;
        s1 = s1 * q * Sqrt2Pi / (6 * zfour);
        s2 = s2 * q * Sqrt2Pi / (72 * Math.Pow(z, 7));
        s3 = s3 * q * Sqrt2Pi / (6480 * Math.Pow(z, 10));

        q = Math.Exp(-PiSquared / 2 / zsquared);
        var sqrt3z = Sqrt3 * z;
        double k2extra = 0, k3extra = 0;
        for (var k = maxk; k > 0; k--)
        {
            double ksq = (double)k * k;
            var qp = Math.Pow(q, ksq);
            var kspi = Math.PI * k;
            k2extra += ksq * qp;
            k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
        }

        s2 += k2extra * PiSquared * Sqrt2Pi / (-36 * zthree);
        s3 += k3extra * PiSquared * Sqrt2Pi / (216 * zsix);
        var nd = (double)n;
        return s0 + s1 / Math.Sqrt(nd) + s2 / nd + s3 / Math.Pow(nd, 1.5);
    }

    /// <summary>Pr(D_{n,n} ≥ h/n) for equal sample sizes (scipy <c>_compute_prob_outside_square</c>).</summary>
    public static double ProbOutsideSquare(long n, long h)
    {
        var p = 0.0;
        var k = (long)Math.Floor((double)n / h);
        while (k >= 0)
        {
            var p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
            }

            p = p1 * (1.0 - p);
            k--;
        }

        return 2 * p;
    }

    /// <summary>
    /// Pr(D_{m,n} ≥ h/lcm(m,n)) for unequal sizes: the proportion of lattice paths that leave the band
    /// |x/m − y/n| &lt; h/lcm, by the "inside" recursion written for 1 − p (Viehmann 2021; scipy
    /// <c>_compute_outer_prob_inside_method</c>).
    /// </summary>
    public static double OuterProbInside(long m, long n, long g, long h)
    {
        if (m < n)
        {
            (m, n) = (n, m);
        }

        var mg = m / g;
        var ng = n / g;
        long minj = 0;
        var maxj = Math.Min((long)Math.Ceiling((double)h / mg), n + 1);
        var curlen = maxj - minj;
        var lenA = Math.Min(2 * maxj + 2, n + 1);
        var a = new double[lenA];
        Array.Fill(a, 1.0);
        for (var i = minj; i < maxj; i++)
        {
            a[i] = 0.0;
        }

        for (long i = 1; i <= m; i++)
        {
            var lastminj = minj;
            var lastlen = curlen;
            minj = Math.Max((long)Math.Floor((double)(ng * i - h) / mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = Math.Min((long)Math.Ceiling((double)(ng * i + h) / mg), n + 1);
            if (maxj <= minj)
            {
                return 1.0;
            }

            var val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++)
            {
                var j = jj + minj;
                val = (a[jj + minj - lastminj] * i + val * j) / (i + j);
                a[jj] = val;
            }

            curlen = maxj - minj;
            if (lastlen > curlen)
            {
                var start = maxj - minj;
                var end = Math.Min(start + (lastlen - curlen), lenA);
                for (var idx = start; idx < end; idx++)
                {
                    a[idx] = 1;
                }
            }
        }

        return a[maxj - minj - 1];
    }
}
