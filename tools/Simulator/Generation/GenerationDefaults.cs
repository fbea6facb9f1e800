namespace Monitoring.Simulator.Generation;

/// <summary>
/// Built-in subgroup effects and behaviour rates. AUROC offsets are added to a label's reference AUROC for the
/// cell a study falls in; they are documented in docs/simulator.md.
/// </summary>
public static class GenerationDefaults
{
    /// <summary>AUROC offset for patients 65 and older (comorbidity, projection artefacts).</summary>
    public const double ElderlyAurocOffset = -0.02;

    /// <summary>AUROC offset for children: the adult model was not trained on them.</summary>
    public const double PaediatricAurocOffset = -0.10;

    /// <summary>AUROC offset for AP (portable) chest films.</summary>
    public const double ApAurocOffset = -0.03;

    /// <summary>AUROC offset for lateral chest films: the model was trained on frontal views only.</summary>
    public const double LateralAurocOffset = -0.12;

    /// <summary>Prevalence multiplier for patients 65+.</summary>
    public const double ElderlyPrevalenceMultiplier = 1.3;

    /// <summary>Prevalence multiplier for children.</summary>
    public const double PaediatricPrevalenceMultiplier = 0.5;

    /// <summary>Prevalence multiplier for AP (portable, sicker) chest films.</summary>
    public const double ApPrevalenceMultiplier = 1.4;

    /// <summary>AUROC is kept inside [Min, Max] after offsets.</summary>
    public const double MinAuroc = 0.52, MaxAuroc = 0.995;

    /// <summary>Fraction of inferences that receive reader feedback.</summary>
    public const double FeedbackFraction = 0.8;

    /// <summary>Among feedback, fraction marked not-reviewed.</summary>
    public const double NotReviewedFraction = 0.08;

    /// <summary>Override probability when the model's predicted labels equal the truth.</summary>
    public const double OverrideWhenCorrect = 0.04;

    /// <summary>Override probability when the model's predicted labels differ from the truth.</summary>
    public const double OverrideWhenWrong = 0.65;

    /// <summary>Median feedback delay in hours (log-normal, σ 0.9).</summary>
    public const double FeedbackMedianDelayHours = 0.75;

    /// <summary>Standard deviation of each embedding component's noise.</summary>
    public const double EmbeddingNoise = 0.35;
}
