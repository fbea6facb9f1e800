namespace Monitoring.Statistics;

/// <summary>Input checks shared by every statistic: a clear <see cref="ArgumentException"/>, never a silent NaN.</summary>
internal static class Guard
{
    /// <summary>Throws when <paramref name="values"/> is empty or holds NaN or ±∞.</summary>
    public static void Finite(ReadOnlySpan<double> values, string name, int minLength = 1)
    {
        if (values.Length < minLength)
        {
            throw new ArgumentException($"'{name}' needs at least {minLength} value(s); got {values.Length}.", name);
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"'{name}'[{i}] is {values[i]}; every value must be finite.", name);
            }
        }
    }

    /// <summary>Throws when <paramref name="p"/> is not a probability in [0, 1].</summary>
    public static void Probability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentException($"'{name}' is {p}; it must lie in [0, 1].", name);
        }
    }

    /// <summary>
    /// Throws when <paramref name="counts"/> is empty, holds a negative count, or sums to zero; returns the total
    /// (overflow-checked). <paramref name="unit"/> names the cells in the message ("categories", "bins").
    /// </summary>
    public static long Counts(ReadOnlySpan<long> counts, string name, string unit)
    {
        if (counts.IsEmpty)
        {
            throw new ArgumentException($"'{name}' has no {unit}.", name);
        }

        long sum = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 0)
            {
                throw new ArgumentException($"'{name}'[{i}] is {counts[i]}; counts must be non-negative.", name);
            }

            sum = checked(sum + counts[i]);
        }

        if (sum == 0)
        {
            throw new ArgumentException($"'{name}' has a total count of zero.", name);
        }

        return sum;
    }
}
