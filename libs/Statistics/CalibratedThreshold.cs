namespace Monitoring.Statistics;

/// <summary>
/// CUSUM thresholds that keep a monitor's <em>expected</em> number of false alarms per year within its share of the deployment's
/// budget although its in-control law was estimated from a finite reference. The budget (<see cref="SequentialBudget"/>) is an
/// expectation summed over many monitors; a threshold that only guarantees the target at one quantile of the reference's error
/// (<see cref="SequentialBudget.GuaranteedCusumThreshold"/> at 0.9) leaves the other 10 % of monitors running fast, and with
/// thousands of monitors those few make most of the false alarms. Here the false-alarm count is averaged over the
/// reference's sampling error: E[min(1, r / ARL(h; θ))] ≤ a, where r is the observations a year, a the alarms a year allowed,
/// θ the true in-control law and ARL(h; θ) the run length of the chart as designed when the truth is θ. The min(1, ·) counts a
/// chart whose baseline is wrong enough to drift upwards as one alarm a year (its finding stays open: it does not re-alarm).
/// Where no threshold reaches the allowance (a reference too small for the budget) the result is +∞: the monitor is off and
/// wider scopes watch those events. This is an analytic, integrated form of the idea of Gandy &amp; Kvaløy (2013), "Guaranteed
/// conditional performance of control charts via bootstrap methods", Scand. J. Statist. 40, 647–668, aimed at the expected
/// count the union bound adds up rather than at one quantile.
/// </summary>
public static class CalibratedThreshold
{
    /// <summary>Thresholds above this are reported as +∞ (the monitor could not alarm within any useful time).</summary>
    public const double MaxThreshold = 200;

    private const int Grid = 49;
    private const double GridSpan = 6;

    /// <summary>
    /// Threshold of a one-sided CUSUM on normal scores against a reference of <paramref name="referenceSize"/> values (reference
    /// value <paramref name="k"/> in σ units). The standardization's mean error is N(0, 1/n) σ and its scale error a factor
    /// 1 + N(0, 1/(2n)); the run length under an error (μ, s) is Siegmund's <see cref="RunLength.CusumAverageRunLength"/> of the
    /// chart with k/s, h/s and shift μ/s. Both errors are integrated on a grid of ±6 standard deviations.
    /// </summary>
    /// <param name="k">Reference value k &gt; 0.</param>
    /// <param name="referenceSize">Reference values behind the normal scores (≥ 2).</param>
    /// <param name="observationsPerYear">Observations the chart sees a year (&gt; 0).</param>
    /// <param name="alarmsPerYear">Expected false alarms a year allowed to this chart (&gt; 0).</param>
    public static double NormalScoreCusum(double k, long referenceSize, double observationsPerYear, double alarmsPerYear)
    {
        PerfGuard.Positive(k, nameof(k));
        PerfGuard.Positive(observationsPerYear, nameof(observationsPerYear));
        PerfGuard.Positive(alarmsPerYear, nameof(alarmsPerYear));
        if (referenceSize < 2) throw new ArgumentException($"'referenceSize' is {referenceSize}; it must be at least 2.", nameof(referenceSize));
        var nodes = Nodes();
        var n = (double)referenceSize;
        var points = new List<(double Weight, double Shift, double Scale)>(Grid * Grid);
        foreach (var (zb, wb) in nodes)
        {
            foreach (var (zs, ws) in nodes)
            {
                var scale = 1 + zs / Math.Sqrt(2 * n);
                if (scale <= 0.05) scale = 0.05;
                points.Add((wb * ws, zb / Math.Sqrt(n), scale));
            }
        }

        return Solve(h =>
        {
            double expected = 0;
            foreach (var (w, shift, scale) in points)
            {
                var arl = RunLength.CusumAverageRunLength(h / scale, k / scale, shift / scale);
                expected += w * Math.Min(1, observationsPerYear / Math.Max(arl, 1));
            }

            return expected;
        }, alarmsPerYear);
    }

    /// <summary>
    /// Threshold of a Bernoulli CUSUM with increments <paramref name="hit"/> (x = 1) and <paramref name="miss"/> (x = 0) whose
    /// in-control probability was estimated from <paramref name="successes"/> of <paramref name="trials"/> (fractional counts
    /// allowed: a prior's pseudo-counts). The true probability is integrated over its Jeffreys posterior
    /// Beta(successes + ½, trials − successes + ½) on a logit grid; the run length for a true p is Wald's approximation
    /// (e^(θh) − θh − 1)/(−θμ) with μ = p·hit + (1 − p)·miss the drift and θ ≠ 0 the root of p·e^(θ·hit) + (1 − p)·e^(θ·miss) = 1
    /// (for the designed p₀ θ = 1 and this is the usual (e^h − h − 1)/KL); without the overshoot correction it understates the
    /// run length, i.e. errs towards a higher threshold.
    /// </summary>
    /// <param name="hit">Increment for x = 1 (ln p₁/p₀).</param>
    /// <param name="miss">Increment for x = 0 (ln (1 − p₁)/(1 − p₀)); of the other sign.</param>
    /// <param name="successes">Reference cases with x = 1 (≥ 0).</param>
    /// <param name="trials">Reference cases (≥ successes).</param>
    /// <param name="observationsPerYear">Observations the chart sees a year (&gt; 0).</param>
    /// <param name="alarmsPerYear">Expected false alarms a year allowed to this chart (&gt; 0).</param>
    public static double Bernoulli(double hit, double miss, double successes, double trials, double observationsPerYear, double alarmsPerYear)
    {
        PerfGuard.Positive(observationsPerYear, nameof(observationsPerYear));
        PerfGuard.Positive(alarmsPerYear, nameof(alarmsPerYear));
        if (!(hit * miss < 0)) throw new ArgumentException("'hit' and 'miss' must be finite and of opposite signs.", nameof(hit));
        if (!(successes >= 0 && trials >= successes)) throw new ArgumentException($"Counts {successes} of {trials} are not valid.", nameof(trials));
        var a = successes + 0.5;
        var b = trials - successes + 0.5;
        var centre = Math.Log(a / b);
        var sd = Math.Sqrt(1 / a + 1 / b);
        const int m = 160;
        var from = centre - 12 * sd;
        var step = 24 * sd / m;
        var lnBeta = MathNet.Numerics.SpecialFunctions.BetaLn(a, b);
        var points = new (double Weight, double Theta, double Drift, double Variance)[m];
        double total = 0;
        for (var i = 0; i < m; i++)
        {
            var t = from + (i + 0.5) * step;
            var lp = -Softplus(-t);   // ln p
            var lq = -Softplus(t);    // ln (1 − p)
            var w = Math.Exp(a * lp + b * lq - lnBeta); // Beta density × dp/dt = p(1 − p)
            var p = Math.Exp(lp);
            var drift = p * hit + (1 - p) * miss;
            points[i] = (w, Root(p, hit, miss, drift), drift, p * (1 - p) * (hit - miss) * (hit - miss));
            total += w;
        }

        return Solve(h =>
        {
            double expected = 0;
            foreach (var (w, theta, drift, variance) in points)
            {
                if (w <= 0) continue;
                expected += w / total * Math.Min(1, observationsPerYear / BernoulliRunLength(h, theta, drift, variance));
            }

            return expected;
        }, alarmsPerYear);
    }

    /// <summary>Wald's approximation of a random-walk CUSUM's run length from its drift and the non-zero root θ of its increments' MGF.</summary>
    internal static double BernoulliRunLength(double h, double theta, double drift, double variance)
    {
        if (Math.Abs(theta * h) < 1e-6 || Math.Abs(drift) < 1e-15) return Math.Max(1, h * h / Math.Max(variance, 1e-300));
        var x = Math.Min(theta * h, 700);
        return Math.Max(1, (Math.Exp(x) - x - 1) / (-theta * drift));
    }

    /// <summary>The non-zero root θ of p·e^(θ·hit) + (1 − p)·e^(θ·miss) = 1 (positive when the drift is negative).</summary>
    internal static double Root(double p, double hit, double miss, double drift)
    {
        if (Math.Abs(drift) < 1e-15) return 0;
        double G(double th) => p * Math.Exp(th * hit) + (1 - p) * Math.Exp(th * miss) - 1;
        var sign = drift < 0 ? 1.0 : -1.0;
        double lo = 0, hi = sign;
        while (G(hi) < 0)
        {
            hi *= 2;
            if (Math.Abs(hi) > 1e6) return hi;
        }

        for (var i = 0; i < 80; i++)
        {
            var mid = (lo + hi) / 2;
            if (G(mid) < 0) lo = mid; else hi = mid;
        }

        return (lo + hi) / 2;
    }

    private static double Solve(Func<double, double> expectedAlarms, double allowed)
    {
        if (expectedAlarms(MaxThreshold) > allowed) return double.PositiveInfinity;
        double lo = 0, hi = MaxThreshold;
        for (var i = 0; i < 50 && hi - lo > 1e-4; i++)
        {
            var mid = (lo + hi) / 2;
            if (expectedAlarms(mid) > allowed) lo = mid; else hi = mid;
        }

        return hi;
    }

    private static (double Z, double Weight)[] Nodes()
    {
        var nodes = new (double, double)[Grid];
        double total = 0;
        for (var i = 0; i < Grid; i++)
        {
            var z = -GridSpan + 2 * GridSpan * i / (Grid - 1);
            var w = Math.Exp(-z * z / 2);
            nodes[i] = (z, w);
            total += w;
        }

        for (var i = 0; i < Grid; i++) nodes[i].Item2 /= total;
        return nodes;
    }

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
}
