namespace Monitoring.Statistics;

/// <summary>
/// Average run length (ARL) of CUSUM-type detectors and the inverse: the threshold that gives a target in-control ARL₀
/// (expected observations between false alarms), the way Alibi Detect configures its online detectors by expected run time.
/// </summary>
public static class RunLength
{
    /// <summary>
    /// Siegmund's approximation of the ARL of a one-sided CUSUM on N(μ, 1) observations with reference k and threshold h:
    /// ARL ≈ (exp(−2Δb) + 2Δb − 1)/(2Δ²), with Δ = μ − k and b = h + 1.166; ARL ≈ b² when Δ = 0 (for |2Δb| &lt; 0.1 by its
    /// series, where the closed form cancels).
    /// In control (μ = 0) this is (exp(2kb) − 2kb − 1)/(2k²). Accurate to a few percent for h ≥ 2 (checked by simulation in the tests
    /// and in docs/statistics-performance.md).
    /// References: D. Siegmund (1985), Sequential Analysis, Springer, §X.2; D. C. Montgomery, Introduction to Statistical Quality Control, §9.1.6.
    /// </summary>
    /// <param name="threshold">Decision interval h &gt; 0 (σ units).</param>
    /// <param name="reference">Reference value k ≥ 0 (σ units).</param>
    /// <param name="shift">Mean of the standardized observations μ (0 = in control).</param>
    public static double CusumAverageRunLength(double threshold, double reference, double shift = 0)
    {
        PerfGuard.Positive(threshold, nameof(threshold));
        PerfGuard.NonNegative(reference, nameof(reference));
        if (!double.IsFinite(shift)) throw new ArgumentException($"'shift' is {shift}; it must be finite.", nameof(shift));
        var b = threshold + 1.166;
        var d = shift - reference;
        var x = 2 * d * b;
        if (Math.Abs(x) < SeriesBelow)
        {
            // e^(−x) + x − 1 cancels to x²/2 for small x (at x = 1e-8 the closed form has no correct digit), so use
            // (e^(−x) + x − 1)/(2Δ²) = b² Σ_{j≥0} 2(−x)^j/(j + 2)!, summed by Horner to j = 12 (the next term is below
            // 1e-17 of the sum for |x| < 0.1); Δ = 0 gives b² exactly.
            var sum = 0.0;
            for (var j = 12; j >= 0; j--)
            {
                sum = sum * -x + SeriesCoefficients[j];
            }

            return b * b * sum;
        }

        return (Math.Exp(-x) + x - 1) / (2 * d * d);
    }

    /// <summary>Below this |2Δb| the ARL is summed as a series: there the closed form's relative error is at most ≈ 2e-14.</summary>
    private const double SeriesBelow = 0.1;

    /// <summary>2/(j + 2)! for j = 0 … 12.</summary>
    private static readonly double[] SeriesCoefficients = Coefficients();

    private static double[] Coefficients()
    {
        var c = new double[13];
        var factorial = 2.0;
        for (var j = 0; j < c.Length; j++)
        {
            c[j] = 2.0 / factorial;
            factorial *= j + 3;
        }

        return c;
    }

    /// <summary>
    /// Two-sided ARL from the one-sided ones: 1/ARL = 1/ARL⁺ + 1/ARL⁻ (Montgomery §9.1.6; exact for the in-control symmetric case in the
    /// limit of rare alarms).
    /// </summary>
    public static double CusumTwoSidedAverageRunLength(double threshold, double reference, double shift = 0)
    {
        var up = CusumAverageRunLength(threshold, reference, shift);
        var down = CusumAverageRunLength(threshold, reference, -shift);
        return 1 / (1 / up + 1 / down);
    }

    /// <summary>
    /// The CUSUM threshold h whose in-control ARL (Siegmund's approximation) equals <paramref name="averageRunLength"/>,
    /// found by bisection (the ARL increases strictly with h). For <see cref="CusumSide.TwoSided"/> each side targets 2·ARL₀.
    /// </summary>
    /// <param name="averageRunLength">Target in-control ARL₀ &gt; the ARL at h → 0 (about 1.2 to 2 for usual k).</param>
    /// <param name="reference">Reference value k ≥ 0 (σ units).</param>
    /// <param name="side">Direction(s) watched.</param>
    /// <exception cref="ArgumentException">The target is not reachable (too small) or not finite.</exception>
    public static double CusumThreshold(double averageRunLength, double reference = 0.5, CusumSide side = CusumSide.TwoSided)
    {
        PerfGuard.Positive(averageRunLength, nameof(averageRunLength));
        PerfGuard.NonNegative(reference, nameof(reference));
        var target = side == CusumSide.TwoSided ? 2 * averageRunLength : averageRunLength;
        double lo = 1e-9, hi = 1;
        if (CusumAverageRunLength(lo, reference) >= target)
        {
            throw new ArgumentException($"'averageRunLength' {averageRunLength} is too small: even h → 0 gives a longer in-control run.", nameof(averageRunLength));
        }

        while (CusumAverageRunLength(hi, reference) < target)
        {
            hi *= 2;
            if (hi > 1e6) throw new ArgumentException($"'averageRunLength' {averageRunLength} is not reachable.", nameof(averageRunLength));
        }

        for (var i = 0; i < 200 && hi - lo > 1e-12 * hi; i++)
        {
            var mid = (lo + hi) / 2;
            if (CusumAverageRunLength(mid, reference) < target) lo = mid; else hi = mid;
        }

        return (lo + hi) / 2;
    }

    /// <summary>
    /// The Page–Hinkley threshold λ for a target in-control ARL₀. Method: with the mean known, Page–Hinkley for increases is a CUSUM
    /// on xₜ − μ with reference δ in the units of x, i.e. a standardized CUSUM with k = δ/σ and h = λ/σ; so λ = σ·h(ARL₀, k = δ/σ) by
    /// <see cref="CusumThreshold"/>. The running mean used in place of μ makes early alarms slightly less likely, so the realised ARL₀
    /// is at least the target in practice (measured in docs/statistics-performance.md). A positive δ is required: with δ = 0 the
    /// in-control drift of mₜ is zero and the approximation degenerates to ARL ≈ (λ/σ + 1.166)².
    /// </summary>
    /// <param name="averageRunLength">Target in-control ARL₀.</param>
    /// <param name="standardDeviation">In-control standard deviation σ &gt; 0 of the observations.</param>
    /// <param name="delta">Page–Hinkley δ ≥ 0 (units of x).</param>
    /// <param name="direction">Direction(s) watched; both directions split the false-alarm budget like a two-sided CUSUM.</param>
    public static double PageHinkleyThreshold(double averageRunLength, double standardDeviation, double delta, PageHinkleyDirection direction = PageHinkleyDirection.Both)
    {
        PerfGuard.Positive(standardDeviation, nameof(standardDeviation));
        PerfGuard.NonNegative(delta, nameof(delta));
        var side = direction == PageHinkleyDirection.Both ? CusumSide.TwoSided : CusumSide.Upper;
        return standardDeviation * CusumThreshold(averageRunLength, delta / standardDeviation, side);
    }
}
