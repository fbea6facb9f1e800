namespace Monitoring.Statistics;

/// <summary>Serializable state of a <see cref="QuantileSketch"/>.</summary>
/// <param name="K">Accuracy parameter k.</param>
/// <param name="Count">Items added (including merged ones).</param>
/// <param name="Min">Exact minimum (+∞ when empty).</param>
/// <param name="Max">Exact maximum (−∞ when empty).</param>
/// <param name="GeneratorState">State of the coin-flip generator.</param>
/// <param name="Levels">Items per compactor level; an item at level h stands for 2^h inputs.</param>
public sealed record QuantileSketchState(int K, long Count, double Min, double Max, ulong[] GeneratorState, double[][] Levels);

/// <summary>
/// Mergeable quantile sketch (KLL). Items enter level 0; when the sketch exceeds its budget, the lowest full level h is sorted and
/// compacted: a random half (odd or even positions, fair coin) moves to level h + 1 with doubled weight, the other half is discarded.
/// Level h has capacity ⌈k·(2/3)^(H−1−h)⌉ (at least 2), H the number of levels, so the sketch retains at most about 3k + 2H items:
/// memory depends on k (and only logarithmically on the stream length, H ≈ log₂(n/k) + 1 ≤ 64).
/// Error bound: the rank of a returned quantile differs from the requested rank by ε·n, where ε is of order 1/k. Stated bound (the
/// tests check it with 100 seeds on uniform, normal and sorted streams of 10⁵ items): for k = 200 the normalized rank error of any
/// single query is at most <see cref="RankErrorBound"/> = 2.7/k^0.95 ≈ 1.7% with probability ≥ 99%.
/// Two sketches with the same k merge into one that summarises both streams with the same bound (mergeability).
/// References: Z. Karnin, K. Lang, E. Liberty (2016), "Optimal quantile approximation in streams", FOCS, pp. 71–78;
/// Apache DataSketches KLL (the k = 200 default and its ~1.65% error); E. Liberty's reference implementation (kll.py).
/// </summary>
public sealed class QuantileSketch
{
    private const double CapacityDecay = 2.0 / 3.0;
    private readonly List<List<double>> _levels = [];
    private Xoshiro256 _rng;
    private long _count;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private int _size;
    private int _maxSize;
    private int[] _capacities = [];
    private (double[] Values, long[] CumulativeWeights)? _sorted;

    /// <summary>Creates an empty sketch.</summary>
    /// <param name="k">Accuracy parameter k in [8, 65535]; default 200 (≈ 1.7% rank error at 99%).</param>
    /// <param name="seed">Seed of the compaction coin (same stream and seed ⇒ same sketch).</param>
    public QuantileSketch(int k = 200, ulong seed = 1)
    {
        if (k < 8 || k > 65535) throw new ArgumentException($"'k' is {k}; it must lie in [8, 65535].", nameof(k));
        K = k;
        _rng = new Xoshiro256(seed);
        Grow();
    }

    /// <summary>Accuracy parameter k.</summary>
    public int K { get; }

    /// <summary>Items summarised.</summary>
    public long Count => _count;

    /// <summary>Items retained (memory footprint in doubles).</summary>
    public int RetainedItems => _size;

    /// <summary>Exact minimum; throws when empty.</summary>
    public double Min => _count > 0 ? _min : throw new InvalidOperationException("The sketch is empty.");

    /// <summary>Exact maximum; throws when empty.</summary>
    public double Max => _count > 0 ? _max : throw new InvalidOperationException("The sketch is empty.");

    /// <summary>The stated normalized rank error bound (99% per query) for accuracy parameter k: 2.7/k^0.95.</summary>
    public static double RankErrorBound(int k) => 2.7 / Math.Pow(k, 0.95);

    /// <summary>Adds one value.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is NaN or infinite.</exception>
    public void Add(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"'x' is {x}; values must be finite.", nameof(x));
        _levels[0].Add(x);
        _size++;
        _count++;
        if (x < _min) _min = x;
        if (x > _max) _max = x;
        _sorted = null;
        if (_size >= _maxSize) Compress();
    }

    /// <summary>Adds every value of <paramref name="values"/>.</summary>
    public void AddRange(ReadOnlySpan<double> values)
    {
        foreach (var v in values) Add(v);
    }

    /// <summary>Merges <paramref name="other"/> (same k) into this sketch; <paramref name="other"/> is unchanged.</summary>
    /// <exception cref="ArgumentException">The accuracy parameters differ.</exception>
    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.K != K) throw new ArgumentException($"Cannot merge a sketch with k = {other.K} into one with k = {K}.", nameof(other));
        if (ReferenceEquals(other, this)) throw new ArgumentException("A sketch cannot be merged into itself.", nameof(other));
        while (_levels.Count < other._levels.Count) Grow();
        for (var h = 0; h < other._levels.Count; h++) _levels[h].AddRange(other._levels[h]);
        _count += other._count;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
        _size = _levels.Sum(l => l.Count);
        _sorted = null;
        while (_size >= _maxSize) Compress();
    }

    /// <summary>
    /// Approximate q-quantile: the smallest retained value whose cumulative weight reaches q·n (q = 0 gives the exact minimum, q = 1 the exact maximum).
    /// </summary>
    /// <exception cref="ArgumentException">q outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The sketch is empty.</exception>
    public double Quantile(double q)
    {
        Guard.Probability(q, nameof(q));
        if (_count == 0) throw new InvalidOperationException("The sketch is empty: no quantile.");
        if (q == 0) return _min;
        if (q == 1) return _max;
        var (values, cumulative) = Sorted();
        var target = q * _count;
        var lo = 0;
        var hi = values.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (cumulative[mid] >= target) hi = mid; else lo = mid + 1;
        }

        return values[lo];
    }

    /// <summary>Approximate normalized rank of <paramref name="x"/>: the fraction of items ≤ x.</summary>
    /// <exception cref="InvalidOperationException">The sketch is empty.</exception>
    public double Rank(double x)
    {
        if (double.IsNaN(x)) throw new ArgumentException("'x' is NaN.", nameof(x));
        if (_count == 0) throw new InvalidOperationException("The sketch is empty: no rank.");
        var (values, cumulative) = Sorted();
        var idx = Array.BinarySearch(values, x);
        if (idx >= 0)
        {
            while (idx + 1 < values.Length && values[idx + 1] == x) idx++;
        }
        else
        {
            idx = ~idx - 1;
        }

        return idx < 0 ? 0 : (double)cumulative[idx] / _count;
    }

    /// <summary>Captures the state, including the generator.</summary>
    public QuantileSketchState Snapshot() => new(K, _count, _min, _max, _rng.State, _levels.Select(l => l.ToArray()).ToArray());

    /// <summary>Rebuilds a sketch from a state captured by <see cref="Snapshot"/>.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (weights do not add up to the count, non-finite items).</exception>
    public static QuantileSketch Restore(QuantileSketchState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var sketch = new QuantileSketch(state.K);
        if (state.Levels.Length is 0 or > 64) throw new ArgumentException("The sketch state has no levels or too many.", nameof(state));
        long weight = 0;
        for (var h = 0; h < state.Levels.Length; h++)
        {
            if (state.Levels[h].Any(v => !double.IsFinite(v))) throw new ArgumentException($"The sketch state level {h} holds a non-finite value.", nameof(state));
            weight += state.Levels[h].LongLength << h;
        }

        if (weight != state.Count) throw new ArgumentException($"The sketch state's weights add up to {weight}, not {state.Count}.", nameof(state));
        while (sketch._levels.Count < state.Levels.Length) sketch.Grow();
        for (var h = 0; h < state.Levels.Length; h++) sketch._levels[h].AddRange(state.Levels[h]);
        sketch._rng = new Xoshiro256(state.GeneratorState);
        sketch._count = state.Count;
        sketch._min = state.Min;
        sketch._max = state.Max;
        sketch._size = sketch._levels.Sum(l => l.Count);
        return sketch;
    }

    private int Capacity(int level) => _capacities[level];

    private void Grow()
    {
        _levels.Add(new List<double>());
        _capacities = new int[_levels.Count];
        _maxSize = 0;
        for (var h = 0; h < _levels.Count; h++)
        {
            var depth = _levels.Count - h - 1;
            _capacities[h] = Math.Max(2, (int)Math.Ceiling(K * Math.Pow(CapacityDecay, depth)));
            _maxSize += _capacities[h];
        }
    }

    private void Compress()
    {
        for (var h = 0; h < _levels.Count; h++)
        {
            if (_levels[h].Count < Capacity(h)) continue;
            if (h + 1 == _levels.Count) Grow();
            var level = _levels[h];
            level.Sort();
            // With an odd count the largest item stays behind; pairs are halved with a random offset.
            var pairs = level.Count / 2;
            var offset = _rng.NextBool() ? 1 : 0;
            var up = _levels[h + 1];
            for (var i = 0; i < pairs; i++) up.Add(level[2 * i + offset]);
            var leftover = level.Count % 2 == 1 ? level[^1] : double.NaN;
            level.Clear();
            if (!double.IsNaN(leftover)) level.Add(leftover);
            _size -= pairs; // 2·pairs items left level h, pairs arrived at h + 1
            _sorted = null;
            return;
        }
    }

    private (double[] Values, long[] CumulativeWeights) Sorted()
    {
        if (_sorted is { } cached) return cached;
        var values = new double[_size];
        var weights = new long[_size];
        var i = 0;
        for (var h = 0; h < _levels.Count; h++)
        {
            foreach (var v in _levels[h])
            {
                values[i] = v;
                weights[i] = 1L << h;
                i++;
            }
        }

        Array.Sort(values, weights);
        for (var j = 1; j < weights.Length; j++) weights[j] += weights[j - 1];
        _sorted = (values, weights);
        return _sorted.Value;
    }
}
