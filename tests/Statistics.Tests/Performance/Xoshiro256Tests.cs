namespace Monitoring.Statistics.Tests.Performance;

public class Xoshiro256Tests
{
    [Theory]
    [InlineData(20, 0.5)]
    [InlineData(1000, 0.3)]
    [InlineData(100_000, 0.02)]
    [InlineData(50, 0.97)]
    public void BinomialDrawsHaveTheBinomialMeanAndVariance(long n, double p)
    {
        var rng = new Xoshiro256(5);
        const int draws = 40_000;
        double sum = 0, sumSq = 0;
        for (var i = 0; i < draws; i++)
        {
            var k = rng.Binomial(n, p);
            Assert.InRange(k, 0, n);
            sum += k;
            sumSq += (double)k * k;
        }

        var mean = sum / draws;
        var variance = sumSq / draws - mean * mean;
        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(mean - n * p) < 5 * sd / Math.Sqrt(draws), $"mean {mean} vs {n * p}");
        Assert.InRange(variance / (sd * sd), 0.95, 1.05);
    }

    [Fact]
    public void SameSeedGivesSameSequenceAndStateRestoresIt()
    {
        var a = new Xoshiro256(123);
        var b = new Xoshiro256(123);
        for (var i = 0; i < 10; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        var c = new Xoshiro256(a.State);
        for (var i = 0; i < 10; i++) Assert.Equal(a.NextDouble(), c.NextDouble());
        Assert.InRange(a.NextInt64(7), 0, 6);
    }
}
