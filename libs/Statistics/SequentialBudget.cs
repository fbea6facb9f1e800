namespace Monitoring.Statistics;

/// <summary>
/// One false-alarm budget for many sequential monitors. A deployment is allowed B expected false alarms per year in total;
/// by the union bound (Boole's inequality on the expected number of alarms) a monitor that gets the share wᵢ·B of it, with
/// Σwᵢ = 1, keeps the total at or below B. A monitor that sees rᵢ observations a year then needs an in-control average run
/// length ARL₀ᵢ = rᵢ / (wᵢ·B) observations. Because a CUSUM's ARL₀ grows exponentially with its threshold, splitting the
/// budget over M monitors costs only ln M of threshold (Lorden 1971; Siegmund 1985, §II.6).
/// </summary>
public static class SequentialBudget
{
    /// <summary>
    /// In-control ARL₀ (observations) a monitor needs: <paramref name="observationsPerYear"/> / (<paramref name="share"/> ·
    /// <paramref name="falseAlarmsPerYear"/>), at least 2.
    /// </summary>
    /// <param name="observationsPerYear">Observations the monitor sees per year (estimated from the reference).</param>
    /// <param name="falseAlarmsPerYear">The whole budget B (expected false alarms per year), &gt; 0.</param>
    /// <param name="share">This monitor's share wᵢ of the budget, in (0, 1].</param>
    public static double TargetRunLength(double observationsPerYear, double falseAlarmsPerYear, double share)
    {
        PerfGuard.Positive(falseAlarmsPerYear, nameof(falseAlarmsPerYear));
        PerfGuard.Positive(share, nameof(share));
        PerfGuard.Positive(observationsPerYear, nameof(observationsPerYear));
        return Math.Max(2, observationsPerYear / (share * falseAlarmsPerYear));
    }

    /// <summary>
    /// Threshold of a one-sided CUSUM on standardized values (reference k, σ units) that keeps its in-control ARL at least
    /// <paramref name="targetRunLength"/> even though the standardization was estimated from a reference of
    /// <paramref name="referenceSize"/> values. The estimated mean is off by about N(0, 1/n) standard deviations and the
    /// estimated scale by a factor 1 ± √(1/(2n)); at the <paramref name="guarantee"/> quantile of those errors (the adverse
    /// direction: a mean bias towards the watched side, a scale too small) the chart behaves like a CUSUM with shift
    /// μ = z/√n and standard deviation s = 1 + z/√(2n), i.e. a standard CUSUM with k/s, h/s and shift μ/s. The threshold is
    /// the smallest h whose ARL (<see cref="RunLength.CusumAverageRunLength"/>, Siegmund's approximation) under that
    /// disturbance reaches the target: an analytic form of the guaranteed-conditional-performance threshold of Gandy &amp;
    /// Kvaløy (2013), "Guaranteed conditional performance of control charts via bootstrap methods", Scand. J. Statist. 40,
    /// 647–668 (who bootstrap the reference instead). With n → ∞ it is the usual threshold.
    /// </summary>
    /// <param name="targetRunLength">In-control ARL₀ to guarantee, in observations (&gt; 2).</param>
    /// <param name="reference">Reference value k &gt; 0 (σ units; half the shift the chart is designed for).</param>
    /// <param name="referenceSize">Reference values behind the standardization (≥ 1; use <see cref="int.MaxValue"/> when exact).</param>
    /// <param name="guarantee">Probability over the reference sample that the ARL₀ is at least the target (0.5 = none).</param>
    public static double GuaranteedCusumThreshold(double targetRunLength, double reference, long referenceSize, double guarantee = 0.9)
    {
        PerfGuard.Positive(targetRunLength, nameof(targetRunLength));
        PerfGuard.Positive(reference, nameof(reference));
        if (referenceSize < 1) throw new ArgumentException($"'referenceSize' is {referenceSize}; it must be at least 1.", nameof(referenceSize));
        if (guarantee is < 0.5 or >= 1) throw new ArgumentException($"'guarantee' is {guarantee}; it must be in [0.5, 1).", nameof(guarantee));
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, guarantee);
        var bias = z / Math.Sqrt(referenceSize);
        var scale = 1 + z / Math.Sqrt(2.0 * referenceSize);
        if (bias >= reference)
        {
            // The reference's own error could be as large as the design shift: no threshold guarantees the target.
            return double.PositiveInfinity;
        }

        double Arl(double h) => RunLength.CusumAverageRunLength(h / scale, reference / scale, bias / scale);
        double lo = 1e-6, hi = 1;
        while (Arl(hi) < targetRunLength)
        {
            hi *= 2;
            if (hi > 1e6) return double.PositiveInfinity;
        }

        for (var i = 0; i < 100 && hi - lo > 1e-9 * hi; i++)
        {
            var mid = (lo + hi) / 2;
            if (Arl(mid) < targetRunLength) lo = mid; else hi = mid;
        }

        return hi;
    }

    /// <summary>
    /// Normal score of <paramref name="x"/> against a sorted reference: Φ⁻¹(u) with u = (mid-rank + ½)/(n + 1), the mid-rank
    /// being the number of reference values below x plus half of those equal to it. Under "x comes from the reference's
    /// distribution" the score is N(0, 1) up to the reference's own sampling error whatever that distribution is (van der
    /// Waerden's normal scores; W. J. Conover, Practical Nonparametric Statistics, 3rd ed., §5.10), and it is bounded by
    /// ±Φ⁻¹(1 − 0.5/(n+1)), so one outlier cannot raise a CUSUM by more than that.
    /// </summary>
    /// <param name="reference">The reference sample, sorted once.</param>
    /// <param name="x">A finite value.</param>
    public static double NormalScore(SortedSample reference, double x)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var values = reference.Values;
        var below = LowerBound(values, x);
        var notAbove = below;
        while (notAbove < values.Length && values[notAbove] == x) notAbove++;
        var u = ((below + notAbove) / 2.0 + 0.5) / (values.Length + 1);
        return MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, u);
    }

    private static int LowerBound(double[] values, double x)
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (values[mid] < x) lo = mid + 1; else hi = mid;
        }

        return lo;
    }
}
