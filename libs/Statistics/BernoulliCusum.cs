namespace Monitoring.Statistics;

/// <summary>
/// The log-likelihood-ratio CUSUM for a Bernoulli proportion, from p₀ (in control) to p₁ (the change to detect):
/// Sₜ = max(0, Sₜ₋₁ + xₜ·ln(p₁/p₀) + (1 − xₜ)·ln((1 − p₁)/(1 − p₀))), alarm when Sₜ ≥ h. Used for category shares
/// (value = c or not), new categories (p₀ = 1/(n_ref + 1)) and labelled outcomes (a positive case missed or not).
/// References: E. S. Page (1954), "Continuous inspection schemes", Biometrika 41; M. R. Reynolds &amp; Z. G. Stoumbos (1999),
/// "A CUSUM chart for monitoring a proportion when inspecting continuously", J. Quality Technology 31, 87–108;
/// S. H. Steiner et al. (2000), "Monitoring surgical performance using risk-adjusted cumulative sum charts", Biostatistics 1.
/// </summary>
/// <param name="Hit">Increment when xₜ = 1: ln(p₁/p₀).</param>
/// <param name="Miss">Increment when xₜ = 0: ln((1 − p₁)/(1 − p₀)).</param>
/// <param name="Threshold">Decision interval h.</param>
public readonly record struct BernoulliCusum(double Hit, double Miss, double Threshold)
{
    /// <summary>The chart from p₀ to p₁ with the threshold whose in-control ARL is <paramref name="targetRunLength"/>.</summary>
    /// <param name="p0">In-control probability, in (0, 1).</param>
    /// <param name="p1">Out-of-control probability to detect, in (0, 1), ≠ p₀.</param>
    /// <param name="targetRunLength">In-control ARL₀ in observations.</param>
    public static BernoulliCusum Design(double p0, double p1, double targetRunLength)
    {
        Check(p0, nameof(p0));
        Check(p1, nameof(p1));
        if (p0 == p1) throw new ArgumentException("'p1' must differ from 'p0'.", nameof(p1));
        return new BernoulliCusum(Math.Log(p1 / p0), Math.Log((1 - p1) / (1 - p0)), ThresholdFor(p0, p1, targetRunLength));
    }

    /// <summary>One step of the chart.</summary>
    public double Step(double statistic, bool x) => Math.Max(0, statistic + (x ? Hit : Miss));

    /// <summary>
    /// Threshold h for an in-control ARL₀ of <paramref name="targetRunLength"/>: the root of (e^h − h − 1)/K = ARL₀ with
    /// K = KL(p₀‖p₁) = p₀ ln(p₀/p₁) + (1 − p₀) ln((1 − p₀)/(1 − p₁)), the in-control drift of the LLR. This is the
    /// Wald/Siegmund approximation without the overshoot correction (Siegmund 1985, §X.2: for normal data the overshoot
    /// adds 1.166·δ to h); a Bernoulli step always overshoots, so the realized ARL₀ is at least the target (checked by
    /// seeded simulation in the tests) and h never exceeds ln(ARL₀·K) + ln ln(ARL₀·K) + 1 or so.
    /// </summary>
    public static double ThresholdFor(double p0, double p1, double targetRunLength)
    {
        PerfGuard.Positive(targetRunLength, nameof(targetRunLength));
        var k = p0 * Math.Log(p0 / p1) + (1 - p0) * Math.Log((1 - p0) / (1 - p1));
        double Arl(double h) => (Math.Exp(h) - h - 1) / k;
        double lo = 0, hi = 1;
        while (Arl(hi) < targetRunLength) hi *= 2;
        for (var i = 0; i < 100 && hi - lo > 1e-9 * hi; i++)
        {
            var mid = (lo + hi) / 2;
            if (Arl(mid) < targetRunLength) lo = mid; else hi = mid;
        }

        return hi;
    }

    /// <summary>p with its log-odds moved by <paramref name="logOddsShift"/>: 1/(1 + e^(−(logit p + shift))).</summary>
    public static double ShiftOdds(double p, double logOddsShift)
    {
        Check(p, nameof(p));
        return 1 / (1 + Math.Exp(-(Math.Log(p / (1 - p)) + logOddsShift)));
    }

    private static void Check(double p, string name)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentException($"'{name}' is {p}; it must be in (0, 1).", name);
    }
}
