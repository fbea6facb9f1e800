namespace Monitoring.Statistics;

/// <summary>A point estimate with a two-sided confidence interval.</summary>
/// <param name="Value">The point estimate.</param>
/// <param name="Lower">Lower end of the interval.</param>
/// <param name="Upper">Upper end of the interval.</param>
/// <param name="Level">Confidence level of the interval, e.g. 0.95.</param>
public sealed record Estimate(double Value, double Lower, double Upper, double Level)
{
    /// <summary>Whether <paramref name="x"/> lies inside the closed interval [<see cref="Lower"/>, <see cref="Upper"/>].</summary>
    public bool Contains(double x) => x >= Lower && x <= Upper;
}
