using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Scenarios;

/// <summary>
/// Planning numbers for the manifest: expected traffic rates from the catalog, and the deadline by which a
/// finding should be raised given the evidence a reasonable detector needs.
/// Deadlines are estimates, stated with their basis, not measurements.
/// </summary>
internal sealed class Planner(ScenarioContext context, DateTimeOffset start, DateTimeOffset fullEffectAt, SiteProfile? extraSite = null)
{
    /// <summary>Affected inferences a windowed two-sample test needs for a shift of about 1 SD or a new category of ≥ 10 % share: one typical window.</summary>
    public const int ShiftEvidence = 300;

    /// <summary>Floor on the labelled positives a performance finding needs.</summary>
    public const int MinimumPositives = 50;

    /// <summary>One-sided significance level of the planning test for a sensitivity drop.</summary>
    public const double PerformanceAlpha = 0.01;

    /// <summary>Power of the planning test for a sensitivity drop.</summary>
    public const double PerformancePower = 0.8;

    /// <summary>
    /// Labelled positives needed to see sensitivity fall from p₀ to p₁ = p₀ − Δ with a one-sided test:
    /// n = ((z_α √(p₀q₀) + z_β √(p₁q₁)) / Δ)², α = 0.01, power 0.8 (e.g. 0.88 → 0.78: 121), and at least
    /// <see cref="MinimumPositives"/>, a typical minimum sample below which a detector reports insufficient evidence.
    /// </summary>
    public static int PositivesNeeded(double p0, double drop)
    {
        var p1 = Math.Max(1e-3, p0 - drop);
        var za = Normal.Quantile(1 - PerformanceAlpha);
        var zb = Normal.Quantile(PerformancePower);
        var n = (za * Math.Sqrt(p0 * (1 - p0)) + zb * Math.Sqrt(p1 * (1 - p1))) / Math.Max(drop, 1e-3);
        return Math.Max(MinimumPositives, (int)Math.Ceiling(n * n));
    }

    private double RampHours => (fullEffectAt - start).TotalHours;

    private IEnumerable<SiteProfile> AllSites => extraSite is null ? context.Sites : context.Sites.Append(extraSite);

    /// <summary>Expected inferences per hour (weekly average) for a model, optionally restricted to a site, a subgroup and a manufacturer.</summary>
    public double Rate(string? site, string modelId, string? attribute = null, string? value = null, string? manufacturer = null) =>
        Rate(site, modelId, attribute, value, manufacturer, weightByPrevalence: false);

    private double Rate(string? site, string modelId, string? attribute, string? value, string? manufacturer, bool weightByPrevalence)
    {
        var model = context.Models.First(m => m.Id == modelId);
        var weekly = (5 + 2 * model.WeekendFactor) / 7;
        return AllSites
            .Where(s => site is null || s.Code == site)
            .Sum(s => model.StudiesPerDay * s.Size * context.Volume * weekly / 24 * Share(s, model, attribute, value)
                * ManufacturerShare(s, model, manufacturer) * (weightByPrevalence ? s.PrevalenceMultiplier : 1));
    }

    private static double ManufacturerShare(SiteProfile site, ModelSpec model, string? manufacturer)
    {
        if (manufacturer is null)
        {
            return 1;
        }

        var installs = site.ScannersFor(model.Id).ToArray();
        return installs.Where(i => i.Scanner.Manufacturer == manufacturer).Sum(i => i.Share) / installs.Sum(i => i.Share);
    }

    private static double Share(SiteProfile site, ModelSpec model, string? attribute, string? value)
    {
        static double Of(IReadOnlyList<Weighted> mix, string? v) => mix.Where(w => w.Value == v).Sum(w => w.Weight) / mix.Sum(w => w.Weight);
        return attribute switch
        {
            null => 1,
            "sex" => model.Population == PopulationKind.BreastScreening ? (value == "F" ? 1 : 0) : Of(site.Sex, value),
            "ethnicity" => Of(site.Ethnicity, value),
            "ageBand" => Of(site.AdultAgeBands, value),
            "site" => site.Code == value ? 1 : 0,
            _ => 1,
        };
    }

    /// <summary>A label-free distribution shift: detectable once <see cref="ShiftEvidence"/> affected inferences arrived after the effect reached <paramref name="rampFraction"/>.</summary>
    public ExpectedFinding Shift(string kind, string signal, string model, string? site, IReadOnlyDictionary<string, string> subgroup, double ratePerHour, double rampFraction = 0)
    {
        var hours = rampFraction * RampHours + ShiftEvidence / Math.Max(ratePerHour, 1e-9);
        var basis = rampFraction > 0
            ? $"{ShiftEvidence} inferences after the change reaches {rampFraction:P0} of full effect, at ~{ratePerHour:0.#}/h"
            : $"{ShiftEvidence} affected inferences (one typical window) at ~{ratePerHour:0.#}/h";
        return Expect(kind, signal, model, site, subgroup, hours, basis);
    }

    /// <summary>
    /// A label-based distribution shift (prevalence): detectable once <see cref="ShiftEvidence"/> labelled
    /// inferences arrived after the effect reached <paramref name="rampFraction"/>, plus the median label delay.
    /// </summary>
    public ExpectedFinding Labelled(string kind, string signal, string modelId, double ratePerHour, double rampFraction)
    {
        var model = context.Models.First(m => m.Id == modelId);
        var labelledPerHour = ratePerHour * model.GroundTruthFraction;
        var medianDelay = MedianDelay(model);
        var hours = rampFraction * RampHours + medianDelay + ShiftEvidence / Math.Max(labelledPerHour, 1e-9);
        var basis = $"{ShiftEvidence} labelled inferences after the change reaches {rampFraction:P0} of full effect, at ~{labelledPerHour:0.#}/h (median label delay {medianDelay:0} h)";
        return Expect(kind, signal, modelId, null, new SortedDictionary<string, string>(StringComparer.Ordinal), hours, basis);
    }

    private static double MedianDelay(ModelSpec model) => model.TruthSources.OrderByDescending(s => s.Share).First().MedianDelayHours;

    /// <summary>
    /// A labelled-performance finding: detectable once <see cref="PositivesNeeded"/> labelled positives of the
    /// subgroup (on the model's most prevalent label) arrived after full effect, plus the median label delay.
    /// </summary>
    /// <param name="modelId">Model.</param>
    /// <param name="site">Site (null: network).</param>
    /// <param name="subgroup">Subgroup reported in the finding.</param>
    /// <param name="ratePerHour">Inferences per hour of the subgroup (for subgroups the planner cannot derive, such as views or children).</param>
    /// <param name="kind">Finding kind.</param>
    /// <param name="signal">Signal prefix; the label is appended (<c>performance:sensitivity:pleural-effusion</c>), as the DriftDetector names it.</param>
    /// <param name="population">Attribute and value to weight by site prevalence multipliers, when the subgroup is a demographic one.</param>
    /// <param name="sensitivityDrop">Sensitivity drop of the label, or null to derive it from <paramref name="aurocOffset"/>.</param>
    /// <param name="aurocOffset">AUROC offset the subgroup gets (paediatric, lateral), used when <paramref name="sensitivityDrop"/> is null.</param>
    public ExpectedFinding Performance(string modelId, string? site, IReadOnlyDictionary<string, string> subgroup, double ratePerHour,
        string kind = "performance-decay", string signal = "performance:sensitivity", (string Attribute, string Value)? population = null,
        double? sensitivityDrop = null, double aurocOffset = 0)
    {
        var model = context.Models.First(m => m.Id == modelId);
        var label = model.Labels.MaxBy(l => l.Mapping.ReferencePrevalence)!;
        var mapping = label.Mapping;
        var p0 = mapping.Sensitivity(mapping.ReferenceSeparation);
        var drop = sensitivityDrop
            ?? p0 - mapping.Sensitivity(Binormal.SeparationForAuroc(Math.Clamp(mapping.ReferenceAuroc + aurocOffset, GenerationDefaults.MinAuroc, GenerationDefaults.MaxAuroc)));
        var needed = PositivesNeeded(p0, drop);
        var prevalenceWeighted = population is { } p
            ? Rate(site, modelId, p.Attribute, p.Value, null, weightByPrevalence: true)
            : ratePerHour;
        var positivesPerHour = prevalenceWeighted * model.GroundTruthFraction * label.Mapping.ReferencePrevalence;
        var medianDelay = MedianDelay(model);
        var hours = RampHours + medianDelay + needed / Math.Max(positivesPerHour, 1e-9);
        var basis = $"{needed} labelled positives for '{label.Name}' after full effect (sensitivity {p0:0.00} -> {p0 - drop:0.00}; one-sided test, alpha {PerformanceAlpha}, power {PerformancePower}), at ~{positivesPerHour:0.##}/h ({model.GroundTruthFraction:P0} labelled, median delay {medianDelay:0} h)";
        return Expect(kind, $"{signal}:{label.Name}", modelId, site, subgroup, hours, basis);
    }

    private ExpectedFinding Expect(string kind, string signal, string model, string? site, IReadOnlyDictionary<string, string> subgroup, double hours, string basis) =>
        new(kind, signal, model, site, subgroup, Math.Round(hours, 1), basis, start + TimeSpan.FromHours(hours) <= context.End);
}
