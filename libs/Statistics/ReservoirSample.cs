namespace Monitoring.Statistics;

/// <summary>Serializable state of a <see cref="ReservoirSample{T}"/>.</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Capacity">Reservoir size k.</param>
/// <param name="Seen">Items offered so far.</param>
/// <param name="W">Algorithm L's running W.</param>
/// <param name="NextIndex">1-based index of the next item to enter the reservoir.</param>
/// <param name="GeneratorState">State of the random generator.</param>
/// <param name="Items">Items held (slot order).</param>
public sealed record ReservoirState<T>(int Capacity, long Seen, double W, long NextIndex, ulong[] GeneratorState, T[] Items);

/// <summary>
/// Uniform random sample of fixed size k from a stream of unknown length, by Li's Algorithm L: after the first k items, the number
/// of items to skip before the next replacement is ⌊ln U / ln(1 − W)⌋ with W ← W·U^(1/k), so the work is O(k(1 + ln(N/k))) random
/// draws rather than one per item. Every item seen has probability k/N of being in the sample. Memory is k slots.
/// Deterministic for a given seed; <see cref="Snapshot"/>/<see cref="Restore"/> include the generator so replay continues identically.
/// References: K.-H. Li (1994), "Reservoir-sampling algorithms of time complexity O(n(1 + log(N/n)))", ACM TOMS 20(4):481–493;
/// J. S. Vitter (1985), "Random sampling with a reservoir", ACM TOMS 11(1):37–57 (Algorithm R).
/// </summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class ReservoirSample<T>
{
    private readonly T[] _items;
    private Xoshiro256 _rng;
    private long _seen;
    private double _w;
    private long _next;

    /// <summary>Creates an empty reservoir.</summary>
    /// <param name="capacity">Sample size k ≥ 1.</param>
    /// <param name="seed">Seed of the generator.</param>
    public ReservoirSample(int capacity, ulong seed)
    {
        if (capacity < 1) throw new ArgumentException($"'capacity' is {capacity}; it must be at least 1.", nameof(capacity));
        _items = new T[capacity];
        _rng = new Xoshiro256(seed);
        _w = Math.Exp(Math.Log(_rng.NextOpenDouble()) / capacity);
        _next = capacity + Skip() + 1;
    }

    /// <summary>Reservoir size k.</summary>
    public int Capacity => _items.Length;

    /// <summary>Items offered so far.</summary>
    public long Seen => _seen;

    /// <summary>Items held: min(k, Seen).</summary>
    public int Count => (int)Math.Min(_seen, _items.Length);

    /// <summary>The sample (a copy, in slot order).</summary>
    public T[] ToArray() => _items.AsSpan(0, Count).ToArray();

    /// <summary>Offers one item; returns true when it entered the sample.</summary>
    public bool Add(T item)
    {
        _seen++;
        if (_seen <= _items.Length)
        {
            _items[_seen - 1] = item;
            return true;
        }

        if (_seen < _next) return false;
        _items[_rng.NextInt64(_items.Length)] = item;
        _w *= Math.Exp(Math.Log(_rng.NextOpenDouble()) / _items.Length);
        _next += Skip() + 1;
        return true;
    }

    /// <summary>Captures the state, including the generator.</summary>
    public ReservoirState<T> Snapshot() => new(_items.Length, _seen, _w, _next, _rng.State, ToArray());

    /// <summary>Restores a state captured by <see cref="Snapshot"/> on a reservoir of the same capacity.</summary>
    /// <exception cref="ArgumentException">Capacity differs or the state is inconsistent.</exception>
    public void Restore(ReservoirState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Capacity != _items.Length || state.Seen < 0 || state.Items.Length != Math.Min(state.Seen, state.Capacity) || !(state.W > 0 && state.W <= 1) || state.NextIndex <= Math.Min(state.Seen, state.Capacity))
        {
            throw new ArgumentException("The reservoir state is inconsistent with this reservoir.", nameof(state));
        }

        _rng = new Xoshiro256(state.GeneratorState);
        _seen = state.Seen;
        _w = state.W;
        _next = state.NextIndex;
        Array.Clear(_items);
        state.Items.CopyTo(_items, 0);
    }

    private long Skip()
    {
        // ln(1 − W) = −W to 3e-17 relative once 1 − W rounds to 1 (W ≤ 2⁻⁵⁴): Math.Log would give 0 and a skip of −∞.
        var logKeep = Math.Log(1 - _w);
        if (logKeep == 0) logKeep = -_w;
        var s = Math.Floor(Math.Log(_rng.NextOpenDouble()) / logKeep);
        return s >= long.MaxValue / 4 ? long.MaxValue / 4 : (long)s;
    }
}
