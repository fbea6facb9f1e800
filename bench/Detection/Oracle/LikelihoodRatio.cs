namespace Monitoring.Detection.Oracle;

/// <summary>Log-likelihood ratios ln f₁(x)/f₀(x) of one observation, and the Kullback–Leibler divergence per observation.</summary>
public static class LikelihoodRatio
{
    /// <summary>
    /// Gaussian mean shift on a standardized observation z ~ N(0, 1) before, N(δ, 1) after: ln f₁/f₀ = δz − δ²/2.
    /// </summary>
    /// <param name="z">Standardized observation.</param>
    /// <param name="delta">Shift δ in standard deviations (sign included).</param>
    public static double Gaussian(double z, double delta) => delta * z - delta * delta / 2;

    /// <summary>Bernoulli: x ∈ {0, 1} with P(x = 1) = p₀ before and p₁ after: x ln(p₁/p₀) + (1 − x) ln((1 − p₁)/(1 − p₀)).</summary>
    /// <param name="x">The outcome.</param>
    /// <param name="p0">Pre-change success probability in (0, 1).</param>
    /// <param name="p1">Post-change success probability in (0, 1).</param>
    public static double Bernoulli(bool x, double p0, double p1) => x ? Math.Log(p1 / p0) : Math.Log((1 - p1) / (1 - p0));

    /// <summary>KL(N(δ, 1) ‖ N(0, 1)) = δ²/2 nats per observation: the expected post-change increment of the CUSUM.</summary>
    public static double GaussianKl(double delta) => delta * delta / 2;

    /// <summary>KL(Bern(p₁) ‖ Bern(p₀)) = p₁ ln(p₁/p₀) + (1 − p₁) ln((1 − p₁)/(1 − p₀)) nats per observation.</summary>
    public static double BernoulliKl(double p0, double p1) =>
        (p1 > 0 ? p1 * Math.Log(p1 / p0) : 0) + (p1 < 1 ? (1 - p1) * Math.Log((1 - p1) / (1 - p0)) : 0);
}

/// <summary>
/// Page's CUSUM on log-likelihood ratios: S₀ = 0, Sₙ = max(0, Sₙ₋₁ + ln f₁(xₙ)/f₀(xₙ)), alarm when Sₙ ≥ H. With f₀ and f₁ known
/// exactly this is the optimal detector in Lorden's minimax sense for its in-control run length (Moustakides 1986): the
/// benchmark's yardstick. Time-varying f₁ (a ramp) and per-observation f₀ (risk adjustment, Steiner et al. 2000) only
/// change the increments.
/// </summary>
/// <param name="threshold">Decision threshold H &gt; 0 in nats.</param>
public sealed class LikelihoodRatioCusum(double threshold)
{
    /// <summary>Decision threshold H in nats.</summary>
    public double Threshold { get; } = threshold > 0 ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be positive.");

    /// <summary>Current statistic Sₙ ≥ 0.</summary>
    public double Statistic { get; private set; }

    /// <summary>Observations applied since the last reset.</summary>
    public long Count { get; private set; }

    /// <summary>Applies one log-likelihood ratio; true when the statistic reaches the threshold (the caller decides whether to reset).</summary>
    public bool Update(double logLikelihoodRatio)
    {
        Count++;
        Statistic = Math.Max(0, Statistic + logLikelihoodRatio);
        return Statistic >= Threshold;
    }

    /// <summary>Restarts from S = 0 (after an alarm, or at a change point for the worst-case delay).</summary>
    public void Reset()
    {
        Statistic = 0;
        Count = 0;
    }
}
