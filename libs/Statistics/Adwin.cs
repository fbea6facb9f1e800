namespace Monitoring.Statistics;

/// <summary>Serializable state of an <see cref="Adwin"/> detector: configuration plus the exponential histogram.</summary>
/// <param name="Delta">Confidence δ.</param>
/// <param name="MaxBucketsPerRow">Buckets kept per row M.</param>
/// <param name="Clock">Cut check period.</param>
/// <param name="MinSubWindowLength">Minimum length of each sub-window.</param>
/// <param name="Time">Observations seen since construction or reset.</param>
/// <param name="Width">Window length |W|.</param>
/// <param name="Total">Sum of the window.</param>
/// <param name="VarianceSum">Sum of squared deviations from the window mean.</param>
/// <param name="Detections">Changes detected since construction or reset.</param>
/// <param name="RowTotals">Per row (row i holds buckets of 2^i observations), bucket sums, oldest first.</param>
/// <param name="RowVariances">Per row, bucket sums of squared deviations, oldest first.</param>
public sealed record AdwinState(
    double Delta, int MaxBucketsPerRow, int Clock, int MinSubWindowLength, long Time, long Width, double Total, double VarianceSum,
    long Detections, double[][] RowTotals, double[][] RowVariances);

/// <summary>
/// ADWIN (ADaptive WINdowing, the ADWIN2 variant): keeps a window W of recent observations compressed in an exponential histogram
/// and drops its oldest part whenever two sub-windows W₀ (older) · W₁ (newer) have means that differ by more than
/// ε_cut = √(2/m · σ²_W · ln(2/δ′)) + 2/(3m) · ln(2/δ′), with 1/m = 1/n₀ + 1/n₁, δ′ = δ/ln|W| and σ²_W the window variance.
/// Memory is O(M · log₂|W|) buckets (at most M + 1 per row, one row per power of two, so never more than 64·(M+1) buckets),
/// independent of the length of history. Checks run every <c>clock</c> observations, as in MOA.
/// Reference: A. Bifet, R. Gavaldà (2007), "Learning from time-changing data with adaptive windowing", SIAM SDM, pp. 443–448
/// (ADWIN2 and its Theorem 3.1 variance bound); MOA's <c>ADWIN.java</c> for the bucket bookkeeping.
/// </summary>
public sealed class Adwin
{
    private readonly List<Row> _rows = [];
    private long _time;
    private long _width;
    private double _total;
    private double _variance;
    private long _detections;

    /// <summary>Creates an ADWIN detector.</summary>
    /// <param name="delta">Confidence δ in (0, 1): bound on the false-cut probability per check (default 0.002, as MOA and river).</param>
    /// <param name="maxBucketsPerRow">M ≥ 2, buckets per row before two merge (default 5). Larger M: finer cut points, more memory.</param>
    /// <param name="clock">Check for a cut every <paramref name="clock"/> observations (default 32, as MOA; 1 = every observation).</param>
    /// <param name="minSubWindowLength">Minimum length of W₀ and W₁ for a cut (default 5).</param>
    public Adwin(double delta = 0.002, int maxBucketsPerRow = 5, int clock = 32, int minSubWindowLength = 5)
    {
        if (!(delta > 0 && delta < 1)) throw new ArgumentException($"'delta' is {delta}; it must lie in (0, 1).", nameof(delta));
        if (maxBucketsPerRow < 2) throw new ArgumentException($"'maxBucketsPerRow' is {maxBucketsPerRow}; it must be at least 2.", nameof(maxBucketsPerRow));
        if (clock < 1) throw new ArgumentException($"'clock' is {clock}; it must be at least 1.", nameof(clock));
        if (minSubWindowLength < 1) throw new ArgumentException($"'minSubWindowLength' is {minSubWindowLength}; it must be at least 1.", nameof(minSubWindowLength));
        Delta = delta;
        MaxBucketsPerRow = maxBucketsPerRow;
        Clock = clock;
        MinSubWindowLength = minSubWindowLength;
    }

    /// <summary>Confidence δ.</summary>
    public double Delta { get; }

    /// <summary>Buckets per row M.</summary>
    public int MaxBucketsPerRow { get; }

    /// <summary>Cut check period.</summary>
    public int Clock { get; }

    /// <summary>Minimum sub-window length.</summary>
    public int MinSubWindowLength { get; }

    /// <summary>Current window length |W|.</summary>
    public long Width => _width;

    /// <summary>Mean of the current window (0 when empty).</summary>
    public double Mean => _width > 0 ? _total / _width : 0;

    /// <summary>Population variance of the current window (0 when empty).</summary>
    public double Variance => _width > 0 ? _variance / _width : 0;

    /// <summary>Changes detected since construction or reset.</summary>
    public long Detections => _detections;

    /// <summary>Number of buckets held now (the memory footprint, two doubles each).</summary>
    public int BucketCount
    {
        get
        {
            var c = 0;
            foreach (var row in _rows) c += row.Count;
            return c;
        }
    }

    /// <summary>Adds one observation; returns true when the window was cut (a change in the mean was detected).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is NaN or infinite.</exception>
    public bool Add(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"'x' is {x}; observations must be finite.", nameof(x));
        Insert(x);
        _time++;
        if (_time % Clock != 0 || _width < 2L * MinSubWindowLength) return false;
        var changed = false;
        while (TryCut()) changed = true;
        if (changed) _detections++;
        return changed;
    }

    /// <summary>Empties the window and clears the detection counter.</summary>
    public void Reset()
    {
        _rows.Clear();
        _time = 0;
        _width = 0;
        _total = 0;
        _variance = 0;
        _detections = 0;
    }

    /// <summary>Captures the full state (deep copy).</summary>
    public AdwinState Snapshot() => new(
        Delta, MaxBucketsPerRow, Clock, MinSubWindowLength, _time, _width, _total, _variance, _detections,
        _rows.Select(r => r.Totals.AsSpan(0, r.Count).ToArray()).ToArray(),
        _rows.Select(r => r.Variances.AsSpan(0, r.Count).ToArray()).ToArray());

    /// <summary>Restores a state captured by <see cref="Snapshot"/> on a detector with the same configuration.</summary>
    /// <exception cref="ArgumentException">Configuration differs or the histogram is inconsistent.</exception>
    public void Restore(AdwinState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Delta != Delta || state.MaxBucketsPerRow != MaxBucketsPerRow || state.Clock != Clock || state.MinSubWindowLength != MinSubWindowLength)
        {
            throw new ArgumentException("The ADWIN state was captured with a different configuration.", nameof(state));
        }

        if (state.RowTotals.Length != state.RowVariances.Length || state.RowTotals.Length > 64)
        {
            throw new ArgumentException("The ADWIN state has an inconsistent histogram.", nameof(state));
        }

        long width = 0;
        var rows = new List<Row>();
        for (var i = 0; i < state.RowTotals.Length; i++)
        {
            var t = state.RowTotals[i];
            var v = state.RowVariances[i];
            if (t.Length != v.Length || t.Length > MaxBucketsPerRow || t.Any(d => !double.IsFinite(d)) || v.Any(d => !double.IsFinite(d)))
            {
                throw new ArgumentException($"The ADWIN state row {i} is inconsistent.", nameof(state));
            }

            var row = new Row(MaxBucketsPerRow + 1);
            for (var k = 0; k < t.Length; k++) row.Append(t[k], v[k]);
            rows.Add(row);
            width += t.Length * (1L << i);
        }

        if (width != state.Width || state.Time < 0 || !double.IsFinite(state.Total) || !double.IsFinite(state.VarianceSum))
        {
            throw new ArgumentException("The ADWIN state's width does not match its buckets.", nameof(state));
        }

        _rows.Clear();
        _rows.AddRange(rows);
        (_time, _width, _total, _variance, _detections) = (state.Time, state.Width, state.Total, state.VarianceSum, state.Detections);
    }

    private void Insert(double x)
    {
        if (_width > 0)
        {
            var d = x - _total / _width;
            _variance += _width * d * d / (_width + 1);
        }

        _width++;
        _total += x;
        if (_rows.Count == 0) _rows.Add(new Row(MaxBucketsPerRow + 1));
        _rows[0].Append(x, 0);

        for (var i = 0; i < _rows.Count && _rows[i].Count > MaxBucketsPerRow; i++)
        {
            var row = _rows[i];
            var size = (double)(1L << i);
            var (t0, v0) = (row.Totals[0], row.Variances[0]);
            var (t1, v1) = (row.Totals[1], row.Variances[1]);
            var diff = t0 / size - t1 / size;
            row.RemoveOldest(2);
            if (i + 1 == _rows.Count) _rows.Add(new Row(MaxBucketsPerRow + 1));
            _rows[i + 1].Append(t0 + t1, v0 + v1 + size * size * diff * diff / (2 * size));
        }
    }

    private bool TryCut()
    {
        if (_width < 2L * MinSubWindowLength) return false;
        var windowVariance = _variance / _width;
        var dd = Math.Log(2 * Math.Log(_width) / Delta);
        long n0 = 0;
        double u0 = 0;
        var n1 = _width;
        var u1 = _total;
        for (var i = _rows.Count - 1; i >= 0; i--)
        {
            var row = _rows[i];
            var size = 1L << i;
            for (var k = 0; k < row.Count; k++)
            {
                if (i == 0 && k == row.Count - 1) return false;
                n0 += size;
                n1 -= size;
                u0 += row.Totals[k];
                u1 -= row.Totals[k];
                if (n0 < MinSubWindowLength || n1 < MinSubWindowLength) continue;
                var mInv = 1.0 / n0 + 1.0 / n1;
                var eps = Math.Sqrt(2 * mInv * windowVariance * dd) + 2.0 / 3.0 * dd * mInv;
                if (Math.Abs(u0 / n0 - u1 / n1) > eps)
                {
                    RemoveOldestBucket();
                    return true;
                }
            }
        }

        return false;
    }

    private void RemoveOldestBucket()
    {
        var last = _rows.Count - 1;
        var row = _rows[last];
        var n = (double)(1L << last);
        var (t, v) = (row.Totals[0], row.Variances[0]);
        _width -= 1L << last;
        _total -= t;
        if (_width > 0)
        {
            var d = t / n - _total / _width;
            _variance -= v + n * _width * d * d / (n + _width);
            if (_variance < 0) _variance = 0;
        }
        else
        {
            _variance = 0;
            _total = 0;
        }

        row.RemoveOldest(1);
        if (row.Count == 0) _rows.RemoveAt(last);
    }

    /// <summary>One row of the exponential histogram: buckets of equal size, oldest at index 0.</summary>
    private sealed class Row(int capacity)
    {
        public double[] Totals { get; } = new double[capacity];

        public double[] Variances { get; } = new double[capacity];

        public int Count { get; private set; }

        public void Append(double total, double variance)
        {
            Totals[Count] = total;
            Variances[Count] = variance;
            Count++;
        }

        public void RemoveOldest(int k)
        {
            Array.Copy(Totals, k, Totals, 0, Count - k);
            Array.Copy(Variances, k, Variances, 0, Count - k);
            Count -= k;
        }
    }
}
