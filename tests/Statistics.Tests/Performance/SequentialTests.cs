using MathNet.Numerics.Distributions;

namespace Monitoring.Statistics.Tests.Performance;

public class SequentialTests
{
    private static double[] NormalStream(int seed, int n, double mean = 0, double sd = 1)
    {
        var d = new Normal(mean, sd, new Random(seed));
        var x = new double[n];
        d.Samples(x);
        return x;
    }

    /// <summary>Mean number of observations until the first alarm over <paramref name="runs"/> seeded in-control runs.</summary>
    private static double MeanRunLength(Func<Func<double, bool>> makeDetector, int runs, int seed, int cap = 1_000_000)
    {
        var rng = new Normal(0, 1, new Random(seed));
        double total = 0;
        for (var r = 0; r < runs; r++)
        {
            var add = makeDetector();
            var t = 0;
            while (t < cap)
            {
                t++;
                if (add(rng.Sample())) break;
            }

            total += t;
        }

        return total / runs;
    }

    [Theory]
    [InlineData(CusumSide.TwoSided, 200.0)]
    [InlineData(CusumSide.Upper, 370.0)]
    public void GivenThresholdFromTargetArl_WhenInControl_ThenMeanRunLengthIsNearTheTarget(CusumSide side, double arl0)
    {
        var h = RunLength.CusumThreshold(arl0, 0.5, side);
        var measured = MeanRunLength(() => new Cusum(0, 1, 0.5, h, side).Add, 1500, seed: 11);
        // Siegmund's approximation is within a few percent; 1500 runs give a standard error of about 2.6%.
        Assert.InRange(measured / arl0, 0.88, 1.12);
    }

    [Fact]
    public void GivenTwoSigmaShift_WhenCusum_ThenDetectsWithinAFewObservations()
    {
        var cusum = Cusum.ForAverageRunLength(10, 2, 500);
        foreach (var x in NormalStream(3, 300, 10, 2)) Assert.False(cusum.Add(x) && cusum.Alarms > 1);
        var alarmsBefore = cusum.Alarms;
        var delay = 0;
        foreach (var x in NormalStream(4, 100, 14, 2))
        {
            delay++;
            if (cusum.Add(x)) break;
        }

        Assert.InRange(delay, 1, 15);
        Assert.Equal(CusumSide.Upper, cusum.LastAlarmSide);
        Assert.Equal(alarmsBefore + 1, cusum.Alarms);
    }

    [Fact]
    public void GivenLowerSideOnly_WhenMeanRises_ThenNoAlarm()
    {
        var cusum = new Cusum(0, 1, 0.5, 4, CusumSide.Lower);
        Assert.DoesNotContain(NormalStream(5, 500, 3), cusum.Add);
        Assert.Equal(0, cusum.UpperStatistic);
    }

    [Fact]
    public void GivenSnapshot_WhenRestoredInANewDetector_ThenReplayIsIdentical()
    {
        // The mean alternates between 0 and 1.5 every 500 observations, so every detector alarms in the replayed half.
        var stream = NormalStream(7, 4000).Select((x, i) => x + (i / 500 % 2 == 1 ? 1.5 : 0)).ToArray();
        AssertReplay(() => new Cusum(0, 1, 0.5, 4), d => d.Snapshot(), (d, s) => d.Restore(s), (d, x) => d.Add(x), stream);
        AssertReplay(() => new PageHinkley(0.05, 5), d => d.Snapshot(), (d, s) => d.Restore(s), (d, x) => d.Add(x), stream);
        AssertReplay(() => new Adwin(clock: 8), d => d.Snapshot(), (d, s) => d.Restore(s), (d, x) => d.Add(x), stream,
            (a, b) => a.Width == b.Width && a.Total == b.Total && a.Detections == b.Detections && a.RowTotals.Length == b.RowTotals.Length
                && a.RowTotals.Zip(b.RowTotals).All(p => p.First.SequenceEqual(p.Second)));
    }

    private static void AssertReplay<TDetector, TState>(
        Func<TDetector> make, Func<TDetector, TState> snapshot, Action<TDetector, TState> restore, Func<TDetector, double, bool> add,
        double[] stream, Func<TState, TState, bool>? same = null)
    {
        var original = make();
        var half = stream.Length / 2;
        foreach (var x in stream.AsSpan(0, half)) add(original, x);
        var state = snapshot(original);
        var alarmsOriginal = stream.Skip(half).Select(x => add(original, x)).ToArray();

        var restored = make();
        restore(restored, state);
        var alarmsRestored = stream.Skip(half).Select(x => add(restored, x)).ToArray();
        Assert.Equal(alarmsOriginal, alarmsRestored);
        Assert.Contains(true, alarmsOriginal);
        if (same is null) Assert.Equal(snapshot(original), snapshot(restored));
        else Assert.True(same(snapshot(original), snapshot(restored)));
    }

    [Fact]
    public void GivenMeanShift_WhenPageHinkley_ThenDetectsAndRestarts()
    {
        var ph = PageHinkley.ForAverageRunLength(1000, 1, 0.25);
        var falseAlarms = NormalStream(8, 500).Count(ph.Add);
        Assert.True(falseAlarms <= 1, $"{falseAlarms} false alarms in 500 in-control observations");
        var delay = 0;
        foreach (var x in NormalStream(9, 200, 1.5))
        {
            delay++;
            if (ph.Add(x)) break;
        }

        Assert.InRange(delay, 1, 40);
        Assert.Equal(0, ph.Count);
    }

    [Fact]
    public void GivenPageHinkleyThresholdFromTargetArl_WhenInControl_ThenRunsAreAtLeastNearTheTarget()
    {
        var lambda = RunLength.PageHinkleyThreshold(200, 1, 0.5);
        var measured = MeanRunLength(() => new PageHinkley(0.5, lambda, minInstances: 1).Add, 800, seed: 12);
        // The running mean makes Page–Hinkley more conservative than the known-mean CUSUM the threshold is derived from.
        Assert.InRange(measured / 200, 0.85, 3.0);
    }

    [Fact]
    public void GivenStationaryBernoulliStream_WhenAdwin_ThenAtMostOneFalseCutAndTheWindowGrows()
    {
        var rng = new Random(21);
        var adwin = new Adwin();
        var cuts = 0;
        for (var i = 0; i < 20_000; i++) if (adwin.Add(rng.NextDouble() < 0.2 ? 1 : 0)) cuts++;
        Assert.True(cuts <= 1, $"{cuts} cuts on a stationary stream");
        Assert.True(adwin.Width > 10_000);
        Assert.InRange(adwin.Mean, 0.18, 0.22);
    }

    [Fact]
    public void GivenAbruptChange_WhenAdwin_ThenCutsSoonAndDropsTheOldData()
    {
        var rng = new Random(22);
        var adwin = new Adwin();
        for (var i = 0; i < 5000; i++) adwin.Add(rng.NextDouble() < 0.2 ? 1 : 0);
        var delay = 0;
        while (delay < 2000)
        {
            delay++;
            if (adwin.Add(rng.NextDouble() < 0.6 ? 1 : 0)) break;
        }

        Assert.InRange(delay, 1, 300);
        Assert.True(adwin.Width < 5000, $"window still {adwin.Width} long");
        for (var i = 0; i < 3000; i++) adwin.Add(rng.NextDouble() < 0.6 ? 1 : 0);
        Assert.InRange(adwin.Mean, 0.55, 0.65);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void GivenMillionObservations_WhenAdwin_ThenMemoryStaysLogarithmic()
    {
        var rng = new Random(23);
        var adwin = new Adwin(maxBucketsPerRow: 5);
        for (var i = 0; i < 1_000_000; i++) adwin.Add(rng.NextDouble());
        // At most M + 1 buckets per row and one row per power of two of the window length.
        Assert.True(adwin.BucketCount <= 6 * (Math.Log2(adwin.Width) + 1), $"{adwin.BucketCount} buckets for width {adwin.Width}");
        Assert.InRange(adwin.Variance, 1.0 / 12 - 0.005, 1.0 / 12 + 0.005);
    }

    [Fact]
    public void ArlApproximationIncreasesWithThresholdAndInverseIsConsistent()
    {
        foreach (var k in new[] { 0.25, 0.5, 1.0 })
        {
            foreach (var arl in new[] { 50.0, 370.0, 10_000.0 })
            {
                var h = RunLength.CusumThreshold(arl, k, CusumSide.Upper);
                Assert.Equal(arl, RunLength.CusumAverageRunLength(h, k), arl * 1e-9);
                Assert.True(RunLength.CusumAverageRunLength(h + 0.1, k) > arl);
                Assert.Equal(arl, RunLength.CusumTwoSidedAverageRunLength(RunLength.CusumThreshold(arl, k), k), arl * 1e-9);
            }
        }

        // Montgomery's table for the two-sided tabular CUSUM, k = 0.5: h = 5 gives ARL0 ≈ 465.
        Assert.InRange(RunLength.CusumTwoSidedAverageRunLength(5, 0.5), 455, 475);
    }
}
