namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Pinned values of the calibrated thresholds (this implementation, 1e-6). Their statistical claim — the mean false alarms a
/// year stay within the allowance — is checked by the seeded simulations in <see cref="CalibratedThresholdTests"/>
/// (<c>Category=Simulation</c>); these pins make every grid constant, weight and bisection step of the integration visible
/// to a fast test, and the closed-form limits tie them to the classic thresholds.
/// </summary>
public class CalibratedThresholdPinTests
{
    [Theory]
    [InlineData(0.5, 500L, 50_000.0, 1e-4, 20.081043243408203)]
    [InlineData(0.25, 2000L, 1e5, 0.01, 28.290462493896484)]
    [InlineData(1.0, 30L, 1000.0, 0.05, 5.545806884765625)]
    public void GivenAFiniteReference_WhenTheNormalScoreThresholdIsCalibrated_ThenItIsThePinnedValue(double k, long n, double r, double allowed, double expected) =>
        Assert.Equal(expected, CalibratedThreshold.NormalScoreCusum(k, n, r, allowed), 1e-6);

    [Theory]
    [InlineData(1000.0, 5000.0, 5000.0, 0.05, 8.135032653808594)]
    [InlineData(400.5, 2000.0, 2000.0, 0.1, 6.659412384033203)]
    [InlineData(1e6, 5e6, 1e4, 1e-3, 12.458992004394531)]
    public void GivenAnEstimatedProportion_WhenTheBernoulliThresholdIsCalibrated_ThenItIsThePinnedValue(double x, double n, double r, double allowed, double expected)
    {
        var chart = BernoulliCusum.Design(0.2, 0.3, 1e6);
        Assert.Equal(expected, CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, x, n, r, allowed), 1e-6);
    }

    [Fact]
    public void GivenAnAlmostExactReference_WhenTheBernoulliThresholdIsCalibrated_ThenItIsWaldsThresholdForTheTarget()
    {
        var chart = BernoulliCusum.Design(0.2, 0.3, 1e6);
        // r / a = 1e7 observations between false alarms; the bisection stops within 1e-4.
        Assert.Equal(BernoulliCusum.ThresholdFor(0.2, 0.3, 1e7), CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, 1e6, 5e6, 1e4, 1e-3), 2e-3);
    }

    [Fact]
    public void GivenTheRootEquation_ThenTheRootHasTheSignOppositeToTheDriftAndSolvesIt()
    {
        var chart = BernoulliCusum.Design(0.2, 0.3, 1e6);
        // At p = p₁ the drift is positive and θ = −1; below p₀ the drift is more negative and θ > 1.
        Assert.Equal(-1, CalibratedThreshold.Root(0.3, chart.Hit, chart.Miss, 0.3 * chart.Hit + 0.7 * chart.Miss), 1e-9);
        var theta = CalibratedThreshold.Root(0.1, chart.Hit, chart.Miss, 0.1 * chart.Hit + 0.9 * chart.Miss);
        Assert.Equal(3.723812020488639, theta, 1e-9);
        Assert.Equal(1, 0.1 * Math.Exp(theta * chart.Hit) + 0.9 * Math.Exp(theta * chart.Miss), 1e-12);
        Assert.Equal(0, CalibratedThreshold.Root(0.2, chart.Hit, chart.Miss, 5e-16));
    }

    [Fact]
    public void GivenDegenerateWalks_WhenTheRunLengthIsApproximated_ThenTheDiffusionLimitOrTheFloorApplies()
    {
        Assert.Equal(50, CalibratedThreshold.BernoulliRunLength(5, 1e-7, -0.1, 0.5), 12);     // θh below 1e-6: h²/σ²
        Assert.Equal(50, CalibratedThreshold.BernoulliRunLength(5, 0.8, 1e-16, 0.5), 12);     // no drift: h²/σ²
        Assert.Equal(1, CalibratedThreshold.BernoulliRunLength(0.1, 0.8, -0.3, 0.5));         // at least one observation
        Assert.Equal(1, CalibratedThreshold.BernoulliRunLength(0.1, 1e-6, -0.3, 1e10));
        Assert.Equal((Math.Exp(700) - 701) / (0.8 * 0.3), CalibratedThreshold.BernoulliRunLength(1000, 0.8, -0.3, 0.5), 1e290);
        Assert.Equal((Math.Exp(4) - 5) / (0.8 * 0.3), CalibratedThreshold.BernoulliRunLength(5, 0.8, -0.3, 0.5), 1e-9);
    }
}
