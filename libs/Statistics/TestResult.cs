namespace Monitoring.Statistics;

/// <summary>Result of a hypothesis test: the statistic and its p-value.</summary>
/// <param name="Statistic">The test statistic.</param>
/// <param name="PValue">The p-value in [0, 1].</param>
/// <param name="Method">Short description of how the p-value was obtained (e.g. <c>exact</c>, <c>asymptotic</c>, <c>permutation</c>).</param>
public sealed record TestResult(double Statistic, double PValue, string Method = "");
