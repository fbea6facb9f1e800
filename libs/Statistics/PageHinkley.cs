namespace Monitoring.Statistics;

/// <summary>Which direction of mean change a <see cref="PageHinkley"/> test watches.</summary>
public enum PageHinkleyDirection
{
    /// <summary>Increases of the mean.</summary>
    Increase,

    /// <summary>Decreases of the mean.</summary>
    Decrease,

    /// <summary>Both directions.</summary>
    Both,
}

/// <summary>Serializable state of a <see cref="PageHinkley"/> test.</summary>
/// <param name="Count">Observations since the last reset or alarm.</param>
/// <param name="Mean">Running mean x̄ₜ.</param>
/// <param name="SumIncrease">Cumulative sum mₜ for increases.</param>
/// <param name="MinIncrease">Running minimum of mₜ.</param>
/// <param name="SumDecrease">Cumulative sum for decreases.</param>
/// <param name="MaxDecrease">Running maximum of the decrease sum.</param>
/// <param name="Alarms">Alarms raised since construction or reset.</param>
public sealed record PageHinkleyState(long Count, double Mean, double SumIncrease, double MinIncrease, double SumDecrease, double MaxDecrease, long Alarms);

/// <summary>
/// Page–Hinkley test for a change in the mean, with the running mean as in-control estimate:
/// x̄ₜ = mean of x₁..xₜ; mₜ = α·mₜ₋₁ + (xₜ − x̄ₜ − δ), Mₜ = min(0, m₁..mₜ), alarm (increase) when mₜ − Mₜ &gt; λ;
/// symmetrically lₜ = α·lₜ₋₁ + (xₜ − x̄ₜ + δ), Lₜ = max(0, l₁..lₜ), alarm (decrease) when Lₜ − lₜ &gt; λ.
/// No alarm is raised before <c>minInstances</c> observations; after an alarm the test restarts (mean included).
/// δ is the magnitude of change tolerated, λ the threshold, in the units of x; α = 1 means no forgetting.
/// Choose λ from a target average run length with <see cref="RunLength.PageHinkleyThreshold"/>.
/// References: E. S. Page (1954), Biometrika 41:100–115; D. V. Hinkley (1971), "Inference about the change-point from
/// cumulative sum tests", Biometrika 58:509–523; J. Gama et al. (2014), "A survey on concept drift adaptation", ACM CSUR 46(4);
/// river's <c>drift.PageHinkley</c> (same recursion; river excludes m₀ = 0 from the minimum, we include it as Page did).
/// </summary>
public sealed class PageHinkley
{
    private long _count;
    private double _mean;
    private double _sumUp;
    private double _minUp;
    private double _sumDown;
    private double _maxDown;
    private long _alarms;

    /// <summary>Creates a Page–Hinkley test.</summary>
    /// <param name="delta">Tolerated change δ ≥ 0 (units of x).</param>
    /// <param name="threshold">Threshold λ &gt; 0 (units of x).</param>
    /// <param name="direction">Direction(s) watched.</param>
    /// <param name="minInstances">Observations needed before an alarm may be raised (≥ 1).</param>
    /// <param name="alpha">Forgetting factor α in (0, 1]; 1 = none.</param>
    public PageHinkley(double delta = 0.005, double threshold = 50, PageHinkleyDirection direction = PageHinkleyDirection.Both, int minInstances = 30, double alpha = 1)
    {
        PerfGuard.NonNegative(delta, nameof(delta));
        PerfGuard.Positive(threshold, nameof(threshold));
        if (!Enum.IsDefined(direction)) throw new ArgumentException($"'direction' is {direction}; unknown value.", nameof(direction));
        if (minInstances < 1) throw new ArgumentException($"'minInstances' is {minInstances}; it must be at least 1.", nameof(minInstances));
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentException($"'alpha' is {alpha}; it must lie in (0, 1].", nameof(alpha));
        Delta = delta;
        Threshold = threshold;
        Direction = direction;
        MinInstances = minInstances;
        Alpha = alpha;
    }

    /// <summary>
    /// Creates a Page–Hinkley test whose λ targets an in-control average run length, given the in-control standard deviation
    /// of x (<see cref="RunLength.PageHinkleyThreshold"/>).
    /// </summary>
    public static PageHinkley ForAverageRunLength(double averageRunLength, double standardDeviation, double delta, PageHinkleyDirection direction = PageHinkleyDirection.Both, int minInstances = 30) =>
        new(delta, RunLength.PageHinkleyThreshold(averageRunLength, standardDeviation, delta, direction), direction, minInstances);

    /// <summary>Tolerated change δ.</summary>
    public double Delta { get; }

    /// <summary>Threshold λ.</summary>
    public double Threshold { get; }

    /// <summary>Direction(s) watched.</summary>
    public PageHinkleyDirection Direction { get; }

    /// <summary>Observations needed before an alarm.</summary>
    public int MinInstances { get; }

    /// <summary>Forgetting factor α.</summary>
    public double Alpha { get; }

    /// <summary>Observations since the last reset or alarm.</summary>
    public long Count => _count;

    /// <summary>Alarms raised since construction or reset.</summary>
    public long Alarms => _alarms;

    /// <summary>Current test statistic max(mₜ − Mₜ, Lₜ − lₜ) over the watched directions.</summary>
    public double Statistic => Math.Max(Direction != PageHinkleyDirection.Decrease ? _sumUp - _minUp : 0, Direction != PageHinkleyDirection.Increase ? _maxDown - _sumDown : 0);

    /// <summary>Adds one observation; returns true when it raises an alarm (the test then restarts).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is NaN or infinite.</exception>
    public bool Add(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"'x' is {x}; observations must be finite.", nameof(x));
        _count++;
        _mean += (x - _mean) / _count;
        _sumUp = Alpha * _sumUp + (x - _mean - Delta);
        _minUp = Math.Min(_minUp, _sumUp);
        _sumDown = Alpha * _sumDown + (x - _mean + Delta);
        _maxDown = Math.Max(_maxDown, _sumDown);
        if (_count < MinInstances || Statistic <= Threshold) return false;
        _alarms++;
        Restart();
        return true;
    }

    /// <summary>Clears all state, including the alarm counter.</summary>
    public void Reset()
    {
        Restart();
        _alarms = 0;
    }

    /// <summary>Captures the state for restarts and replay.</summary>
    public PageHinkleyState Snapshot() => new(_count, _mean, _sumUp, _minUp, _sumDown, _maxDown, _alarms);

    /// <summary>Restores a state captured by <see cref="Snapshot"/>.</summary>
    /// <exception cref="ArgumentException">The state holds non-finite values or a negative count.</exception>
    public void Restore(PageHinkleyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count < 0 || state.Alarms < 0 || !double.IsFinite(state.Mean) || !double.IsFinite(state.SumIncrease) || !double.IsFinite(state.MinIncrease)
            || !double.IsFinite(state.SumDecrease) || !double.IsFinite(state.MaxDecrease))
        {
            throw new ArgumentException("The Page–Hinkley state is invalid: values must be finite and the count non-negative.", nameof(state));
        }

        (_count, _mean, _sumUp, _minUp, _sumDown, _maxDown, _alarms) =
            (state.Count, state.Mean, state.SumIncrease, state.MinIncrease, state.SumDecrease, state.MaxDecrease, state.Alarms);
    }

    private void Restart()
    {
        _count = 0;
        _mean = 0;
        _sumUp = 0;
        _minUp = 0;
        _sumDown = 0;
        _maxDown = 0;
    }
}
