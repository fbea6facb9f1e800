namespace Monitoring.Simulator.Generation;

/// <summary>Which patient population a model sees (mammography screening sees women aged 40–75).</summary>
public enum PopulationKind
{
    /// <summary>General adult population of the site.</summary>
    General,

    /// <summary>Breast screening population.</summary>
    BreastScreening,
}

/// <summary>One output label of a model.</summary>
/// <param name="Name">Label name, e.g. <c>pneumothorax</c>.</param>
/// <param name="Mapping">Fixed score mapping (reference prevalence, reference AUROC, threshold).</param>
public sealed record LabelSpec(string Name, ScoreMapping Mapping);

/// <summary>A view the model is deployed for, with its share of studies and the protocol name sites use.</summary>
/// <param name="ViewPosition">DICOM ViewPosition.</param>
/// <param name="Share">Share of the model's studies at a typical site.</param>
/// <param name="Protocol">DICOM ProtocolName used for it.</param>
public sealed record ViewSpec(string ViewPosition, double Share, string Protocol);

/// <summary>A deployed model and its traffic.</summary>
public sealed record ModelSpec
{
    /// <summary>Position in the catalog (keys the random sub-streams).</summary>
    public required int Index { get; init; }

    /// <summary>Model id, e.g. <c>cxr-triage</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Model version.</summary>
    public required string Version { get; init; }

    /// <summary>Modalities of the studies it reads (a site's scanners decide which).</summary>
    public required IReadOnlyList<string> Modalities { get; init; }

    /// <summary>DICOM BodyPartExamined.</summary>
    public required string BodyPartExamined { get; init; }

    /// <summary>Views it is deployed for.</summary>
    public required IReadOnlyList<ViewSpec> Views { get; init; }

    /// <summary>Output labels; all share <see cref="Threshold"/>.</summary>
    public required IReadOnlyList<LabelSpec> Labels { get; init; }

    /// <summary>Operating threshold on every label's score.</summary>
    public double Threshold => Labels[0].Mapping.Threshold;

    /// <summary>Studies per day at a site of size 1 (before diurnal and weekday modulation).</summary>
    public required double StudiesPerDay { get; init; }

    /// <summary>Weekend volume relative to a weekday (screening stops at weekends, emergencies do not).</summary>
    public required double WeekendFactor { get; init; }

    /// <summary>Population the model sees.</summary>
    public required PopulationKind Population { get; init; }

    /// <summary>Median inference latency in ms.</summary>
    public required double MedianLatencyMs { get; init; }

    /// <summary>Fraction of inferences that ever receive ground truth.</summary>
    public required double GroundTruthFraction { get; init; }

    /// <summary>How truth arrives: source name, share, median delay in hours, log-scale spread.</summary>
    public required IReadOnlyList<TruthSource> TruthSources { get; init; }

    /// <summary>Reference for the model.</summary>
    public ModelRefKey Ref => new(Id, Version);
}

/// <summary>Model id and version.</summary>
/// <param name="Id">Id.</param>
/// <param name="Version">Version.</param>
public readonly record struct ModelRefKey(string Id, string Version);

/// <summary>A source of ground truth and its delay distribution (log-normal).</summary>
/// <param name="Source">Contract value: <c>radiology-report</c>, <c>pathology</c>, <c>follow-up</c>, <c>consensus</c>.</param>
/// <param name="Share">Share of labelled cases from this source.</param>
/// <param name="MedianDelayHours">Median delay after the inference.</param>
/// <param name="Sigma">Log-scale standard deviation of the delay.</param>
/// <param name="PositiveOnly">Only positive cases go this way (pathology follows a suspicious finding).</param>
public sealed record TruthSource(string Source, double Share, double MedianDelayHours, double Sigma, bool PositiveOnly = false);

/// <summary>The three models of the default deployment.</summary>
public static class ModelCatalog
{
    /// <summary>Chest X-ray triage on CR/DX chest PA/AP.</summary>
    public static ModelSpec CxrTriage { get; } = new()
    {
        Index = 0,
        Id = "cxr-triage",
        Version = "2.3.1",
        Modalities = ["DX", "CR"],
        BodyPartExamined = "CHEST",
        Views = [new("PA", 0.62, "CHEST PA"), new("AP", 0.38, "CHEST AP PORTABLE")],
        Labels =
        [
            new("pneumothorax", new ScoreMapping(0.04, 0.93, 0.08)),
            new("pleural-effusion", new ScoreMapping(0.12, 0.91, 0.08)),
            new("consolidation", new ScoreMapping(0.10, 0.87, 0.08)),
        ],
        StudiesPerDay = 420,
        WeekendFactor = 0.7,
        Population = PopulationKind.General,
        MedianLatencyMs = 180,
        GroundTruthFraction = 0.35,
        TruthSources = [new("radiology-report", 0.85, 8, 0.8), new("follow-up", 0.15, 96, 0.6)],
    };

    /// <summary>Mammography screening on MG CC/MLO.</summary>
    public static ModelSpec MammoScreen { get; } = new()
    {
        Index = 1,
        Id = "mammo-screen",
        Version = "1.4.0",
        Modalities = ["MG"],
        BodyPartExamined = "BREAST",
        Views = [new("CC", 0.5, "MAMMO SCREENING"), new("MLO", 0.5, "MAMMO SCREENING")],
        Labels = [new("malignancy", new ScoreMapping(0.03, 0.90, 0.05))],
        StudiesPerDay = 140,
        WeekendFactor = 0.1,
        Population = PopulationKind.BreastScreening,
        MedianLatencyMs = 350,
        GroundTruthFraction = 0.5,
        TruthSources = [new("consensus", 0.8, 48, 0.5), new("pathology", 0.2, 144, 0.4, PositiveOnly: true)],
    };

    /// <summary>CT chest findings.</summary>
    public static ModelSpec CtChest { get; } = new()
    {
        Index = 2,
        Id = "ct-chest",
        Version = "3.0.2",
        Modalities = ["CT"],
        BodyPartExamined = "CHEST",
        // CT has no DICOM ViewPosition: sent empty, as scanners do; the protocol tells routine from low-dose.
        Views = [new("", 0.7, "CT CHEST WO CONTRAST"), new("", 0.3, "CT CHEST LOW DOSE SCREENING")],
        Labels =
        [
            new("lung-nodule", new ScoreMapping(0.20, 0.89, 0.15)),
            new("emphysema", new ScoreMapping(0.15, 0.92, 0.15)),
        ],
        StudiesPerDay = 160,
        WeekendFactor = 0.6,
        Population = PopulationKind.General,
        MedianLatencyMs = 900,
        GroundTruthFraction = 0.4,
        TruthSources = [new("radiology-report", 0.7, 12, 0.7), new("follow-up", 0.3, 240, 0.5)],
    };

    /// <summary>All models, by index.</summary>
    public static IReadOnlyList<ModelSpec> All { get; } = [CxrTriage, MammoScreen, CtChest];

    /// <summary>Finds a model by id.</summary>
    public static ModelSpec Get(string id) =>
        All.FirstOrDefault(m => m.Id == id) ?? throw new ArgumentException($"Unknown model '{id}'. Known: {string.Join(", ", All.Select(m => m.Id))}.", nameof(id));
}
