using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace Monitoring.Statistics.Tests.Performance;

public class StreamingTests(ITestOutputHelper output)
{
    private static readonly double[] Probes = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

    private static double[] Stream(string kind, int n, int seed)
    {
        var rng = new Random(seed);
        return kind switch
        {
            "uniform" => Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray(),
            "normal" => Normal.Samples(rng, 0, 1).Take(n).ToArray(),
            "sorted" => Enumerable.Range(0, n).Select(i => (double)i).ToArray(),
            _ => Enumerable.Range(0, n).Select(i => (double)(n - i)).ToArray(),
        };
    }

    /// <summary>|F_n(q̂) − q| for every probe: the true normalized rank error of the sketch's answers.</summary>
    private static IEnumerable<double> RankErrors(QuantileSketch sketch, double[] data)
    {
        var sorted = (double[])data.Clone();
        Array.Sort(sorted);
        foreach (var q in Probes)
        {
            var v = sketch.Quantile(q);
            var upper = UpperBound(sorted, v);
            // Distinct values: the answer's rank is its position; report the distance of the requested rank to the answer's rank interval.
            var lowerRank = (double)LowerBound(sorted, v) / sorted.Length;
            var upperRank = (double)upper / sorted.Length;
            yield return q < lowerRank ? lowerRank - q : q > upperRank ? q - upperRank : 0;
        }
    }

    private static int UpperBound(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (a[mid] <= v) lo = mid + 1; else hi = mid;
        }

        return lo;
    }

    private static int LowerBound(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (a[mid] < v) lo = mid + 1; else hi = mid;
        }

        return lo;
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void GivenHundredSeededStreams_WhenSketching_ThenRankErrorRespectsTheStatedBound()
    {
        const int k = 200;
        var bound = QuantileSketch.RankErrorBound(k);
        var errors = new List<double>();
        foreach (var kind in new[] { "uniform", "normal", "sorted", "reversed" })
        {
            for (var seed = 1; seed <= 25; seed++)
            {
                var data = Stream(kind, 30_000, seed);
                var sketch = new QuantileSketch(k, (ulong)seed);
                sketch.AddRange(data);
                errors.AddRange(RankErrors(sketch, data));
                Assert.True(sketch.RetainedItems <= 3 * k + 2 * 64, $"{sketch.RetainedItems} items retained");
            }
        }

        errors.Sort();
        var p99 = errors[(int)(0.99 * (errors.Count - 1))];
        output.WriteLine($"bound {bound:P3}; rank error p50 {errors[errors.Count / 2]:P3}, p99 {p99:P3}, max {errors[^1]:P3} over {errors.Count} queries");
        Assert.True(p99 <= bound, $"99th percentile rank error {p99:P3} exceeds the stated bound {bound:P3}");
        Assert.True(errors[^1] <= 2 * bound, $"max rank error {errors[^1]:P3}");
    }

    [Fact]
    public void GivenTwoHalves_WhenMerged_ThenTheMergeSummarisesTheWholeStreamWithinTheBound()
    {
        var data = Stream("normal", 200_000, 5);
        var a = new QuantileSketch(200, 1);
        var b = new QuantileSketch(200, 2);
        a.AddRange(data.AsSpan(0, 60_000));
        b.AddRange(data.AsSpan(60_000));
        a.Merge(b);
        Assert.Equal(data.Length, a.Count);
        Assert.Equal(data.Min(), a.Min);
        Assert.Equal(data.Max(), a.Max);
        Assert.All(RankErrors(a, data), e => Assert.True(e <= QuantileSketch.RankErrorBound(200), $"rank error {e:P3}"));
        Assert.Throws<ArgumentException>(() => a.Merge(new QuantileSketch(100)));
    }

    [Fact]
    public void GivenSnapshot_WhenRestored_ThenTheSketchContinuesIdentically()
    {
        var data = Stream("uniform", 50_000, 9);
        var original = new QuantileSketch(64, 3);
        original.AddRange(data.AsSpan(0, 20_000));
        var restored = QuantileSketch.Restore(original.Snapshot());
        original.AddRange(data.AsSpan(20_000));
        restored.AddRange(data.AsSpan(20_000));
        foreach (var q in Probes) Assert.Equal(original.Quantile(q), restored.Quantile(q));
        Assert.Equal(original.Rank(0.5), restored.Rank(0.5));
    }

    [Fact]
    public void GivenSmallStream_ThenSketchIsExact()
    {
        var sketch = new QuantileSketch();
        foreach (var v in new[] { 5.0, 1.0, 3.0, 2.0, 4.0 }) sketch.Add(v);
        Assert.Equal(3.0, sketch.Quantile(0.5));
        Assert.Equal(1.0, sketch.Quantile(0));
        Assert.Equal(5.0, sketch.Quantile(1));
        Assert.Equal(0.6, sketch.Rank(3.0));
        Assert.Equal(0, sketch.Rank(0.5));
    }

    [Fact]
    public void GivenManyReservoirs_ThenEveryItemIsIncludedWithProbabilityKOverN()
    {
        const int n = 200, k = 10, reps = 4000;
        var hits = new int[n];
        for (var r = 0; r < reps; r++)
        {
            var reservoir = new ReservoirSample<int>(k, (ulong)r + 1);
            for (var i = 0; i < n; i++) reservoir.Add(i);
            Assert.Equal(k, reservoir.Count);
            foreach (var item in reservoir.ToArray()) hits[item]++;
        }

        // Each count is Binomial(reps, k/n) = mean 200, sd ≈ 13.8; chi-square over 200 cells with 199 df has 99.9% quantile ≈ 267.
        var expected = reps * (double)k / n;
        var chi2 = hits.Sum(h => (h - expected) * (h - expected) / expected);
        Assert.True(chi2 < 267, $"chi-square {chi2:F1}: inclusion is not uniform");
        Assert.True(hits.Take(20).Sum() > 0.8 * 20 * expected && hits.TakeLast(20).Sum() > 0.8 * 20 * expected);
    }

    [Fact]
    public void GivenReservoirSnapshot_WhenRestored_ThenTheSampleContinuesIdentically()
    {
        var a = new ReservoirSample<int>(16, 42);
        for (var i = 0; i < 1000; i++) a.Add(i);
        var b = new ReservoirSample<int>(16, 7);
        b.Restore(a.Snapshot());
        for (var i = 1000; i < 100_000; i++)
        {
            Assert.Equal(a.Add(i), b.Add(i));
        }

        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal(100_000, b.Seen);
        Assert.Throws<ArgumentException>(() => new ReservoirSample<int>(8, 1).Restore(a.Snapshot()));
    }

    [Fact]
    public void GivenFewerItemsThanCapacity_ThenReservoirHoldsThemAll()
    {
        var r = new ReservoirSample<string>(5, 1);
        foreach (var s in new[] { "a", "b", "c" }) Assert.True(r.Add(s));
        Assert.Equal(["a", "b", "c"], r.ToArray());
    }
}
