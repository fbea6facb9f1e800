using MathNet.Numerics.Distributions;

namespace Monitoring.Statistics;

/// <summary>Confidence intervals for a binomial proportion.</summary>
public static class Proportions
{
    /// <summary>
    /// Wilson score interval for a binomial proportion p̂ = x/n:
    /// centre (p̂ + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·√(p̂(1−p̂)/n + z²/4n²), with z = Φ⁻¹(1 − (1−level)/2).
    /// The ends are clamped to [0, 1]. Matches <c>scipy.stats.binomtest(x, n).proportion_ci(level, method="wilson")</c>
    /// and statsmodels <c>proportion_confint(method="wilson")</c>.
    /// Reference: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209–212.
    /// </summary>
    /// <param name="successes">Number of successes x, 0 ≤ x ≤ n.</param>
    /// <param name="n">Number of trials; must be positive (a proportion of nothing is undefined).</param>
    /// <param name="level">Confidence level in (0, 1).</param>
    /// <exception cref="ArgumentException">n ≤ 0, x outside [0, n], or level outside (0, 1).</exception>
    public static Estimate Wilson(long successes, long n, double level = 0.95)
    {
        if (n <= 0)
        {
            throw new ArgumentException($"'n' is {n}; a proportion needs at least one trial.", nameof(n));
        }

        if (successes < 0 || successes > n)
        {
            throw new ArgumentException($"'successes' is {successes}; it must lie in [0, {n}].", nameof(successes));
        }

        var z = ZForLevel(level);
        var p = (double)successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2.0 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        var lower = successes == 0 ? 0 : Math.Max(0, centre - half);
        var upper = successes == n ? 1 : Math.Min(1, centre + half);
        return new Estimate(p, lower, upper, level);
    }

    /// <summary>
    /// Newcombe's hybrid score interval (method 10) for the difference of two independent proportions p₁ − p₂,
    /// built from the two Wilson intervals [l₁,u₁], [l₂,u₂]:
    /// L = d − √((p₁−l₁)² + (u₂−p₂)²), U = d + √((u₁−p₁)² + (p₂−l₂)²).
    /// Reference: R. G. Newcombe (1998), "Interval estimation for the difference between independent proportions:
    /// comparison of eleven methods", Statistics in Medicine 17:873–890.
    /// </summary>
    /// <param name="x1">Successes in the first sample.</param>
    /// <param name="n1">Size of the first sample (positive).</param>
    /// <param name="x2">Successes in the second sample.</param>
    /// <param name="n2">Size of the second sample (positive).</param>
    /// <param name="level">Confidence level in (0, 1).</param>
    public static Estimate NewcombeDifference(long x1, long n1, long x2, long n2, double level = 0.95)
    {
        var a = Wilson(x1, n1, level);
        var b = Wilson(x2, n2, level);
        var d = a.Value - b.Value;
        var lower = d - Math.Sqrt(Square(a.Value - a.Lower) + Square(b.Upper - b.Value));
        var upper = d + Math.Sqrt(Square(a.Upper - a.Value) + Square(b.Value - b.Lower));
        return new Estimate(d, Math.Max(-1, lower), Math.Min(1, upper), level);
    }

    /// <summary>Two-sided standard-normal quantile z = Φ⁻¹(1 − (1 − level)/2) for a confidence level in (0, 1).</summary>
    internal static double ZForLevel(double level)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentException($"'level' is {level}; it must lie strictly between 0 and 1.", nameof(level));
        }

        return Normal.InvCDF(0, 1, 1 - (1 - level) / 2);
    }

    private static double Square(double x) => x * x;
}
