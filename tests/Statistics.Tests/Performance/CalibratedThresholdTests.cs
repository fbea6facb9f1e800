using Xunit.Abstractions;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// The expected-false-alarm thresholds (<see cref="CalibratedThreshold"/>): with an exact reference they are the classic ones,
/// they rise as the reference shrinks, and — by seeded simulation over many references drawn from the same law — the mean
/// number of false alarms a year stays within the allowance where the quantile guarantee (0.9) does not.
/// </summary>
public class CalibratedThresholdTests(ITestOutputHelper output)
{
    [Fact]
    public void GivenAnAlmostExactReference_WhenBernoulliThresholdIsCalibrated_ThenItIsTheClassicThreshold()
    {
        const double p0 = 0.1, r = 10_000, allowed = 0.01;
        var chart = BernoulliCusum.Design(p0, BernoulliCusum.ShiftOdds(p0, Math.Log(2)), r / allowed);
        var calibrated = CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, p0 * 1e9, 1e9, r, allowed);
        Assert.InRange(calibrated, 0.97 * chart.Threshold, 1.03 * chart.Threshold);
    }

    [Fact]
    public void GivenAnAlmostExactReference_WhenNormalScoreThresholdIsCalibrated_ThenItIsTheClassicThreshold()
    {
        const double k = 0.5, r = 100_000, allowed = 0.001;
        var classic = SequentialBudget.GuaranteedCusumThreshold(r / allowed, k, int.MaxValue, guarantee: 0.5);
        var calibrated = CalibratedThreshold.NormalScoreCusum(k, 1_000_000_000, r, allowed);
        Assert.InRange(calibrated, 0.97 * classic, 1.03 * classic);
    }

    [Fact]
    public void GivenSmallerReferences_WhenCalibrated_ThenThresholdsRiseAndTinyReferencesSwitchTheMonitorOff()
    {
        const double k = 0.5, r = 50_000, allowed = 1e-4;
        var sizes = new long[] { 100_000, 10_000, 2_000, 500 };
        var numeric = sizes.Select(n => CalibratedThreshold.NormalScoreCusum(k, n, r, allowed)).ToArray();
        for (var i = 1; i < numeric.Length; i++) Assert.True(numeric[i] > numeric[i - 1], string.Join(", ", numeric));
        Assert.True(double.IsPositiveInfinity(CalibratedThreshold.NormalScoreCusum(k, 20, r, allowed)));

        var chart = BernoulliCusum.Design(0.2, 0.3, r / allowed);
        var bernoulli = sizes.Select(n => CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, 0.2 * n, n, r, allowed)).ToArray();
        for (var i = 1; i < bernoulli.Length; i++) Assert.True(bernoulli[i] > bernoulli[i - 1], string.Join(", ", bernoulli));
        Assert.True(double.IsPositiveInfinity(CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, 6, 30, r, allowed)));
    }

    [Fact]
    public void GivenTheDesignedProbability_WhenTheRootIsSolved_ThenItIsOneAndTheRunLengthIsWalds()
    {
        var chart = BernoulliCusum.Design(0.1, 0.2, 1000);
        var drift = 0.1 * chart.Hit + 0.9 * chart.Miss;
        Assert.Equal(1, CalibratedThreshold.Root(0.1, chart.Hit, chart.Miss, drift), 1e-9);
        var kl = -drift;
        var h = chart.Threshold;
        Assert.Equal((Math.Exp(h) - h - 1) / kl, CalibratedThreshold.BernoulliRunLength(h, 1, drift, 1), 1e-6 * 1000);
    }

    [Trait("Category", "Simulation")]
    [Theory]
    [InlineData(0.1, 300, 0.02, 4000)]
    [InlineData(0.05, 60, 0.005, 8000)]
    [InlineData(0.2, 100, 0.005, 8000)]
    public void GivenManyReferencesOfOneLaw_WhenEachDesignsItsChart_ThenTheMeanFalseAlarmsAYearStayWithinTheAllowance(double p, int n, double allowed, int deployments)
    {
        // Deployments of one monitor: each estimates p from its own n reference cases, designs an up-chart for odds × 2, and
        // runs a year of 3,000 in-control observations; an alarm counts once a year (a finding stays open).
        const double r = 3000;
        var rng = new Xoshiro256(2026);
        int calibratedAlarms = 0, guaranteedAlarms = 0;
        for (var d = 0; d < deployments; d++)
        {
            var x = 0;
            for (var i = 0; i < n; i++) if (rng.NextDouble() < p) x++;
            var pHat = Math.Clamp((double)x / n, 0.005, 0.9);
            var p1 = BernoulliCusum.ShiftOdds(pHat, Math.Log(2));
            var calibrated = BernoulliCusum.Design(pHat, p1, r / allowed);
            var h = CalibratedThreshold.Bernoulli(calibrated.Hit, calibrated.Miss, x, n, r, allowed);
            // The quantile guarantee at 0.9: design from p̂ + z₀.₉·SE with the classic threshold.
            var up = Math.Min(0.9, pHat + 1.2816 * Math.Sqrt(pHat * (1 - pHat) / n));
            var guaranteed = BernoulliCusum.Design(up, BernoulliCusum.ShiftOdds(up, Math.Log(2)), r / allowed);
            double s1 = 0, s2 = 0;
            bool a1 = false, a2 = false;
            for (var t = 0; t < r; t++)
            {
                var hit = rng.NextDouble() < p;
                s1 = Math.Max(0, s1 + (hit ? calibrated.Hit : calibrated.Miss));
                s2 = Math.Max(0, s2 + (hit ? guaranteed.Hit : guaranteed.Miss));
                a1 |= s1 >= h;
                a2 |= s2 >= guaranteed.Threshold;
            }

            if (a1) calibratedAlarms++;
            if (a2) guaranteedAlarms++;
        }

        var calibratedRate = (double)calibratedAlarms / deployments;
        var guaranteedRate = (double)guaranteedAlarms / deployments;
        output.WriteLine($"p {p}, n {n}: calibrated {calibratedRate}, quantile guarantee {guaranteedRate} alarms a year; allowed {allowed}");
        Assert.True(calibratedRate <= 1.3 * allowed, $"calibrated {calibratedRate} a year, allowed {allowed}");
        // Why the quantile guarantee was replaced: with small references its low estimates alarm several times the allowance
        // (measured 4.5× at n = 100 and 18× at n = 60).
        if (n <= 100) Assert.True(guaranteedRate > 2 * allowed, $"guaranteed {guaranteedRate} a year, allowed {allowed}");
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void GivenManySmallNormalReferences_WhenEachDesignsItsChart_ThenTheMeanFalseAlarmsAYearStayWithinTheAllowance()
    {
        const double k = 0.5, r = 2000, allowed = 0.02;
        const int n = 200, deployments = 1500;
        var h = CalibratedThreshold.NormalScoreCusum(k, n, r, allowed);
        var rng = new Xoshiro256(61);
        var alarms = 0;
        for (var d = 0; d < deployments; d++)
        {
            var reference = SortedSample.Of(Enumerable.Range(0, n).Select(_ => Normal(rng)).ToArray());
            double s = 0;
            var alarmed = false;
            for (var t = 0; t < r && !alarmed; t++)
            {
                s = Math.Max(0, s + SequentialBudget.NormalScore(reference, Normal(rng)) - k);
                alarmed = s >= h;
            }

            if (alarmed) alarms++;
        }

        // ~30 expected at the allowance; the normal-score model of the reference error is approximate: 1.5× margin.
        Assert.True((double)alarms / deployments <= 1.5 * allowed, $"{alarms} alarms in {deployments} deployment-years, allowed {allowed} each");
    }

    private static double Normal(Xoshiro256 rng) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, rng.NextOpenDouble());
}
