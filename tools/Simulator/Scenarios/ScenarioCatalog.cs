using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Scenarios;

/// <summary>What to inject and where; every field has a default.</summary>
public sealed record ScenarioParameters
{
    /// <summary>When the change begins (simulated). Default: the middle of the run.</summary>
    public DateTimeOffset? ChangeStart { get; init; }

    /// <summary>Site for site-specific scenarios. Default: <c>site-b</c> (the second site; the first when there is one).</summary>
    public string? TargetSite { get; init; }

    /// <summary>Model for model-specific scenarios.</summary>
    public string TargetModel { get; init; } = ModelCatalog.CxrTriage.Id;

    /// <summary>Subgroup attribute for <c>subgroup-decay</c>.</summary>
    public string SubgroupAttribute { get; init; } = "ethnicity";

    /// <summary>Subgroup value for <c>subgroup-decay</c>.</summary>
    public string SubgroupValue { get; init; } = "asian";

    /// <summary>Scales every effect size (1 = the documented default).</summary>
    public double Magnitude { get; init; } = 1;

    /// <summary>Overrides the scenario's ramp length in days (0 = step change).</summary>
    public double? RampDays { get; init; }
}

/// <summary>A named scenario: a list of changes.</summary>
/// <param name="Name">Scenario name.</param>
/// <param name="Summary">One line.</param>
/// <param name="Changes">Injected changes (empty for the null scenario).</param>
public sealed record Scenario(string Name, string Summary, IReadOnlyList<Change> Changes);

/// <summary>Context a scenario is built in: the run's period, sites, models and volume.</summary>
/// <param name="Start">Simulated start.</param>
/// <param name="End">Simulated end.</param>
/// <param name="Sites">Sites present from the start.</param>
/// <param name="Models">Models deployed.</param>
/// <param name="Volume">Volume multiplier of the run.</param>
public sealed record ScenarioContext(DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<SiteProfile> Sites, IReadOnlyList<ModelSpec> Models, double Volume);

/// <summary>The scenarios, by name.</summary>
public static class ScenarioCatalog
{
    private sealed record Entry(string Name, string Summary, Func<ScenarioParameters, ScenarioContext, Scenario> Build);

    private static readonly Entry[] Entries =
    [
        new("null", "No change: the false-alarm baseline.", (_, _) => new Scenario("null", "No change: the false-alarm baseline.", [])),
        new("firmware-update", "Scanner firmware update at one site: image features and embedding shift, AUROC -0.03.", FirmwareUpdate),
        new("new-site", "A new site joins with a younger, differently composed population and scanner vendors no other site uses.", NewSite),
        new("paediatric-mix", "Paediatric studies (0-17) mixed into an adult model at one site: 20% of its studies.", PaediatricMix),
        new("lateral-views", "Lateral (LL) chest views sent to a frontal-view model at one site: 25% of its studies.", LateralViews),
        new("subgroup-decay", "Sensitivity decays by 10 points over 7 days for one subgroup (default ethnicity=asian, ~14% of traffic).", SubgroupDecay),
        new("prevalence-shift", "Outbreak: consolidation prevalence x3 at every site over 7 days, volume +30%, more portable films.", PrevalenceShift),
        new("gradual-drift", "Detector ageing at every site: intensity, contrast and noise drift over 28 days, AUROC -0.04.", GradualDrift),
    ];

    // Longer names people reach for; accepted and mapped to the catalog name.
    private static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["subgroup-sensitivity-decay"] = "subgroup-decay",
        ["label-prevalence-shift"] = "prevalence-shift",
        ["outbreak"] = "prevalence-shift",
        ["scanner-firmware-update"] = "firmware-update",
        ["no-change"] = "null",
    };

    /// <summary>The catalog name of a scenario name or alias (unknown names are returned unchanged).</summary>
    public static string Canonical(string name) => Aliases.TryGetValue(name, out var canonical) ? canonical : name;

    /// <summary>Names and one-line summaries, in catalog order.</summary>
    public static IReadOnlyList<(string Name, string Summary)> List => Entries.Select(e => (e.Name, e.Summary)).ToArray();

    /// <summary>Builds a scenario by name.</summary>
    public static Scenario Create(string name, ScenarioParameters parameters, ScenarioContext context)
    {
        name = Canonical(name);
        var entry = Entries.FirstOrDefault(e => e.Name == name)
            ?? throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", Entries.Select(e => e.Name))}.", nameof(name));
        if (name == "null")
        {
            return entry.Build(parameters, context);
        }

        if (parameters.Magnitude is <= 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(parameters), parameters.Magnitude, "Magnitude must be in (0, 10].");
        }

        if (parameters.TargetSite is { } site && context.Sites.All(s => s.Code != site))
        {
            throw new ArgumentException($"Target site '{site}' is not in the network ({string.Join(", ", context.Sites.Select(s => s.Code))}).", nameof(parameters));
        }

        if (context.Models.All(m => m.Id != parameters.TargetModel))
        {
            throw new ArgumentException($"Target model '{parameters.TargetModel}' is not deployed ({string.Join(", ", context.Models.Select(m => m.Id))}).", nameof(parameters));
        }

        var start = parameters.ChangeStart ?? context.Start + (context.End - context.Start) / 2;
        if (start < context.Start || start >= context.End)
        {
            throw new ArgumentOutOfRangeException(nameof(parameters), start, "The change start must fall inside the simulated period.");
        }

        return entry.Build(parameters with { ChangeStart = start }, context);
    }

    private static string Target(ScenarioParameters p, ScenarioContext c) => p.TargetSite ?? c.Sites[Math.Min(1, c.Sites.Count - 1)].Code;

    private static DateTimeOffset FullAt(ScenarioParameters p, double defaultRampDays) =>
        p.ChangeStart!.Value + TimeSpan.FromDays(p.RampDays ?? defaultRampDays);

    private static readonly IReadOnlyDictionary<string, string> Everyone = new SortedDictionary<string, string>(StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, string> Group(string attribute, string value) =>
        new SortedDictionary<string, string>(StringComparer.Ordinal) { [attribute] = value };

    private static Scenario FirmwareUpdate(ScenarioParameters p, ScenarioContext c)
    {
        var site = Target(p, c);
        var profile = c.Sites.First(s => s.Code == site);
        var manufacturer = profile.ScannersFor(p.TargetModel).First().Scanner.Manufacturer;
        var m = p.Magnitude;
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 0);
        var planner = new Planner(c, start, full);
        var rate = planner.Rate(site, p.TargetModel, manufacturer: manufacturer);
        return new Scenario("firmware-update", Entries[1].Summary,
        [
            new AcquisitionShift
            {
                Id = "firmware-update",
                Description = $"{manufacturer} firmware update on the {p.TargetModel} scanners at {site}: new image processing raises mean intensity (+{1.2 * m:0.##} SD) and contrast (+{0.8 * m:0.##} SD), lowers noise (-{0.9 * m:0.##} SD) and exposure index (-{0.6 * m:0.##} SD); the embedding moves; AUROC falls by {0.03 * m:0.###}.",
                Start = start, FullEffectAt = full, Model = p.TargetModel, Site = site, Manufacturer = manufacturer,
                FeatureShiftSd = Shifts(("meanIntensity", 1.2 * m), ("contrast", 0.8 * m), ("noiseLevel", -0.9 * m), ("exposureIndex", -0.6 * m), ("imageQuality", 0.4 * m)),
                EmbeddingShift = 1.2 * m,
                AurocOffset = -0.03 * m,
                Expected =
                [
                    planner.Shift("distribution-shift", "feature:meanIntensity", p.TargetModel, site, Everyone, rate),
                    planner.Shift("distribution-shift", "feature:noiseLevel", p.TargetModel, site, Everyone, rate),
                    planner.Shift("distribution-shift", "embedding", p.TargetModel, site, Everyone, rate),
                ],
            },
        ]);
    }

    private static Scenario NewSite(ScenarioParameters p, ScenarioContext c)
    {
        var code = HospitalNetwork.SiteCode(c.Sites.Count);
        var profile = HospitalNetwork.NewSite(code);
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 3);
        var planner = new Planner(c, start, full, extraSite: profile);
        var expected = c.Models.SelectMany(model => new[]
        {
            planner.Shift("distribution-shift", "study:manufacturer", model.Id, null, Everyone, planner.Rate(code, model.Id), rampFraction: 0.5),
            planner.Shift("distribution-shift", "study:manufacturerModelName", model.Id, null, Everyone, planner.Rate(code, model.Id), rampFraction: 0.5),
        }).ToArray();
        return new Scenario("new-site", Entries[2].Summary,
        [
            new SiteOnboarding
            {
                Id = "new-site",
                Description = $"{code} starts sending at {start:yyyy-MM-dd HH:mm}Z; volume ramps to full over {(full - start).TotalDays:0.#} days. Younger population, Asian and Hispanic patients a majority, prevalence x1.4, Canon radiography, Planmed mammography and United Imaging CT, vendors no other site uses.",
                Start = start, FullEffectAt = full, Site = code, Profile = profile,
                Expected = expected,
            },
        ]);
    }

    private static Scenario PaediatricMix(ScenarioParameters p, ScenarioContext c)
    {
        var site = Target(p, c);
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 0);
        var fraction = Math.Min(0.9, 0.2 * p.Magnitude);
        var planner = new Planner(c, start, full);
        var all = planner.Rate(site, p.TargetModel);
        var children = all * fraction;
        return new Scenario("paediatric-mix", Entries[3].Summary,
        [
            new PaediatricMix
            {
                Id = "paediatric-mix",
                Description = $"{fraction:P0} of {p.TargetModel} studies at {site} are children (ages 0-17, AP-heavy, low kVp and exposure); the model's AUROC is {GenerationDefaults.PaediatricAurocOffset:+0.00;-0.00} lower for them.",
                Start = start, FullEffectAt = full, Model = p.TargetModel, Site = site, Fraction = fraction,
                Expected =
                [
                    planner.Shift("distribution-shift", "feature:kvp", p.TargetModel, site, Everyone, all),
                    planner.Shift("distribution-shift", "feature:exposureIndex", p.TargetModel, site, Everyone, all),
                    planner.Performance(p.TargetModel, site, Group("ageBand", "0-17"), children, aurocOffset: GenerationDefaults.PaediatricAurocOffset),
                ],
            },
        ]);
    }

    private static Scenario LateralViews(ScenarioParameters p, ScenarioContext c)
    {
        var site = Target(p, c);
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 0);
        var fraction = Math.Min(0.9, 0.25 * p.Magnitude);
        var planner = new Planner(c, start, full);
        var all = planner.Rate(site, p.TargetModel);
        return new Scenario("lateral-views", Entries[4].Summary,
        [
            new ViewMix
            {
                Id = "lateral-views",
                Description = $"{site} starts sending lateral chest films (ViewPosition LL, protocol CHEST LAT) to {p.TargetModel}: {fraction:P0} of its studies; the model's AUROC is {GenerationDefaults.LateralAurocOffset:+0.00;-0.00} lower on them.",
                Start = start, FullEffectAt = full, Model = p.TargetModel, Site = site, ViewPosition = "LL", Protocol = "CHEST LAT", Fraction = fraction,
                Expected =
                [
                    planner.Shift("distribution-shift", "study:viewPosition", p.TargetModel, site, Everyone, all),
                    planner.Shift("distribution-shift", "study:protocol", p.TargetModel, site, Everyone, all),
                    planner.Performance(p.TargetModel, site, Group("viewPosition", "LL"), all * fraction, aurocOffset: GenerationDefaults.LateralAurocOffset),
                ],
            },
        ]);
    }

    private static Scenario SubgroupDecay(ScenarioParameters p, ScenarioContext c)
    {
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 7);
        var drop = Math.Min(0.6, 0.10 * p.Magnitude);
        var planner = new Planner(c, start, full);
        var rate = planner.Rate(null, p.TargetModel, p.SubgroupAttribute, p.SubgroupValue);
        var subgroup = Group(p.SubgroupAttribute, p.SubgroupValue);
        return new Scenario("subgroup-decay", Entries[5].Summary,
        [
            new SubgroupSensitivityDrop
            {
                Id = "subgroup-decay",
                Description = $"{p.TargetModel} sensitivity for {p.SubgroupAttribute}={p.SubgroupValue} falls by {drop:0.00} on every label between {start:yyyy-MM-dd} and {full:yyyy-MM-dd}; specificity and every other subgroup unchanged.",
                Start = start, FullEffectAt = full, Model = p.TargetModel, Attribute = p.SubgroupAttribute, Value = p.SubgroupValue, Drop = drop,
                Expected =
                [
                    planner.Performance(p.TargetModel, null, subgroup, rate, population: (p.SubgroupAttribute, p.SubgroupValue), sensitivityDrop: drop),
                    planner.Performance(p.TargetModel, null, subgroup, rate, kind: "fairness-gap", signal: "fairness:equalized-odds", population: (p.SubgroupAttribute, p.SubgroupValue), sensitivityDrop: drop),
                ],
            },
        ]);
    }

    private static Scenario PrevalenceShift(ScenarioParameters p, ScenarioContext c)
    {
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 7);
        var model = c.Models.First(x => x.Id == p.TargetModel);
        var label = model.Labels.FirstOrDefault(l => l.Name == "consolidation")?.Name ?? model.Labels[^1].Name;
        var multiplier = 1 + 2 * p.Magnitude;
        var planner = new Planner(c, start, full);
        var rate = planner.Rate(null, p.TargetModel);
        return new Scenario("prevalence-shift", Entries[6].Summary,
        [
            new PrevalenceShift
            {
                Id = "prevalence-shift",
                Description = $"Respiratory outbreak: {label} prevalence for {p.TargetModel} rises x{multiplier:0.#} at every site between {start:yyyy-MM-dd} and {full:yyyy-MM-dd}; study volume +{30 * p.Magnitude:0}%, AP share +{0.15 * p.Magnitude:0.00}.",
                Start = start, FullEffectAt = full, Model = p.TargetModel, Label = label, Multiplier = multiplier,
                VolumeMultiplier = 1 + 0.3 * p.Magnitude, ApShareIncrease = 0.15 * p.Magnitude,
                Expected =
                [
                    planner.Shift("distribution-shift", $"score:{label}", p.TargetModel, null, Everyone, rate, rampFraction: 0.4),
                    planner.Shift("distribution-shift", $"rate:predicted-positive:{label}", p.TargetModel, null, Everyone, rate, rampFraction: 0.4),
                    planner.Labelled("distribution-shift", $"label:prevalence:{label}", p.TargetModel, rate, rampFraction: 0.4),
                ],
            },
        ]);
    }

    private static Scenario GradualDrift(ScenarioParameters p, ScenarioContext c)
    {
        var start = p.ChangeStart!.Value;
        var full = FullAt(p, 28);
        var m = p.Magnitude;
        var planner = new Planner(c, start, full);
        var rate = planner.Rate(null, p.TargetModel);
        return new Scenario("gradual-drift", Entries[7].Summary,
        [
            new AcquisitionShift
            {
                Id = "gradual-drift",
                Description = $"Detector ageing on every {p.TargetModel} scanner: mean intensity -{1.5 * m:0.##} SD, contrast -{1.0 * m:0.##} SD, noise +{1.2 * m:0.##} SD reached linearly between {start:yyyy-MM-dd} and {full:yyyy-MM-dd}; AUROC -{0.04 * m:0.###} at full effect.",
                Start = start, FullEffectAt = full, Model = p.TargetModel,
                FeatureShiftSd = Shifts(("meanIntensity", -1.5 * m), ("contrast", -1.0 * m), ("noiseLevel", 1.2 * m), ("imageQuality", -0.8 * m)),
                EmbeddingShift = 1.0 * m,
                AurocOffset = -0.04 * m,
                Expected =
                [
                    planner.Shift("distribution-shift", "feature:meanIntensity", p.TargetModel, null, Everyone, rate, rampFraction: 0.25),
                    planner.Shift("distribution-shift", "feature:noiseLevel", p.TargetModel, null, Everyone, rate, rampFraction: 0.25),
                ],
            },
        ]);
    }

    private static IReadOnlyDictionary<string, double> Shifts(params (string Name, double Sd)[] shifts)
    {
        var map = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, sd) in shifts)
        {
            map[name] = sd;
        }

        return map;
    }
}
