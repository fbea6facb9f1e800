using Monitoring.Detection.Oracle;

namespace Monitoring.Detection.Tests.Unit;

/// <summary>
/// The oracle's own checks: on null data its false-alarm rate matches its budget, and on a known shift its delay matches theory.
/// Seeded simulations; each tolerance is stated with the standard error it allows (run lengths are close to geometric, so the
/// relative standard error of a mean over n runs is about 1/√n).
/// </summary>
public sealed class OracleTests
{
    private static long RunLength(LikelihoodRatioCusum cusum, Func<double> llr, long cap = 100_000_000)
    {
        cusum.Reset();
        for (long t = 1; t <= cap; t++)
        {
            if (cusum.Update(llr())) return t;
        }

        return cap;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Theory]
    [InlineData(1.0, 1000)]
    [InlineData(0.5, 2000)]
    [InlineData(1.5, 2000)]
    public void GaussianOracle_OnNullData_RaisesFalseAlarmsAtItsBudget(double delta, double arl)
    {
        // 3,000 runs: relative SE ≈ 1.8 %; Siegmund's approximation is within a few percent: tolerance 8 %.
        var cusum = new LikelihoodRatioCusum(Thresholds.Gaussian(delta, arl));
        var rng = new Random(11);
        var mean = Enumerable.Range(0, 3000).Average(_ => RunLength(cusum, () => LikelihoodRatio.Gaussian(Gaussian(rng), delta)));
        Assert.InRange(mean / arl, 0.92, 1.08);
    }

    [Fact]
    public void GaussianOracle_OnAKnownShift_DetectsWithinSiegmundsDelay()
    {
        const double delta = 1.0;
        var h = Thresholds.Gaussian(delta, 50_000);
        var cusum = new LikelihoodRatioCusum(h);
        var rng = new Random(12);
        var mean = Enumerable.Range(0, 4000).Average(_ => RunLength(cusum, () => LikelihoodRatio.Gaussian(Gaussian(rng) + delta, delta)));
        // Theory: Siegmund's ARL₁, and the first-order (H + overshoot)/KL of Lorden's bound; 4,000 runs give SE < 1 %.
        Assert.InRange(mean / Thresholds.GaussianDelay(delta, h), 0.93, 1.07);
        Assert.InRange(mean * LikelihoodRatio.GaussianKl(delta) / h, 1.0, 1.5);
    }

    [Theory]
    [InlineData(0.01, 0.05, 5000)]
    [InlineData(0.2, 0.3, 3000)]
    [InlineData(1 / 2001.0, 0.25, 200_000)]
    public void BernoulliOracle_OnNullData_RaisesFalseAlarmsAtItsBudget(double p0, double p1, double arl)
    {
        // Threshold simulated with one seed, checked with another: 2,000 + 2,000 runs, relative SE ≈ 3.2 % on the ratio: tolerance 10 %.
        var h = Thresholds.Bernoulli(p0, p1, arl, seed: 1, paths: 2000);
        Assert.True(h <= Math.Log(arl) + 1e-9, "Lorden's bound: ARL₀ ≥ e^H, so H ≤ ln ARL₀");
        var up = LikelihoodRatio.Bernoulli(true, p0, p1);
        var down = LikelihoodRatio.Bernoulli(false, p0, p1);
        var rng = new Random(21);
        var lengths = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            // Failures between successes skipped geometrically, as in the threshold's simulation but drawn independently.
            double s = 0;
            long t = 0;
            while (true)
            {
                var failures = (long)Math.Floor(Math.Log(1 - rng.NextDouble()) / Math.Log(1 - p0));
                t += failures + 1;
                s = Math.Max(0, s + failures * down) + up;
                if (s >= h) break;
            }

            lengths.Add(t);
        }

        Assert.InRange(lengths.Average() / arl, 0.9, 1.1);
    }

    [Fact]
    public void BernoulliOracle_OnAKnownShift_DetectsAboutAsFastAsTheoryAllows()
    {
        const double p0 = 0.2, p1 = 0.3;
        var h = Thresholds.Bernoulli(p0, p1, 5_000, paths: 1000);
        var cusum = new LikelihoodRatioCusum(h);
        var rng = new Random(31);
        var mean = Enumerable.Range(0, 3000).Average(_ => RunLength(cusum, () => LikelihoodRatio.Bernoulli(rng.NextDouble() < p1, p0, p1)));
        // First-order theory: delay from S = 0 ≈ H/KL (Wald's identity, E[Σ increments] = KL·E[τ]). Two corrections of opposite sign
        // make it rough: the overshoot over H (under one upward step, ln(p₁/p₀) = 0.41) lengthens it, the reflection at 0 (whose
        // lost downward mass S_τ no longer carries) shortens it. Measured 0.88 × H/KL at ARL₀ 20,000: tolerance [0.75, 1.25].
        var kl = LikelihoodRatio.BernoulliKl(p0, p1);
        Assert.InRange(mean * kl / h, 0.75, 1.25);
    }

    [Fact]
    public void RiskAdjustedOracle_OnNullData_RaisesFalseAlarmsAtItsBudget()
    {
        double[] pool = [0.1, 0.15, 0.25, 0.3, 0.4];
        const double drop = 0.1, arl = 4000;
        var h = Thresholds.RiskAdjusted(pool, p => p + drop, arl, seed: 1, paths: 2000);
        var cusum = new LikelihoodRatioCusum(h);
        var rng = new Random(41);
        var mean = Enumerable.Range(0, 2000).Average(_ => RunLength(cusum, () =>
        {
            var p0 = pool[rng.Next(pool.Length)];
            return LikelihoodRatio.Bernoulli(rng.NextDouble() < p0, p0, p0 + drop);
        }));
        Assert.InRange(mean / arl, 0.9, 1.1);
    }

    [Fact]
    public void Cusum_NeverGoesBelowZero_AndAlarmsAtTheThreshold()
    {
        var cusum = new LikelihoodRatioCusum(2);
        Assert.False(cusum.Update(-5));
        Assert.Equal(0, cusum.Statistic);
        Assert.False(cusum.Update(1.5));
        Assert.True(cusum.Update(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LikelihoodRatioCusum(0));
    }
}
