using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Tests;

/// <summary>The normal functions behind score calibration, against scipy 1.10.1 (Debian python3-scipy): norm.cdf, norm.ppf.</summary>
public class NormalTests
{
    public static TheoryData<double, double> CdfReference => new()
    {
        { -6, 9.8658764503769458e-10 }, { -3.5, 0.00023262907903552502 }, { -1.96, 0.024997895148220435 },
        { -1, 0.15865525393145707 }, { -0.3, 0.38208857781104738 }, { 0, 0.5 }, { 0.5, 0.69146246127401312 },
        { 1.2815515655446004, 0.89999999999999991 }, { 2.5, 0.99379033467422384 }, { 4, 0.99996832875816688 },
        { 7.5, 0.99999999999996814 },
    };

    public static TheoryData<double, double> QuantileReference => new()
    {
        { 1e-06, -4.7534243088228987 }, { 0.001, -3.0902323061678132 }, { 0.02, -2.053748910631823 },
        { 0.025, -1.9599639845400545 }, { 0.1, -1.2815515655446004 }, { 0.5, 0 }, { 0.85, 1.0364333894937898 },
        { 0.93, 1.4757910281791711 }, { 0.975, 1.959963984540054 }, { 0.999, 3.0902323061678132 },
    };

    /// <summary>scipy: math.sqrt(2) * norm.ppf(auc).</summary>
    public static TheoryData<double, double> SeparationReference => new()
    {
        { 0.6, 0.35828690924258327 }, { 0.75, 0.95387255240893976 }, { 0.87, 1.5929576112234149 },
        { 0.9, 1.8123876048736465 }, { 0.93, 2.0870836872795184 }, { 0.99, 3.289952714266374 },
    };

    [Theory]
    [MemberData(nameof(CdfReference))]
    public void CdfMatchesScipyWithin1e14(double x, double expected) => Assert.Equal(expected, Normal.Cdf(x), 1e-14);

    [Theory]
    [MemberData(nameof(QuantileReference))]
    public void QuantileMatchesScipyWithin1e11(double p, double expected) => Assert.Equal(expected, Normal.Quantile(p), 1e-11);

    [Theory]
    [MemberData(nameof(SeparationReference))]
    public void BinormalSeparationMatchesScipyAndRoundTrips(double auc, double expected)
    {
        Assert.Equal(expected, Binormal.SeparationForAuroc(auc), 1e-12);
        Assert.Equal(auc, Binormal.AurocForSeparation(expected), 1e-12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(double.NaN)]
    public void GivenProbabilityOutsideOpenUnitInterval_WhenQuantile_ThenThrowsNamingP(double p) =>
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => Normal.Quantile(p)).ParamName);

    [Fact]
    public void GivenCalibratedMapping_WhenScoringLatentValues_ThenScoreIsThePosteriorProbability()
    {
        // At π₀ and d₀ the score must equal P(y=1|z) = π φ(z−d) / (π φ(z−d) + (1−π) φ(z)).
        var mapping = new ScoreMapping(0.1, 0.87, 0.08);
        var d = mapping.ReferenceSeparation;
        foreach (var z in new[] { -2.0, -0.5, 0, 0.7, 1.5, 3 })
        {
            double Phi(double x) => Math.Exp(-x * x / 2);
            var posterior = 0.1 * Phi(z - d) / (0.1 * Phi(z - d) + 0.9 * Phi(z));
            Assert.Equal(posterior, mapping.Score(z), 1e-12);
        }
    }

    [Fact]
    public void GivenSensitivityTarget_WhenSolvingSeparation_ThenSensitivityAtThresholdIsTheTarget()
    {
        var mapping = new ScoreMapping(0.12, 0.91, 0.08);
        Assert.Equal(0.7, mapping.Sensitivity(mapping.SeparationForSensitivity(0.7)), 1e-12);
    }
}
