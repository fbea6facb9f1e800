using Monitoring.Statistics;

namespace Monitoring.Detection.Oracle;

/// <summary>
/// Thresholds H (nats) of <see cref="LikelihoodRatioCusum"/> for a target in-control average run length ARL₀ (expected observations
/// between false alarms). The oracle watches one statistic, so its whole false-alarm budget b per deployment-year goes to it:
/// ARL₀ = (observations per year) / b.
/// </summary>
public static class Thresholds
{
    /// <summary>
    /// Gaussian known shift δ: the LR CUSUM is the standardized CUSUM with reference k = |δ|/2 scaled by |δ|, so H = |δ|·h with h
    /// from Siegmund's approximation (<see cref="RunLength.CusumThreshold"/>, one-sided; a few percent accurate for h ≥ 2).
    /// </summary>
    /// <param name="delta">Shift δ in standard deviations (non-zero).</param>
    /// <param name="averageRunLength">Target ARL₀ in observations.</param>
    public static double Gaussian(double delta, double averageRunLength)
    {
        var k = Math.Abs(delta) / 2;
        return Math.Abs(delta) * RunLength.CusumThreshold(averageRunLength, k, CusumSide.Upper);
    }

    /// <summary>Siegmund's approximation of the delay (ARL₁ from S = 0) of the Gaussian LR CUSUM with threshold H under the shift δ.</summary>
    public static double GaussianDelay(double delta, double threshold)
    {
        var k = Math.Abs(delta) / 2;
        return RunLength.CusumAverageRunLength(threshold / Math.Abs(delta), k, Math.Abs(delta));
    }

    /// <summary>
    /// Bernoulli with constant p₀ → p₁ (p₁ &gt; p₀), by simulation under p₀: the run length of a path for every threshold at once is read
    /// off the record values of its running maximum, so one set of paths gives ARL₀(H) for all H and H is found by bisection.
    /// Failures between two successes are skipped geometrically (one draw per success), so rare categories (p₀ = 1/(n + 1)) cost
    /// one step per success rather than per observation.
    /// </summary>
    /// <param name="p0">In-control success probability in (0, 1).</param>
    /// <param name="p1">Out-of-control success probability in (p₀, 1).</param>
    /// <param name="averageRunLength">Target ARL₀ in observations.</param>
    /// <param name="seed">Seed of the simulation.</param>
    /// <param name="paths">Simulated in-control paths (relative standard error of ARL₀ ≈ 1/√paths).</param>
    public static double Bernoulli(double p0, double p1, double averageRunLength, int seed = 1, int paths = 2000)
    {
        if (!(p0 > 0 && p1 > p0 && p1 < 1)) throw new ArgumentOutOfRangeException(nameof(p1), $"Need 0 < p0 < p1 < 1 (p0 {p0}, p1 {p1}).");
        var up = Math.Log(p1 / p0);
        var down = Math.Log((1 - p1) / (1 - p0));
        var rng = new Random(seed);
        var cap = Math.Log(averageRunLength);
        var records = new List<(long Time, double Max)>[paths];
        for (var i = 0; i < paths; i++)
        {
            var list = records[i] = [];
            double s = 0, max = 0;
            long t = 0;
            var logQ = Math.Log(1 - p0);
            while (max < cap)
            {
                // Failures before the next success: geometric on {0, 1, ...}.
                var failures = (long)Math.Floor(Math.Log(1 - rng.NextDouble()) / logQ);
                t += failures + 1;
                s = Math.Max(0, s + failures * down);
                s = Math.Max(0, s + up);
                if (s > max)
                {
                    max = s;
                    list.Add((t, max));
                }
            }
        }

        return Solve(records, averageRunLength, cap);
    }

    /// <summary>
    /// Risk-adjusted Bernoulli (Steiner et al. 2000): each observation has its own p₀ᵢ (drawn from <paramref name="p0Pool"/>, the
    /// in-control mix of cases) and p₁ᵢ = <paramref name="alternative"/>(p₀ᵢ); threshold by simulation as in <see cref="Bernoulli"/>.
    /// </summary>
    public static double RiskAdjusted(IReadOnlyList<double> p0Pool, Func<double, double> alternative, double averageRunLength, int seed = 1, int paths = 1000)
    {
        if (p0Pool.Count == 0) throw new ArgumentException("The pool of in-control probabilities is empty.", nameof(p0Pool));
        var p0 = p0Pool.ToArray();
        var up = new double[p0.Length];
        var down = new double[p0.Length];
        for (var i = 0; i < p0.Length; i++)
        {
            var p1 = alternative(p0[i]);
            up[i] = LikelihoodRatio.Bernoulli(true, p0[i], p1);
            down[i] = LikelihoodRatio.Bernoulli(false, p0[i], p1);
        }

        var rng = new Random(seed);
        var cap = Math.Log(averageRunLength);
        var records = new List<(long Time, double Max)>[paths];
        for (var i = 0; i < paths; i++)
        {
            var list = records[i] = [];
            double s = 0, max = 0;
            long t = 0;
            while (max < cap)
            {
                t++;
                var j = rng.Next(p0.Length);
                s = Math.Max(0, s + (rng.NextDouble() < p0[j] ? up[j] : down[j]));
                if (s > max)
                {
                    max = s;
                    list.Add((t, max));
                }
            }
        }

        return Solve(records, averageRunLength, cap);
    }

    /// <summary>Mean first-passage time of the recorded paths over the level <paramref name="threshold"/>.</summary>
    internal static double MeanRunLength(List<(long Time, double Max)>[] records, double threshold)
    {
        double sum = 0;
        foreach (var list in records)
        {
            foreach (var (time, max) in list)
            {
                if (max >= threshold)
                {
                    sum += time;
                    break;
                }
            }
        }

        return sum / records.Length;
    }

    // ARL₀(H) ≥ e^H (Lorden's bound for LR increments), so the solution lies below ln(ARL₀) ≤ cap; bisection on the recorded paths.
    private static double Solve(List<(long Time, double Max)>[] records, double target, double cap)
    {
        double lo = 1e-6, hi = cap;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if (MeanRunLength(records, mid) < target) lo = mid; else hi = mid;
        }

        return (lo + hi) / 2;
    }
}
