using System.Text.Json.Serialization;
using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Scenarios;

/// <summary>A finding the monitoring should raise for an injected change, and by when.</summary>
/// <param name="Kind">Finding kind as in the contracts: <c>distribution-shift</c>, <c>performance-decay</c>, <c>estimated-performance-decay</c>, <c>fairness-gap</c>, <c>abrupt-change</c>.</param>
/// <param name="Signal">Signal name as in the contracts' evidence, e.g. <c>feature:meanIntensity</c>.</param>
/// <param name="Model">Model id.</param>
/// <param name="Site">Site, when the finding is site-specific.</param>
/// <param name="Subgroup">Subgroup attribute → value (empty for the whole population).</param>
/// <param name="DeadlineHours">Simulated hours after the change start by which it should be detected (planning estimate at the run's volume).</param>
/// <param name="EvidenceNeeded">What the deadline is derived from, e.g. "300 affected inferences" or "150 labelled positives".</param>
/// <param name="DetectableWithinRun">False when the deadline falls after the end of the simulated period.</param>
public sealed record ExpectedFinding(
    string Kind,
    string Signal,
    string Model,
    string? Site,
    IReadOnlyDictionary<string, string> Subgroup,
    double DeadlineHours,
    string EvidenceNeeded,
    bool DetectableWithinRun);

/// <summary>
/// One injected change. Its effect grows linearly from 0 at <see cref="Start"/> to 1 at <see cref="FullEffectAt"/>
/// (equal for a step change) and stays at 1.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AcquisitionShift), "acquisition-shift")]
[JsonDerivedType(typeof(PaediatricMix), "paediatric-mix")]
[JsonDerivedType(typeof(ViewMix), "view-mix")]
[JsonDerivedType(typeof(SubgroupSensitivityDrop), "subgroup-sensitivity-drop")]
[JsonDerivedType(typeof(PrevalenceShift), "prevalence-shift")]
[JsonDerivedType(typeof(SiteOnboarding), "site-onboarding")]
public abstract record Change
{
    /// <summary>Identifier within the scenario.</summary>
    public required string Id { get; init; }

    /// <summary>What happens, in words.</summary>
    public required string Description { get; init; }

    /// <summary>Simulated time the change begins.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Simulated time the change reaches full effect.</summary>
    public required DateTimeOffset FullEffectAt { get; init; }

    /// <summary>Model affected (null: every model).</summary>
    public string? Model { get; init; }

    /// <summary>Site affected (null: every site).</summary>
    public string? Site { get; init; }

    /// <summary>What should be detected, and by when.</summary>
    public IReadOnlyList<ExpectedFinding> Expected { get; init; } = [];

    /// <summary>Effect fraction in [0, 1] at <paramref name="t"/>.</summary>
    public double EffectAt(DateTimeOffset t)
    {
        if (t < Start)
        {
            return 0;
        }

        if (t >= FullEffectAt)
        {
            return 1;
        }

        return (t - Start).TotalSeconds / (FullEffectAt - Start).TotalSeconds;
    }

    /// <summary>Whether the change concerns this site and model.</summary>
    public bool Applies(string site, string model) => (Model is null || model == Model) && (Site is null || Site == site);
}

/// <summary>
/// The images change: a firmware update or a slow detector drift. Feature means move by the given number of
/// the scanner's standard deviations, the embedding moves by a fixed vector, and AUROC changes by an offset.
/// </summary>
public sealed record AcquisitionShift : Change
{
    /// <summary>Only scanners of this manufacturer (null: all of the site's scanners for the model).</summary>
    public string? Manufacturer { get; init; }

    /// <summary>Feature → mean shift in standard deviations at full effect.</summary>
    public required IReadOnlyDictionary<string, double> FeatureShiftSd { get; init; }

    /// <summary>Length of the embedding shift vector at full effect (embedding noise has SD 0.35 per component).</summary>
    public double EmbeddingShift { get; init; }

    /// <summary>AUROC offset at full effect (negative: the model does worse on the new images).</summary>
    public double AurocOffset { get; init; }
}

/// <summary>Children's studies are sent to an adult model.</summary>
public sealed record PaediatricMix : Change
{
    /// <summary>Fraction of the model's studies at the site that are paediatric at full effect.</summary>
    public required double Fraction { get; init; }
}

/// <summary>A view the model was not deployed for starts arriving (lateral chest films).</summary>
public sealed record ViewMix : Change
{
    /// <summary>DICOM ViewPosition added.</summary>
    public required string ViewPosition { get; init; }

    /// <summary>Protocol name of the new view.</summary>
    public required string Protocol { get; init; }

    /// <summary>Fraction of the site's studies for the model with the new view at full effect.</summary>
    public required double Fraction { get; init; }
}

/// <summary>
/// The model's sensitivity decays for one subgroup: the positives' separation shrinks so that sensitivity at the
/// operating threshold falls by <see cref="Drop"/> on every label; specificity is unchanged.
/// </summary>
public sealed record SubgroupSensitivityDrop : Change
{
    /// <summary>Subgroup attribute: <c>sex</c>, <c>ageBand</c>, <c>ethnicity</c>, <c>site</c>, <c>manufacturer</c>, <c>viewPosition</c>.</summary>
    public required string Attribute { get; init; }

    /// <summary>Subgroup value.</summary>
    public required string Value { get; init; }

    /// <summary>Absolute sensitivity drop at full effect (0.10 = ten points).</summary>
    public required double Drop { get; init; }
}

/// <summary>A label becomes more common (an outbreak), with more studies and more portable films.</summary>
public sealed record PrevalenceShift : Change
{
    /// <summary>Label affected.</summary>
    public required string Label { get; init; }

    /// <summary>Prevalence multiplier at full effect.</summary>
    public required double Multiplier { get; init; }

    /// <summary>Study volume multiplier at full effect.</summary>
    public double VolumeMultiplier { get; init; } = 1;

    /// <summary>Absolute increase of the AP share at full effect.</summary>
    public double ApShareIncrease { get; init; }
}

/// <summary>A new site starts sending; its volume ramps up to full between start and full effect.</summary>
public sealed record SiteOnboarding : Change
{
    /// <summary>The joining site (in the manifest in full: population mixes, scanners, conventions).</summary>
    public required SiteProfile Profile { get; init; }

    /// <summary>Population summary for the manifest.</summary>
    public string Population => $"ethnicity {Summarise(Profile.Ethnicity)}; ages {Summarise(Profile.AdultAgeBands)}; prevalence x{Profile.PrevalenceMultiplier}; scanners {string.Join(", ", Profile.Scanners.Select(s => s.Scanner.Manufacturer + " " + s.Scanner.ModelName).Distinct())}";

    private static string Summarise(IReadOnlyList<Weighted> mix)
    {
        var total = mix.Sum(w => w.Weight);
        return string.Join(" ", mix.Where(w => w.Weight > 0).Select(w => $"{w.Value ?? "not-recorded"}={w.Weight / total:0.00}"));
    }
}
