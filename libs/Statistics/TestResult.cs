namespace Monitoring.Statistics;

/// <summary>Result of a hypothesis test: the statistic and its p-value, with the degrees of freedom and sample sizes where the test has them.</summary>
/// <param name="Statistic">The test statistic.</param>
/// <param name="PValue">The p-value in [0, 1].</param>
/// <param name="Method">Short description of how the p-value was obtained (e.g. <c>exact</c>, <c>asymptotic</c>, <c>permutation</c>).</param>
public sealed record TestResult(double Statistic, double PValue, string Method = "")
{
    /// <summary>
    /// Degrees of freedom of the reference distribution, where it has them (χ² and G tests of homogeneity: non-empty categories − 1,
    /// as <c>scipy.stats.chi2_contingency(...).dof</c>); null otherwise.
    /// </summary>
    public double? DegreesOfFreedom { get; init; }

    /// <summary>Size of the first sample (the reference) for two-sample tests (KS, Cramér–von Mises, Mann–Whitney, χ²/G homogeneity); null otherwise.</summary>
    public long? FirstSampleSize { get; init; }

    /// <summary>Size of the second sample (the current window) for two-sample tests; null otherwise.</summary>
    public long? SecondSampleSize { get; init; }
}
