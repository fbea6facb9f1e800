namespace Monitoring.Statistics;

/// <summary>Which direction of mean shift a CUSUM watches.</summary>
public enum CusumSide
{
    /// <summary>Upward shifts only: S⁺.</summary>
    Upper,

    /// <summary>Downward shifts only: S⁻.</summary>
    Lower,

    /// <summary>Both directions: alarm when S⁺ or S⁻ exceeds h.</summary>
    TwoSided,
}

/// <summary>Serializable state of a <see cref="Cusum"/>, for restarts and deterministic replay.</summary>
/// <param name="Upper">Upper statistic S⁺.</param>
/// <param name="Lower">Lower statistic S⁻.</param>
/// <param name="Count">Observations since the last reset or alarm.</param>
/// <param name="Alarms">Alarms raised since construction or <see cref="Cusum.Reset"/>.</param>
/// <param name="LastAlarmSide">Side of the most recent alarm, null before any.</param>
public sealed record CusumState(double Upper, double Lower, long Count, long Alarms, CusumSide? LastAlarmSide = null);

/// <summary>
/// Tabular CUSUM on standardized observations zₜ = (xₜ − μ₀)/σ:
/// S⁺ₜ = max(0, S⁺ₜ₋₁ + zₜ − k), S⁻ₜ = max(0, S⁻ₜ₋₁ − zₜ − k); an alarm is raised when S⁺ₜ &gt; h (upper) or S⁻ₜ &gt; h (lower),
/// after which both statistics restart at 0 (so the next run length starts at the alarm).
/// k (the reference value, usually half the shift in σ units to detect quickly) and h (the decision interval) are in σ units.
/// Choose h from a target in-control average run length with <see cref="RunLength.CusumThreshold"/>.
/// Reference: E. S. Page (1954), "Continuous inspection schemes", Biometrika 41:100–115;
/// D. C. Montgomery, Introduction to Statistical Quality Control, ch. 9.1.
/// </summary>
public sealed class Cusum
{
    private double _upper;
    private double _lower;
    private long _count;
    private long _alarms;

    /// <summary>Creates a CUSUM.</summary>
    /// <param name="mean">In-control mean μ₀ (finite).</param>
    /// <param name="standardDeviation">In-control standard deviation σ &gt; 0.</param>
    /// <param name="reference">Reference value k ≥ 0 in σ units (default 0.5: tuned to a 1σ shift).</param>
    /// <param name="threshold">Decision interval h &gt; 0 in σ units (default 5: two-sided ARL₀ ≈ 465).</param>
    /// <param name="side">Direction(s) watched.</param>
    public Cusum(double mean, double standardDeviation, double reference = 0.5, double threshold = 5, CusumSide side = CusumSide.TwoSided)
    {
        if (!double.IsFinite(mean)) throw new ArgumentException($"'mean' is {mean}; it must be finite.", nameof(mean));
        PerfGuard.Positive(standardDeviation, nameof(standardDeviation));
        PerfGuard.NonNegative(reference, nameof(reference));
        PerfGuard.Positive(threshold, nameof(threshold));
        if (!Enum.IsDefined(side)) throw new ArgumentException($"'side' is {side}; unknown value.", nameof(side));
        Mean = mean;
        StandardDeviation = standardDeviation;
        Reference = reference;
        Threshold = threshold;
        Side = side;
    }

    /// <summary>
    /// Creates a CUSUM whose threshold h gives the target in-control average run length (observations between false alarms),
    /// by Siegmund's approximation (<see cref="RunLength.CusumThreshold"/>).
    /// </summary>
    public static Cusum ForAverageRunLength(double mean, double standardDeviation, double averageRunLength, double reference = 0.5, CusumSide side = CusumSide.TwoSided) =>
        new(mean, standardDeviation, reference, RunLength.CusumThreshold(averageRunLength, reference, side), side);

    /// <summary>In-control mean μ₀.</summary>
    public double Mean { get; }

    /// <summary>In-control standard deviation σ.</summary>
    public double StandardDeviation { get; }

    /// <summary>Reference value k (σ units).</summary>
    public double Reference { get; }

    /// <summary>Decision interval h (σ units).</summary>
    public double Threshold { get; }

    /// <summary>Direction(s) watched.</summary>
    public CusumSide Side { get; }

    /// <summary>Current upper statistic S⁺.</summary>
    public double UpperStatistic => _upper;

    /// <summary>Current lower statistic S⁻.</summary>
    public double LowerStatistic => _lower;

    /// <summary>Observations since the last reset or alarm.</summary>
    public long Count => _count;

    /// <summary>Alarms raised since construction or reset.</summary>
    public long Alarms => _alarms;

    /// <summary>Side of the most recent alarm (<see cref="CusumSide.Upper"/> or <see cref="CusumSide.Lower"/>), or null before any alarm.</summary>
    public CusumSide? LastAlarmSide { get; private set; }

    /// <summary>Adds one observation; returns true when it raises an alarm (the statistics then restart at 0).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is NaN or infinite.</exception>
    public bool Add(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"'x' is {x}; observations must be finite.", nameof(x));
        var z = (x - Mean) / StandardDeviation;
        _count++;
        if (Side != CusumSide.Lower) _upper = Math.Max(0, _upper + z - Reference);
        if (Side != CusumSide.Upper) _lower = Math.Max(0, _lower - z - Reference);
        var up = _upper > Threshold;
        var down = _lower > Threshold;
        if (!up && !down) return false;
        LastAlarmSide = up && (!down || _upper >= _lower) ? CusumSide.Upper : CusumSide.Lower;
        _alarms++;
        _upper = 0;
        _lower = 0;
        _count = 0;
        return true;
    }

    /// <summary>Clears the statistics, the count and the alarm counter.</summary>
    public void Reset()
    {
        _upper = 0;
        _lower = 0;
        _count = 0;
        _alarms = 0;
        LastAlarmSide = null;
    }

    /// <summary>Captures the state; <see cref="Restore"/> on a CUSUM with the same configuration continues identically.</summary>
    public CusumState Snapshot() => new(_upper, _lower, _count, _alarms, LastAlarmSide);

    /// <summary>Restores a state captured by <see cref="Snapshot"/>.</summary>
    /// <exception cref="ArgumentException">The state holds negative or non-finite statistics.</exception>
    public void Restore(CusumState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!(state.Upper >= 0) || !(state.Lower >= 0) || !double.IsFinite(state.Upper) || !double.IsFinite(state.Lower) || state.Count < 0 || state.Alarms < 0)
        {
            throw new ArgumentException("The CUSUM state is invalid: statistics must be finite and non-negative.", nameof(state));
        }

        _upper = state.Upper;
        _lower = state.Lower;
        _count = state.Count;
        _alarms = state.Alarms;
        LastAlarmSide = state.LastAlarmSide;
    }
}
