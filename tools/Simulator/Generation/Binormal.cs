namespace Monitoring.Simulator.Generation;

/// <summary>
/// The equal-variance binormal score model. A latent z is N(0, 1) for a negative case and N(d, 1) for a
/// positive one, so AUROC = Φ(d / √2) (Hanley 1988; Pepe 2003 §4.4) and d = √2 Φ⁻¹(AUROC).
/// The model maps z to a probability with the logistic link
/// score = σ(a + b z), a = logit(π₀) − d₀²/2, b = d₀, which is exactly the posterior P(y = 1 | z) when the
/// prevalence is π₀ and the separation is d₀: the reference population's scores are calibrated.
/// The mapping belongs to the model and stays fixed; a subgroup whose separation is d ≠ d₀ gets AUROC Φ(d/√2)
/// (a monotone map does not change AUROC) and a sensitivity at threshold T of Φ(d − z_T), z_T = (logit T − a) / b.
/// </summary>
public static class Binormal
{
    /// <summary>Separation d giving the AUROC: d = √2 Φ⁻¹(auc).</summary>
    public static double SeparationForAuroc(double auc) => Math.Sqrt(2) * Normal.Quantile(auc);

    /// <summary>AUROC of separation d: Φ(d / √2).</summary>
    public static double AurocForSeparation(double d) => Normal.Cdf(d / Math.Sqrt(2));

    /// <summary>Logit.</summary>
    public static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>Logistic function.</summary>
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

/// <summary>
/// A model's fixed score mapping for one label (see <see cref="Binormal"/>): calibrated at the reference prevalence
/// and AUROC, thresholded at the model's operating threshold.
/// </summary>
/// <param name="ReferencePrevalence">π₀, prevalence the model was calibrated for.</param>
/// <param name="ReferenceAuroc">AUROC in the reference population.</param>
/// <param name="Threshold">Operating threshold on the score.</param>
public sealed record ScoreMapping(double ReferencePrevalence, double ReferenceAuroc, double Threshold)
{
    /// <summary>d₀.</summary>
    public double ReferenceSeparation { get; } = Binormal.SeparationForAuroc(ReferenceAuroc);

    /// <summary>Intercept a = logit(π₀) − d₀²/2.</summary>
    public double Intercept => Binormal.Logit(ReferencePrevalence) - ReferenceSeparation * ReferenceSeparation / 2;

    /// <summary>Slope b = d₀.</summary>
    public double Slope => ReferenceSeparation;

    /// <summary>Latent threshold z_T = (logit T − a) / b.</summary>
    public double LatentThreshold => (Binormal.Logit(Threshold) - Intercept) / Slope;

    /// <summary>Score of a latent value.</summary>
    public double Score(double z) => Binormal.Sigmoid(Intercept + Slope * z);

    /// <summary>Sensitivity at the threshold for separation d: Φ(d − z_T).</summary>
    public double Sensitivity(double separation) => Normal.Cdf(separation - LatentThreshold);

    /// <summary>Specificity at the threshold (negatives are N(0,1) in every subgroup): Φ(z_T).</summary>
    public double Specificity => Normal.Cdf(LatentThreshold);

    /// <summary>Separation whose sensitivity at the threshold is <paramref name="sensitivity"/>: z_T + Φ⁻¹(s).</summary>
    public double SeparationForSensitivity(double sensitivity) => LatentThreshold + Normal.Quantile(sensitivity);
}
