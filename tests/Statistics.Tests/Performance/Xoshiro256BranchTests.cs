using System.Numerics;
using MathNet.Numerics;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Branches of <see cref="Xoshiro256"/> reached by choosing the next output: xoshiro256**'s output depends only on s₁
/// (result = rotl(5·s₁, 7)·9 mod 2⁶⁴, Blackman &amp; Vigna), so a state with s₁ = 5⁻¹·rotr(9⁻¹·R, 7) outputs R next. That puts
/// a uniform exactly on a probability, an accumulated mass or Lemire's rejection threshold, and counts the draws a call
/// consumes through the state it leaves.
/// </summary>
public class Xoshiro256BranchTests
{
    [Fact]
    public void GivenTheInverseOfTheScrambler_ThenTheNextOutputIsTheChosenOne()
    {
        foreach (var r in new[] { 0UL, 1UL, 0xAAAAAAAAAAAAAAABUL, ulong.MaxValue, 12345UL << 11 })
        {
            Assert.Equal(r, Outputting(r).NextUInt64());
        }
    }

    [Fact]
    public void GivenAStateWithOneNonZeroWord_ThenItIsAccepted_AndOnlyAllZerosIsRefused()
    {
        for (var i = 0; i < 4; i++)
        {
            var state = new ulong[4];
            state[i] = 1;
            Assert.Equal(state, new Xoshiro256(state).State);
        }

        Assert.Throws<ArgumentException>(() => new Xoshiro256(new ulong[4]));
    }

    [Fact]
    public void GivenALowProductExactlyAtTheRejectionThreshold_ThenLemiresDrawAcceptsIt()
    {
        // bound 3: threshold = 2⁶⁴ mod 3 = 1; r = 3⁻¹ mod 2⁶⁴ gives r·3 = 2·2⁶⁴ + 1, low word 1 = threshold, high word 2.
        const ulong r = 0xAAAAAAAAAAAAAAABUL;
        var rng = Outputting(r);
        Assert.Equal(2, rng.NextInt64(3));
        Assert.Equal(AfterDraws(Outputting(r), 1), rng.State); // accepted: one draw, no retry
    }

    [Fact]
    public void GivenCertainSuccess_ThenBinomialDrawsNothing_AndAtThirtyTwoTrialsItInvertsWithOneDraw()
    {
        var rng = new Xoshiro256(11);
        var before = rng.State;
        Assert.Equal(5, rng.Binomial(5, 1.0));
        Assert.Equal(before, rng.State);
        rng.Binomial(31, 0.5);                              // counting uniforms: 31 draws
        Assert.Equal(AfterDraws(new Xoshiro256(11), 31), rng.State);
        before = rng.State;
        rng.Binomial(32, 0.3);                              // inversion from the mode: one uniform
        Assert.Equal(AfterDraws(new Xoshiro256(before), 1), rng.State);
    }

    [Fact]
    public void GivenAUniformEqualToP_WhenOneTrialIsCounted_ThenItIsAFailure()
    {
        // A trial succeeds when u < p: u = p is a failure (Pr(u < p) = p exactly for u uniform on the 2⁻⁵³ grid).
        const ulong k = 3_000_000_000_000_000UL;
        var p = k * (1.0 / (1UL << 53));
        Assert.Equal(0, Outputting(k << 11).Binomial(1, p));
        Assert.Equal(1, Outputting((k - 1) << 11).Binomial(1, p));
    }

    [Fact]
    public void GivenAUniformEqualToTheModesMass_ThenTheNextOutcomeIsDrawn()
    {
        // n = 32, p = 0.001: mode 0 with mass 0.999³² (the expression the generator evaluates, in [½, 1), so on the grid).
        const long n = 32;
        const double p = 0.001;
        var pmfMode = ModeMass(n, p, 0);
        Assert.Equal(0, Outputting(UniformBits(pmfMode) - (1UL << 11)).Binomial(n, p));
        Assert.Equal(1, Outputting(UniformBits(pmfMode)).Binomial(n, p));
        // The next outcome up, 1, has mass pmf(0)·32·p/(1 − p): u equal to the accumulated mass goes on to 2.
        var acc = pmfMode + pmfMode * 32 / 1 * (p / (1 - p));
        Assert.Equal(1, Outputting(UniformBits(acc) - (1UL << 11)).Binomial(n, p));
        Assert.Equal(2, Outputting(UniformBits(acc)).Binomial(n, p));
    }

    [Fact]
    public void GivenAUniformEqualToTheMassBelowAModeAtN_ThenTheOutcomeBelowIsDrawn()
    {
        // n = 32, p = 0.999: mode 32 = n, so the walk goes down: 31 has mass pmf(32)·32/(1·ratio).
        const long n = 32;
        const double p = 0.999;
        var pmfMode = ModeMass(n, p, 32);
        var acc = pmfMode + pmfMode * 32 / (1 * (p / (1 - p)));
        Assert.Equal(32, Outputting(UniformBits(pmfMode) - (1UL << 11)).Binomial(n, p));
        Assert.Equal(31, Outputting(UniformBits(acc) - (1UL << 11)).Binomial(n, p));
        Assert.Equal(30, Outputting(UniformBits(acc)).Binomial(n, p));
    }

    [Fact]
    public void GivenEquallyLikelyNeighboursOfTheMode_ThenTheUpperOneComesFirstInTheInversionOrder()
    {
        // n = 32, p = ½: pmf(15) = pmf(17) to the bit; the order is mode, then the upper neighbour on a tie.
        var u = 0.25; // above pmf(16) ≈ 0.140, below pmf(16) + pmf(17) ≈ 0.272
        Assert.Equal(17, Outputting(UniformBits(u)).Binomial(32, 0.5));
    }

    /// <summary>The bits whose 53-bit uniform is exactly <paramref name="u"/> (u on the 2⁻⁵³ grid).</summary>
    private static ulong UniformBits(double u)
    {
        var k = u * (1UL << 53);
        Assert.Equal(Math.Floor(k), k);
        return (ulong)k << 11;
    }

    /// <summary>pmf(mode) exactly as <see cref="Xoshiro256.Binomial"/> evaluates it.</summary>
    private static double ModeMass(long n, double p, long mode) =>
        Math.Exp(SpecialFunctions.GammaLn(n + 1.0) - SpecialFunctions.GammaLn(mode + 1.0) - SpecialFunctions.GammaLn(n - mode + 1.0)
                 + mode * Math.Log(p) + (n - mode) * Math.Log(1 - p));

    private static Xoshiro256 Outputting(ulong r)
    {
        var s1 = Inverse(5) * BitOperations.RotateRight(r * Inverse(9), 7);
        return new Xoshiro256([1UL, s1, 1UL, 1UL]);
    }

    private static ulong[] AfterDraws(Xoshiro256 rng, int draws)
    {
        for (var i = 0; i < draws; i++)
        {
            rng.NextUInt64();
        }

        return rng.State;
    }

    /// <summary>Inverse of an odd number modulo 2⁶⁴ by Newton's iteration (3 correct bits, doubled five times).</summary>
    private static ulong Inverse(ulong a)
    {
        var x = a;
        for (var i = 0; i < 5; i++)
        {
            x *= 2 - a * x;
        }

        return x;
    }
}
