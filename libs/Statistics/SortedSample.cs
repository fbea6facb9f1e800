namespace Monitoring.Statistics;

/// <summary>
/// A sample validated (non-empty, finite) and sorted ascending once, so that it can be compared with many other samples
/// without sorting it again, e.g. a frozen reference profile tested against every new window
/// (<see cref="KolmogorovSmirnov.TwoSample(SortedSample, ReadOnlySpan{double}, KsMethod)"/>). Immutable.
/// </summary>
public sealed class SortedSample
{
    private SortedSample(double[] values) => Values = values;

    /// <summary>Number of values.</summary>
    public int Count => Values.Length;

    /// <summary>The values in ascending order (the same array the kernels would have built from the original sample).</summary>
    internal double[] Values { get; }

    /// <summary>Validates <paramref name="values"/> and keeps a sorted copy (radix sort for large samples, as every kernel does).</summary>
    /// <param name="values">The sample (finite values, at least one), in any order.</param>
    /// <returns>The sorted sample.</returns>
    /// <exception cref="ArgumentException">Empty input or a NaN/±∞ value.</exception>
    public static SortedSample Of(ReadOnlySpan<double> values) => new(DistributionSort.SortedCopy(values, nameof(values)));
}
