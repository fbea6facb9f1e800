using System.Collections;

namespace Monitoring.Statistics;

/// <summary>
/// Fixed-capacity sliding window (ring buffer) over the most recent items: adding to a full window evicts the oldest.
/// Memory is exactly <c>capacity</c> slots whatever the length of the stream. Index 0 is the oldest item.
/// </summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class SlidingWindow<T> : IReadOnlyList<T>
{
    private readonly T[] _items;
    private int _start;
    private int _count;

    /// <summary>Creates an empty window.</summary>
    /// <param name="capacity">Maximum number of items kept (≥ 1).</param>
    public SlidingWindow(int capacity)
    {
        if (capacity < 1) throw new ArgumentException($"'capacity' is {capacity}; it must be at least 1.", nameof(capacity));
        _items = new T[capacity];
    }

    /// <summary>Creates a window holding the last <paramref name="capacity"/> of <paramref name="items"/> (oldest first), e.g. to restore a snapshot.</summary>
    public SlidingWindow(int capacity, IEnumerable<T> items)
        : this(capacity)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items) Add(item);
    }

    /// <summary>Maximum number of items.</summary>
    public int Capacity => _items.Length;

    /// <summary>Number of items held.</summary>
    public int Count => _count;

    /// <summary>True when <see cref="Count"/> equals <see cref="Capacity"/>.</summary>
    public bool IsFull => _count == _items.Length;

    /// <summary>The item at <paramref name="index"/>, 0 being the oldest.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Index outside [0, Count).</exception>
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The window holds {_count} item(s).");
            return _items[(_start + index) % _items.Length];
        }
    }

    /// <summary>Adds an item; returns true and the evicted oldest item when the window was full.</summary>
    public bool Add(T item, out T? evicted)
    {
        if (_count < _items.Length)
        {
            _items[(_start + _count) % _items.Length] = item;
            _count++;
            evicted = default;
            return false;
        }

        evicted = _items[_start];
        _items[_start] = item;
        _start = (_start + 1) % _items.Length;
        return true;
    }

    /// <summary>Adds an item, evicting the oldest when full.</summary>
    public void Add(T item) => Add(item, out _);

    /// <summary>Removes every item.</summary>
    public void Clear()
    {
        Array.Clear(_items);
        _start = 0;
        _count = 0;
    }

    /// <summary>Copies the items, oldest first, into <paramref name="destination"/> (length ≥ Count).</summary>
    public void CopyTo(Span<T> destination)
    {
        if (destination.Length < _count) throw new ArgumentException($"'destination' has {destination.Length} slots; {_count} needed.", nameof(destination));
        var first = Math.Min(_count, _items.Length - _start);
        _items.AsSpan(_start, first).CopyTo(destination);
        _items.AsSpan(0, _count - first).CopyTo(destination[first..]);
    }

    /// <summary>The items, oldest first (also the snapshot to persist).</summary>
    public T[] ToArray()
    {
        var result = new T[_count];
        CopyTo(result);
        return result;
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < _count; i++) yield return _items[(_start + i) % _items.Length];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
