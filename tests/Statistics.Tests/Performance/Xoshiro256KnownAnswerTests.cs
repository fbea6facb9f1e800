namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Known answers of xoshiro256** seeded by SplitMix64 (Blackman &amp; Vigna, https://prng.di.unimi.it/), computed by an
/// independent Python transcription of the reference C code, and of the derived draws (53-bit doubles, Lemire's bounded
/// integers with rejection, Fisher–Yates). Every seeded simulation and bootstrap in the library rests on these streams.
/// </summary>
public class Xoshiro256KnownAnswerTests
{
    [Fact]
    public void GivenSeed42_ThenTheStateAndTheFirstOutputsAreTheReferenceOnes()
    {
        var rng = new Xoshiro256(42);
        Assert.Equal([13679457532755275413UL, 2949826092126892291UL, 5139283748462763858UL, 6349198060258255764UL], rng.State);
        Assert.Equal([1546998764402558742UL, 6990951692964543102UL, 12544586762248559009UL, 17057574109182124193UL],
            Enumerable.Range(0, 4).Select(_ => rng.NextUInt64()).ToArray());
        var zero = new Xoshiro256(0);
        Assert.Equal([16294208416658607535UL, 7960286522194355700UL, 487617019471545679UL, 17909611376780542444UL], zero.State);
        Assert.Equal(11091344671253066420UL, zero.NextUInt64());
    }

    [Fact]
    public void GivenSeed7_ThenDoublesBoolsBoundedIntegersAndShufflesAreTheReferenceOnes()
    {
        var rng = new Xoshiro256(7);
        Assert.Equal([0.7005764821796896, 0.2787512294737843, 0.8396274618764198], Enumerable.Range(0, 3).Select(_ => rng.NextDouble()).ToArray());
        rng = new Xoshiro256(7);
        Assert.Equal([0.7005764821796896, 0.27875122947378433, 0.8396274618764199], Enumerable.Range(0, 3).Select(_ => rng.NextOpenDouble()).ToArray());
        rng = new Xoshiro256(7);
        Assert.Equal([true, false, true, true, true, true, false, false], Enumerable.Range(0, 8).Select(_ => rng.NextBool()).ToArray());
        rng = new Xoshiro256(7);
        Assert.Equal([7L, 278, 2, 4524514661162294416], new[] { 10L, 1000, 3, (1L << 62) + 1 }.Select(rng.NextInt64).ToArray());
        // A bound just above 2⁶² rejects about a quarter of the draws: 4 of the first 10 here.
        rng = new Xoshiro256(7);
        Assert.Equal([1285513147583695668L, 3872098226623159910, 4524514661162294416, 4569536494109524166, 1861767741974913352, 700128219564834904],
            Enumerable.Range(0, 6).Select(_ => rng.NextInt64((1L << 62) + 1)).ToArray());
        rng = new Xoshiro256(7);
        var values = Enumerable.Range(0, 8).ToArray();
        rng.Shuffle(values);
        Assert.Equal([1, 3, 7, 5, 4, 0, 6, 2], values);
        rng = new Xoshiro256(7);
        Assert.Equal(new Xoshiro256(7).NextUInt64() % 10, rng.NextBelow(10));
    }

    [Fact]
    public void GivenFewTrials_WhenBinomialIsDrawn_ThenItCountsUniformsBelowP()
    {
        var rng = new Xoshiro256(9);
        Assert.Equal([6L, 10, 7, 7, 4], Enumerable.Range(0, 5).Select(_ => rng.Binomial(20, 0.3)).ToArray());
        Assert.Equal(0, rng.Binomial(0, 0.5));
        Assert.Equal(0, rng.Binomial(100, 0));
        Assert.Equal(100, rng.Binomial(100, 1));
        Assert.Equal(31, rng.Binomial(31, 1 - 1e-17));
        var before = rng.State;
        Assert.Equal(0, rng.Binomial(-1, 0.5));
        Assert.Equal(before, rng.State);        // the degenerate cases draw nothing
    }

    [Theory]
    [InlineData(32, 0.5)]
    [InlineData(40, 0.1)]
    [InlineData(200, 0.97)]
    [InlineData(1000, 0.003)]
    public void GivenManyTrials_WhenBinomialIsDrawn_ThenEveryOutcomeHasItsBinomialFrequency(long n, double p)
    {
        // 20,000 draws: each outcome's count is within 5 binomial standard deviations (+1 for rounding) of its expectation.
        const int draws = 20_000;
        var rng = new Xoshiro256(3);
        var counts = new Dictionary<long, int>();
        for (var i = 0; i < draws; i++)
        {
            var k = rng.Binomial(n, p);
            Assert.InRange(k, 0, n);
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }

        var law = new MathNet.Numerics.Distributions.Binomial(p, (int)n);
        for (var k = 0L; k <= n; k++)
        {
            var expected = draws * law.Probability((int)k);
            var sd = Math.Sqrt(expected * (1 - law.Probability((int)k)));
            Assert.True(Math.Abs(counts.GetValueOrDefault(k) - expected) <= 5 * sd + 1, $"k = {k}: {counts.GetValueOrDefault(k)} draws, expected {expected:F1}");
        }
    }
}
