namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Run-length properties of the sequential monitors by seeded simulation (no external reference exists for these designs):
/// the in-control run length is at least its target and within 2× of it, and the finite-reference adjustment holds.
/// </summary>
public class SequentialBudgetTests
{
    [Fact]
    public void GivenABudgetSplitOverMonitors_WhenTargetsAreComputed_ThenTheSumOfAlarmRatesIsTheBudget()
    {
        // 0.5 alarms a year over 1,000 monitors of 100,000 observations a year each.
        var arl = SequentialBudget.TargetRunLength(100_000, 0.5, 1.0 / 1000);
        Assert.Equal(2e8, arl, 1e-6);
        Assert.Equal(0.5, 1000 * 100_000 / arl, 1e-9);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void GivenAnExactStandardization_WhenInControl_ThenTheMeanRunLengthIsAtLeastTheTargetAndWithinTwice()
    {
        const double target = 400, k = 0.25;
        var h = SequentialBudget.GuaranteedCusumThreshold(target, k, int.MaxValue, guarantee: 0.5);
        var rng = new Xoshiro256(7);
        var lengths = Enumerable.Range(0, 600).Select(_ => RunLength(rng, h, k, () => Normal(rng))).ToList();
        var mean = lengths.Average();
        // Siegmund's approximation is accurate to a few percent; the standard error of a mean of 600 runs is ~4 %.
        Assert.InRange(mean, 0.9 * target, 2 * target);
        Assert.InRange(RunLengthOfRandomWalk(h, k), 0.95 * target, 1.05 * target);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void GivenASmallReference_WhenTheThresholdIsGuaranteed_ThenNinetyPercentOfReferencesKeepTheTarget()
    {
        const double target = 300, k = 0.25;
        const int n = 150;
        var plain = SequentialBudget.GuaranteedCusumThreshold(target, k, int.MaxValue, guarantee: 0.5);
        var guaranteed = SequentialBudget.GuaranteedCusumThreshold(target, k, n, guarantee: 0.9);
        Assert.True(guaranteed > plain, $"{guaranteed} > {plain}");

        var rng = new Xoshiro256(11);
        var plainArl = new List<double>();
        var guaranteedArl = new List<double>();
        for (var r = 0; r < 60; r++)
        {
            var reference = SortedSample.Of(Enumerable.Range(0, n).Select(_ => Normal(rng)).ToArray());
            double Score() => SequentialBudget.NormalScore(reference, Normal(rng));
            plainArl.Add(Enumerable.Range(0, 25).Average(_ => RunLength(rng, plain, k, Score)));
            guaranteedArl.Add(Enumerable.Range(0, 25).Average(_ => RunLength(rng, guaranteed, k, Score)));
        }

        // Reference-size effect: with the plain threshold a tenth of the references fall well short of the target ...
        Assert.True(Quantile(plainArl, 0.1) < 0.8 * target, $"plain 10% quantile {Quantile(plainArl, 0.1)}");
        // ... the guaranteed threshold keeps the conditional ARL at the target for ~90 % of them (25 runs per reference: ±20 %).
        Assert.True(Quantile(guaranteedArl, 0.1) >= 0.75 * target, $"guaranteed 10% quantile {Quantile(guaranteedArl, 0.1)}");
        Assert.True(guaranteedArl.Average() > plainArl.Average());
    }

    [Trait("Category", "Simulation")]
    [Theory]
    [InlineData(0.1, 2.0, 1000)]
    [InlineData(0.3, 2.0, 2000)]
    public void GivenABernoulliCusum_WhenInControl_ThenTheMeanRunLengthIsAtLeastTheTargetAndWithinTwice(double p0, double oddsRatio, double target)
    {
        var chart = BernoulliCusum.Design(p0, BernoulliCusum.ShiftOdds(p0, Math.Log(oddsRatio)), target);
        var rng = new Xoshiro256(13);
        var lengths = new List<double>();
        for (var r = 0; r < 500; r++)
        {
            double s = 0;
            long t = 0;
            while (s < chart.Threshold && t < 100 * target)
            {
                t++;
                s = chart.Step(s, rng.NextDouble() < p0);
            }

            lengths.Add(t);
        }

        Assert.InRange(lengths.Average(), target, 2 * target);
    }

    [Fact]
    public void GivenANewCategoryMonitor_WhenTheCategoryAppearsAtItsShare_ThenItAlarmsWithinTheOracleOrderOfEvents()
    {
        // p0 = 1/(n_ref + 1) for a category absent from a reference of 2,000; designed for a 5 % share; ARL0 1e7.
        var chart = BernoulliCusum.Design(1.0 / 2001, 0.05, 1e7);
        var rng = new Xoshiro256(17);
        var delays = Enumerable.Range(0, 200).Select(_ =>
        {
            double s = 0;
            var t = 0;
            while (s < chart.Threshold) { t++; s = chart.Step(s, rng.NextDouble() < 0.2); }
            return t;
        }).ToList();
        Assert.InRange(delays.Average(), 5, 40);
    }

    private static double RunLength(Xoshiro256 rng, double h, double k, Func<double> next)
    {
        double s = 0;
        var t = 0;
        while (s < h && t < 1_000_000)
        {
            t++;
            s = Math.Max(0, s + next() - k);
        }

        return t;
    }

    private static double RunLengthOfRandomWalk(double h, double k) => RunLengthApprox(h, k);

    private static double RunLengthApprox(double h, double k) => Statistics.RunLength.CusumAverageRunLength(h, k);

    private static double Normal(Xoshiro256 rng) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, rng.NextOpenDouble());

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Floor(q * (sorted.Count - 1))];
    }
}
