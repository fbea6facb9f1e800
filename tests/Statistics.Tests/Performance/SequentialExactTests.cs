using static Monitoring.Statistics.Tests.Refusal;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Exact, hand-computed traces and closed forms of the sequential detectors and their designs. The seeded simulations
/// (<c>Category=Simulation</c>) check the statistical claims; these pin each step, boundary and formula in milliseconds, so
/// the mutation run (which leaves the simulations out) still tells every operator and constant apart.
/// </summary>
public class SequentialExactTests
{
    [Fact]
    public void GivenAHandTrace_WhenCusumAdds_ThenEachStatisticAndAlarmSideIsExact()
    {
        var cusum = new Cusum(10, 2, 0.5, 2);
        Assert.False(cusum.Add(13));                    // z = 1.5: S⁺ = 1, S⁻ = max(0, −2) = 0
        Assert.Equal(1.0, cusum.UpperStatistic, 12);
        Assert.Equal(0.0, cusum.LowerStatistic);
        Assert.Equal(1, cusum.Count);
        Assert.True(cusum.Add(14));                     // z = 2: S⁺ = 2.5 > 2
        Assert.Equal(CusumSide.Upper, cusum.LastAlarmSide);
        Assert.Equal((0.0, 0.0, 0L, 1L), (cusum.UpperStatistic, cusum.LowerStatistic, cusum.Count, cusum.Alarms));
        Assert.False(cusum.Add(6));                     // z = −2: S⁻ = 1.5
        Assert.Equal(1.5, cusum.LowerStatistic, 12);
        Assert.Equal(0.0, cusum.UpperStatistic);
        Assert.True(cusum.Add(7));                      // z = −1.5: S⁻ = 2.5 > 2
        Assert.Equal(CusumSide.Lower, cusum.LastAlarmSide);
        Assert.Equal(2, cusum.Alarms);

        cusum.Reset();
        Assert.Equal((0.0, 0.0, 0L, 0L, (CusumSide?)null), (cusum.UpperStatistic, cusum.LowerStatistic, cusum.Count, cusum.Alarms, cusum.LastAlarmSide));
    }

    [Fact]
    public void GivenAStatisticEqualToTheThreshold_WhenCusumAdds_ThenItAlarmsOnlyAbove()
    {
        var up = new Cusum(0, 1, 0, 2);
        Assert.False(up.Add(2));
        Assert.True(up.Add(1e-9));
        var down = new Cusum(0, 1, 0, 2);
        Assert.False(down.Add(-2));
        Assert.True(down.Add(-1e-9));
        Assert.Equal(CusumSide.Lower, down.LastAlarmSide);
    }

    [Theory]
    [InlineData(5.0, 5.0, CusumSide.Upper)]
    [InlineData(5.0, 6.0, CusumSide.Lower)]
    [InlineData(6.0, 5.0, CusumSide.Upper)]
    [InlineData(5.0, 1.0, CusumSide.Upper)]
    [InlineData(1.0, 5.0, CusumSide.Lower)]
    public void GivenRestoredStatistics_WhenTheNextValueAlarms_ThenTheLargerSideIsNamedAndTheUpperWinsTies(double upper, double lower, CusumSide expected)
    {
        var cusum = new Cusum(0, 1, 0, 4);
        cusum.Restore(new CusumState(upper, lower, 3, 0));
        Assert.True(cusum.Add(0));
        Assert.Equal(expected, cusum.LastAlarmSide);
    }

    [Fact]
    public void GivenOneSidedCusums_ThenTheOtherStatisticStaysZero()
    {
        var upper = new Cusum(0, 1, 0.5, 100, CusumSide.Upper);
        var lower = new Cusum(0, 1, 0.5, 100, CusumSide.Lower);
        foreach (var x in new[] { -3.0, 3, -2, 4, -1 })
        {
            upper.Add(x);
            lower.Add(x);
        }

        Assert.Equal(0.0, upper.LowerStatistic);
        Assert.Equal(2.0, upper.UpperStatistic, 12);    // 0 → 2.5 → 0 → 3.5 → 2
        Assert.Equal(0.0, lower.UpperStatistic);
        Assert.Equal(0.5, lower.LowerStatistic, 12);    // 2.5 → 0 → 1.5 → 0 → 0.5
    }

    [Fact]
    public void GivenInvalidCusumConfigurationOrState_ThenEachIsRefusedByName()
    {
        Refused("mean", () => new Cusum(double.NaN, 1));
        Refused("mean", () => new Cusum(double.PositiveInfinity, 1));
        Refused("standardDeviation", () => new Cusum(0, 0));
        Refused("standardDeviation", () => new Cusum(0, double.PositiveInfinity));
        Refused("reference", () => new Cusum(0, 1, -0.1));
        Refused("reference", () => new Cusum(0, 1, double.PositiveInfinity));
        Refused("threshold", () => new Cusum(0, 1, 0.5, 0));
        Refused("side", () => new Cusum(0, 1, 0.5, 4, (CusumSide)7));
        Refused("x", () => new Cusum(0, 1).Add(double.NaN));
        var cusum = new Cusum(0, 1);
        Refused("state", () => cusum.Restore(new CusumState(-1, 0, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(0, -1, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(double.NaN, 0, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(0, double.NaN, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(double.PositiveInfinity, 0, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(0, double.PositiveInfinity, 0, 0)));
        Refused("state", () => cusum.Restore(new CusumState(0, 0, -1, 0)));
        Refused("state", () => cusum.Restore(new CusumState(0, 0, 0, -1)));
        Assert.Throws<ArgumentNullException>(() => cusum.Restore(null!));
        cusum.Restore(new CusumState(0, 0, 0, 0));      // the boundary itself is valid
        Assert.Equal(0, cusum.Count);
    }

    [Fact]
    public void GivenATargetRunLength_WhenCusumIsMadeForIt_ThenItCarriesTheDesignedThreshold()
    {
        var cusum = Cusum.ForAverageRunLength(10, 2, 500, 0.25, CusumSide.Upper);
        Assert.Equal((10.0, 2.0, 0.25, CusumSide.Upper), (cusum.Mean, cusum.StandardDeviation, cusum.Reference, cusum.Side));
        Assert.Equal(RunLength.CusumThreshold(500, 0.25, CusumSide.Upper), cusum.Threshold);
        Assert.Equal(500, RunLength.CusumAverageRunLength(cusum.Threshold, 0.25), 1e-6);
    }

    [Fact]
    public void GivenAHandTrace_WhenPageHinkleyAdds_ThenTheStatisticIsExact()
    {
        // δ = 0.5, λ = 1: x = 0 → mean 0, up-sum −0.5 (min −0.5), down-sum 0.5 (max 0.5): statistic max(0, 0) = 0.
        var ph = new PageHinkley(0.5, 1, PageHinkleyDirection.Both, minInstances: 1);
        Assert.False(ph.Add(0));
        Assert.Equal(0.0, ph.Statistic, 12);
        var s = ph.Snapshot();
        Assert.Equal(new PageHinkleyState(1, 0, -0.5, -0.5, 0.5, 0.5, 0), s);
        // x = 3 → mean 1.5, up-sum −0.5 + 1.0 = 0.5 (statistic 1.0 = λ: no alarm), down-sum 0.5 + 2 = 2.5.
        Assert.False(ph.Add(3));
        Assert.Equal(1.0, ph.Statistic, 12);
        Assert.Equal(new PageHinkleyState(2, 1.5, 0.5, -0.5, 2.5, 2.5, 0), ph.Snapshot());
        // x = 3 → mean 2, up-sum 0.5 + 0.5 = 1.0, statistic 1.5 > 1: alarm and restart.
        Assert.True(ph.Add(3));
        Assert.Equal((0L, 1L, 0.0), (ph.Count, ph.Alarms, ph.Statistic));
        Assert.Equal(new PageHinkleyState(0, 0, 0, 0, 0, 0, 1), ph.Snapshot());
        ph.Reset();
        Assert.Equal(0, ph.Alarms);
    }

    [Fact]
    public void GivenAFall_WhenPageHinkleyWatchesEachDirection_ThenOnlyDecreaseAndBothAlarm()
    {
        double[] stream = [0, 0, -3, -3, -3];
        foreach (var (direction, alarms) in new[] { (PageHinkleyDirection.Increase, false), (PageHinkleyDirection.Decrease, true), (PageHinkleyDirection.Both, true) })
        {
            var ph = new PageHinkley(0.1, 1, direction, minInstances: 1);
            Assert.Equal(alarms, stream.Any(ph.Add));
        }

        var rise = new PageHinkley(0.1, 1, PageHinkleyDirection.Decrease, minInstances: 1);
        Assert.DoesNotContain(new double[] { 0, 0, 3, 3, 3 }, rise.Add);
        Assert.Equal(0.0, rise.Statistic);
    }

    [Fact]
    public void GivenFewerObservationsThanTheMinimum_WhenPageHinkleyAdds_ThenItWaits()
    {
        var ph = new PageHinkley(0, 0.5, PageHinkleyDirection.Increase, minInstances: 3);
        Assert.False(ph.Add(0));
        Assert.False(ph.Add(10));                       // statistic 5 already, but only 2 observations
        Assert.True(ph.Statistic > 0.5);
        Assert.True(ph.Add(10));                        // the third may alarm
    }

    [Fact]
    public void GivenAFadingFactor_WhenPageHinkleyAdds_ThenTheSumsDecay()
    {
        var ph = new PageHinkley(0, 100, PageHinkleyDirection.Both, minInstances: 1, alpha: 0.5);
        ph.Add(0);
        ph.Add(2);                                      // mean 1: up-sum 0.5·0 + 1 = 1
        ph.Add(2);                                      // mean 4/3: up-sum 0.5·1 + 2/3
        Assert.Equal(0.5 + 2.0 / 3, ph.Snapshot().SumIncrease, 12);
        Assert.Equal(0.5, ph.Alpha);
    }

    [Fact]
    public void GivenInvalidPageHinkleyConfigurationOrState_ThenEachIsRefusedByName()
    {
        Refused("delta", () => new PageHinkley(-0.1));
        Refused("threshold", () => new PageHinkley(0.1, 0));
        Refused("direction", () => new PageHinkley(0.1, 1, (PageHinkleyDirection)9));
        Refused("minInstances", () => new PageHinkley(0.1, 1, minInstances: 0));
        Refused("alpha", () => new PageHinkley(alpha: 0));
        Refused("alpha", () => new PageHinkley(alpha: 1.0001));
        Refused("x", () => new PageHinkley().Add(double.PositiveInfinity));
        _ = new PageHinkley(0, 1, minInstances: 1, alpha: 1);   // the closed ends are valid
        var ph = new PageHinkley();
        Refused("state", () => ph.Restore(new PageHinkleyState(-1, 0, 0, 0, 0, 0, 0)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, 0, 0, 0, 0, 0, -1)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, double.NaN, 0, 0, 0, 0, 0)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, 0, double.NaN, 0, 0, 0, 0)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, 0, 0, double.NaN, 0, 0, 0)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, 0, 0, 0, double.NaN, 0, 0)));
        Refused("state", () => ph.Restore(new PageHinkleyState(0, 0, 0, 0, 0, double.NaN, 0)));
        Assert.Throws<ArgumentNullException>(() => ph.Restore(null!));
        var state = new PageHinkleyState(4, 1.5, 0.25, -0.5, 2, 2.5, 3);
        ph.Restore(state);
        Assert.Equal(state, ph.Snapshot());
    }

    [Fact]
    public void GivenATargetRunLength_WhenPageHinkleyIsMadeForIt_ThenItCarriesTheDesignedThreshold()
    {
        var ph = PageHinkley.ForAverageRunLength(300, 2, 0.5, PageHinkleyDirection.Increase, minInstances: 5);
        Assert.Equal(RunLength.PageHinkleyThreshold(300, 2, 0.5, PageHinkleyDirection.Increase), ph.Threshold);
        Assert.Equal((0.5, PageHinkleyDirection.Increase, 5), (ph.Delta, ph.Direction, ph.MinInstances));
    }

    [Fact]
    public void GivenSiegmundsFormula_WhenRunLengthsAreComputed_ThenTheyAreTheClosedForms()
    {
        const double h = 4, k = 0.5, b = h + 1.166;
        Assert.Equal((Math.Exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k), RunLength.CusumAverageRunLength(h, k), 1e-9);
        const double d = 1.5 - k;                       // shift 1.5
        Assert.Equal((Math.Exp(-2 * d * b) + 2 * d * b - 1) / (2 * d * d), RunLength.CusumAverageRunLength(h, k, 1.5), 1e-9);
        Assert.Equal(b * b, RunLength.CusumAverageRunLength(h, k, k), 1e-12);
        const double tiny = k + 5e-10 - k, x = 2 * tiny * b;   // the series, to its second term: b²(1 − x/3 + x²/12)
        Assert.Equal(b * b * (1 - x / 3 + x * x / 12), RunLength.CusumAverageRunLength(h, k, k + 5e-10), 1e-12);
        var up = RunLength.CusumAverageRunLength(h, k, 0.3);
        var down = RunLength.CusumAverageRunLength(h, k, -0.3);
        Assert.Equal(1 / (1 / up + 1 / down), RunLength.CusumTwoSidedAverageRunLength(h, k, 0.3), 1e-9);
        Refused("shift", () => RunLength.CusumAverageRunLength(h, k, double.NaN));
        Refused("threshold", () => RunLength.CusumAverageRunLength(0, k));
        Refused("reference", () => RunLength.CusumAverageRunLength(h, -1));
    }

    [Theory]
    [InlineData(370.0, 0.5, CusumSide.Upper, 370.0)]
    [InlineData(370.0, 0.5, CusumSide.Lower, 370.0)]
    [InlineData(200.0, 0.25, CusumSide.TwoSided, 400.0)]
    public void GivenATarget_WhenTheCusumThresholdIsSolved_ThenEachSideRunsForItsShare(double arl, double k, CusumSide side, double perSide)
    {
        var h = RunLength.CusumThreshold(arl, k, side);
        Assert.Equal(perSide, RunLength.CusumAverageRunLength(h, k), perSide * 1e-9);
    }

    [Fact]
    public void GivenUnreachableTargets_WhenTheCusumThresholdIsSolved_ThenTheyAreRefused()
    {
        // At h → 0 the one-sided in-control ARL with k = 0.5 is (e^1.166 − 2.166)/0.5 = 2.086; two-sided targets double it.
        Refused("averageRunLength", () => RunLength.CusumThreshold(2.08, 0.5, CusumSide.Upper));
        Assert.True(RunLength.CusumThreshold(2.09, 0.5, CusumSide.Upper) > 0);
        Refused("averageRunLength", () => RunLength.CusumThreshold(1.04, 0.5, CusumSide.TwoSided));
        Assert.True(RunLength.CusumThreshold(1.045, 0.5, CusumSide.TwoSided) > 0);
        // With k = 0 the ARL is only (h + 1.166)²: 1e13 would need h > 1e6.
        Refused("averageRunLength", () => RunLength.CusumThreshold(1e13, 0, CusumSide.Upper));
        Refused("averageRunLength", () => RunLength.CusumThreshold(0));
        Refused("reference", () => RunLength.CusumThreshold(100, -1));
    }

    [Fact]
    public void GivenPageHinkleyUnits_WhenItsThresholdIsDerived_ThenItIsTheScaledCusumThreshold()
    {
        Assert.Equal(2 * RunLength.CusumThreshold(200, 0.5, CusumSide.TwoSided), RunLength.PageHinkleyThreshold(200, 2, 1), 1e-9);
        Assert.Equal(2 * RunLength.CusumThreshold(200, 0.5, CusumSide.Upper), RunLength.PageHinkleyThreshold(200, 2, 1, PageHinkleyDirection.Increase), 1e-9);
        Assert.Equal(2 * RunLength.CusumThreshold(200, 0.5, CusumSide.Upper), RunLength.PageHinkleyThreshold(200, 2, 1, PageHinkleyDirection.Decrease), 1e-9);
        Refused("standardDeviation", () => RunLength.PageHinkleyThreshold(200, 0, 1));
        Refused("delta", () => RunLength.PageHinkleyThreshold(200, 1, -1));
    }

    [Fact]
    public void GivenABernoulliDesign_ThenIncrementsStepAndThresholdAreTheClosedForms()
    {
        var chart = BernoulliCusum.Design(0.1, 0.2, 1000);
        Assert.Equal(Math.Log(2), chart.Hit, 12);
        Assert.Equal(Math.Log(0.8 / 0.9), chart.Miss, 12);
        var kl = 0.1 * Math.Log(0.1 / 0.2) + 0.9 * Math.Log(0.9 / 0.8);
        var h = chart.Threshold;
        Assert.Equal(1000, (Math.Exp(h) - h - 1) / kl, 1e-5);
        Assert.Equal(h, BernoulliCusum.ThresholdFor(0.1, 0.2, 1000));
        Assert.Equal(1 + Math.Log(2), chart.Step(1, true), 12);
        Assert.Equal(1 + Math.Log(0.8 / 0.9), chart.Step(1, false), 12);
        Assert.Equal(0.0, chart.Step(0.05, false));
        Assert.Equal(1.0 / 3, BernoulliCusum.ShiftOdds(0.2, Math.Log(2)), 12);   // odds ¼ → ½
        Assert.Equal(0.2, BernoulliCusum.ShiftOdds(0.2, 0), 12);
        Refused("p1", () => BernoulliCusum.Design(0.1, 0.1, 1000));
        Refused("p0", () => BernoulliCusum.Design(0, 0.1, 1000));
        Refused("p0", () => BernoulliCusum.Design(1, 0.1, 1000));
        Refused("p1", () => BernoulliCusum.Design(0.1, 1, 1000));
        Refused("p", () => BernoulliCusum.ShiftOdds(double.NaN, 1));
        Refused("targetRunLength", () => BernoulliCusum.ThresholdFor(0.1, 0.2, 0));
        // A target below the ARL at h = 1 stops the doubling at once and bisects down inside (0, 1].
        var small = BernoulliCusum.ThresholdFor(0.1, 0.2, 2);
        Assert.Equal(2, (Math.Exp(small) - small - 1) / kl, 1e-6);
    }

    [Fact]
    public void GivenABudget_WhenTargetsAreComputed_ThenTheyAreRateOverShareAndAtLeastTwo()
    {
        Assert.Equal(1e6 / (0.25 * 2), SequentialBudget.TargetRunLength(1e6, 2, 0.25), 1e-6);
        Assert.Equal(2, SequentialBudget.TargetRunLength(1, 1, 1));
        Assert.Equal(2.5, SequentialBudget.TargetRunLength(2.5, 1, 1));
        Refused("falseAlarmsPerYear", () => SequentialBudget.TargetRunLength(1, 0, 1));
        Refused("share", () => SequentialBudget.TargetRunLength(1, 1, 0));
        Refused("observationsPerYear", () => SequentialBudget.TargetRunLength(0, 1, 1));
    }

    [Theory]
    [InlineData(300.0, 0.25, 150L, 0.9)]
    [InlineData(1000.0, 0.5, 40L, 0.8)]
    [InlineData(5000.0, 0.5, int.MaxValue, 0.5)]
    [InlineData(3.0, 0.5, int.MaxValue, 0.5)]
    public void GivenAFiniteReference_WhenTheThresholdIsGuaranteed_ThenTheDisturbedChartRunsExactlyForTheTarget(double target, double k, long n, double guarantee)
    {
        var h = SequentialBudget.GuaranteedCusumThreshold(target, k, n, guarantee);
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, guarantee);
        var scale = 1 + z / Math.Sqrt(2.0 * n);
        var bias = z / Math.Sqrt(n);
        Assert.Equal(target, RunLength.CusumAverageRunLength(h / scale, k / scale, bias / scale), target * 1e-7);
        if (guarantee > 0.5) Assert.True(h > SequentialBudget.GuaranteedCusumThreshold(target, k, int.MaxValue, 0.5));
    }

    [Fact]
    public void GivenAReferenceErrorAsLargeAsTheShift_WhenTheThresholdIsGuaranteed_ThenTheMonitorIsOff()
    {
        // z₀.₉ / √n ≥ k: n = 26 gives 0.2513 ≥ 0.25; n = 27 gives 0.2466 < 0.25.
        Assert.True(double.IsPositiveInfinity(SequentialBudget.GuaranteedCusumThreshold(300, 0.25, 26)));
        Assert.True(double.IsFinite(SequentialBudget.GuaranteedCusumThreshold(300, 0.25, 27)));
        Refused("referenceSize", () => SequentialBudget.GuaranteedCusumThreshold(300, 0.25, 0));
        Refused("guarantee", () => SequentialBudget.GuaranteedCusumThreshold(300, 0.25, 100, 0.49));
        Refused("guarantee", () => SequentialBudget.GuaranteedCusumThreshold(300, 0.25, 100, 1));
        Refused("targetRunLength", () => SequentialBudget.GuaranteedCusumThreshold(0, 0.25, 100));
        Refused("reference", () => SequentialBudget.GuaranteedCusumThreshold(300, 0, 100));
        // With k → 0 the ARL is only (h + 1.166)²: 1e13 would need h > 1e6.
        Assert.True(double.IsPositiveInfinity(SequentialBudget.GuaranteedCusumThreshold(1e13, 1e-10, int.MaxValue, 0.5)));
    }

    [Theory]
    [InlineData(2.0, 0.5)]         // mid-rank 2 of 4: u = 2.5/5
    [InlineData(0.0, 0.1)]         // below all: u = 0.5/5
    [InlineData(1.0, 0.2)]         // one tie at the bottom: mid-rank 0.5
    [InlineData(2.5, 0.7)]         // three below
    [InlineData(3.0, 0.8)]         // three below, one equal
    [InlineData(10.0, 0.9)]        // above all
    public void GivenASortedReference_WhenANormalScoreIsTaken_ThenItIsTheInverseNormalOfTheMidRank(double x, double u)
    {
        var reference = SortedSample.Of([3.0, 2, 1, 2]);
        Assert.Equal(MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, u), SequentialBudget.NormalScore(reference, x), 12);
        Assert.Throws<ArgumentNullException>(() => SequentialBudget.NormalScore(null!, x));
    }

    [Fact]
    public void GivenALongReference_WhenNormalScoresAreTaken_ThenTheBinarySearchFindsEveryRank()
    {
        var values = Enumerable.Range(0, 37).Select(i => (double)i).ToArray();
        var reference = SortedSample.Of(values);
        for (var i = -1; i <= 37; i++)
        {
            var below = Math.Clamp(i, 0, 37);                       // x = i − 0.5 lies above i values (clamped)
            Assert.Equal(MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (below + 0.5) / 38), SequentialBudget.NormalScore(reference, i - 0.5), 12);
        }
    }
}
