namespace Monitoring.Statistics;

/// <summary>Input checks specific to the performance kernels.</summary>
internal static class PerfGuard
{
    public static void SameLength<T>(ReadOnlySpan<double> scores, ReadOnlySpan<T> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"'scores' has {scores.Length} values but 'labels' has {labels.Length}; they must pair up.", "labels");
        }
    }

    public static void Probabilities(ReadOnlySpan<double> p, string name)
    {
        Guard.Finite(p, name);
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] < 0 || p[i] > 1)
            {
                throw new ArgumentException($"'{name}'[{i}] is {p[i]}; a probability must lie in [0, 1].", name);
            }
        }
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentException($"'{name}' is {value}; it must be a positive finite number.", name);
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new ArgumentException($"'{name}' is {value}; it must be a non-negative finite number.", name);
        }
    }
}
