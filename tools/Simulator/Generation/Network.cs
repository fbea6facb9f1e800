namespace Monitoring.Simulator.Generation;

/// <summary>How a site reports patient age: as an age band or as a DICOM age string (AS).</summary>
public enum AgeReporting
{
    /// <summary><c>ageBand</c>: 0-17, 18-39, 40-64, 65+.</summary>
    AgeBand,

    /// <summary><c>age</c>: DICOM AS, e.g. <c>043Y</c>, <c>018M</c>.</summary>
    DicomAge,
}

/// <summary>A weighted category (a null value means "not recorded").</summary>
/// <param name="Value">Category value.</param>
/// <param name="Weight">Relative weight.</param>
public sealed record Weighted(string? Value, double Weight);

/// <summary>A scanner installed at a site for a model's studies.</summary>
/// <param name="ModelId">Model whose studies it acquires.</param>
/// <param name="Scanner">Scanner model.</param>
/// <param name="Share">Relative share of the studies it can take.</param>
/// <param name="Views">Views it acquires (null: any).</param>
public sealed record ScannerInstall(string ModelId, ScannerModel Scanner, double Share, IReadOnlyList<string>? Views = null)
{
    /// <summary>Whether it acquires the view.</summary>
    public bool Takes(string view) => Views is null || Views.Contains(view);
}

/// <summary>A hospital site: size, population, scanners, conventions.</summary>
public sealed record SiteProfile
{
    /// <summary>Site code sent in <c>site</c>.</summary>
    public required string Code { get; init; }

    /// <summary>Volume relative to a site of size 1.</summary>
    public required double Size { get; init; }

    /// <summary>How the site reports age.</summary>
    public required AgeReporting AgeReporting { get; init; }

    /// <summary>Patient sex mix (DICOM M/F/O/U).</summary>
    public required IReadOnlyList<Weighted> Sex { get; init; }

    /// <summary>Ethnicity mix (null value: not recorded).</summary>
    public required IReadOnlyList<Weighted> Ethnicity { get; init; }

    /// <summary>Adult age-band mix: 18-39, 40-64, 65+.</summary>
    public required IReadOnlyList<Weighted> AdultAgeBands { get; init; }

    /// <summary>Multiplier on every label's reference prevalence (a tertiary centre sees sicker patients).</summary>
    public required double PrevalenceMultiplier { get; init; }

    /// <summary>Share of chest radiographs taken AP (portable) rather than PA.</summary>
    public required double ApShare { get; init; }

    /// <summary>Installed scanners.</summary>
    public required IReadOnlyList<ScannerInstall> Scanners { get; init; }

    /// <summary>Whether the site fills DICOM ProtocolName.</summary>
    public bool SendsProtocol { get; init; } = true;

    /// <summary>Site-specific prefix of protocol names (sites name protocols differently).</summary>
    public string ProtocolPrefix { get; init; } = "";

    /// <summary>Number of readers (radiologists) giving feedback.</summary>
    public required int Readers { get; init; }

    /// <summary>Scanners for a model.</summary>
    public IEnumerable<ScannerInstall> ScannersFor(string modelId) => Scanners.Where(s => s.ModelId == modelId);
}

/// <summary>The default hospital network: four site archetypes, repeated for more sites.</summary>
public static class HospitalNetwork
{
    private static readonly string[] Ethnicities = ["white", "black", "asian", "hispanic", "other"];

    private static IReadOnlyList<Weighted> Mix(string?[] values, params double[] weights) =>
        values.Select((v, i) => new Weighted(v, weights[i])).ToArray();

    private static IReadOnlyList<Weighted> EthnicityMix(double white, double black, double asian, double hispanic, double other, double notRecorded) =>
        [.. Mix(Ethnicities, white, black, asian, hispanic, other), new Weighted(null, notRecorded)];

    private static IReadOnlyList<Weighted> AgeMix(double young, double middle, double old) =>
        Mix(["18-39", "40-64", "65+"], young, middle, old);

    private static readonly IReadOnlyList<Weighted> DefaultSex = Mix(["F", "M", "O", "U"], 0.51, 0.48, 0.004, 0.006);

    /// <summary>Code of the site at a position: site-a … site-z, then site-27, site-28, …</summary>
    public static string SiteCode(int index) => index < 26 ? $"site-{(char)('a' + index)}" : $"site-{index + 1}";

    private static SiteProfile Archetype(int archetype, string code, double sizeFactor) => archetype switch
    {
        // Urban teaching hospital: diverse, older and sicker patients, many portable films.
        0 => new SiteProfile
        {
            Code = code, Size = 1.0 * sizeFactor, AgeReporting = AgeReporting.DicomAge, Sex = DefaultSex,
            Ethnicity = EthnicityMix(0.42, 0.22, 0.16, 0.14, 0.04, 0.02), AdultAgeBands = AgeMix(0.28, 0.40, 0.32),
            PrevalenceMultiplier = 1.25, ApShare = 0.45, Readers = 12,
            Scanners =
            [
                new("cxr-triage", ScannerCatalog.GeDefinium, 1.0, ["PA", "LL"]),
                new("cxr-triage", ScannerCatalog.GeOptimaMobile, 1.0, ["AP"]),
                new("mammo-screen", ScannerCatalog.HologicSelenia, 0.7),
                new("mammo-screen", ScannerCatalog.GePristina, 0.3),
                new("ct-chest", ScannerCatalog.SiemensSomatom, 0.6),
                new("ct-chest", ScannerCatalog.GeRevolution, 0.4),
            ],
        },
        // Community hospital: mostly Siemens, reports age bands.
        1 => new SiteProfile
        {
            Code = code, Size = 0.6 * sizeFactor, AgeReporting = AgeReporting.AgeBand, Sex = DefaultSex,
            Ethnicity = EthnicityMix(0.68, 0.10, 0.08, 0.10, 0.03, 0.01), AdultAgeBands = AgeMix(0.22, 0.38, 0.40),
            PrevalenceMultiplier = 1.0, ApShare = 0.35, Readers = 6, ProtocolPrefix = "XR ",
            Scanners =
            [
                new("cxr-triage", ScannerCatalog.SiemensYsio, 1.0, ["PA", "LL"]),
                new("cxr-triage", ScannerCatalog.SiemensMobilett, 1.0, ["AP"]),
                new("mammo-screen", ScannerCatalog.SiemensMammomat, 1.0),
                new("ct-chest", ScannerCatalog.PhilipsIngenuity, 1.0),
            ],
        },
        // Suburban hospital: a DX room plus an older CR reader for everything.
        2 => new SiteProfile
        {
            Code = code, Size = 0.8 * sizeFactor, AgeReporting = AgeReporting.DicomAge, Sex = DefaultSex,
            Ethnicity = EthnicityMix(0.50, 0.12, 0.22, 0.11, 0.05, 0.0), AdultAgeBands = AgeMix(0.30, 0.42, 0.28),
            PrevalenceMultiplier = 0.9, ApShare = 0.30, Readers = 9,
            Scanners =
            [
                new("cxr-triage", ScannerCatalog.PhilipsDigitalDiagnost, 0.6, ["PA", "LL"]),
                new("cxr-triage", ScannerCatalog.FujiCapsula, 0.4),
                new("mammo-screen", ScannerCatalog.FujiAmulet, 1.0),
                new("ct-chest", ScannerCatalog.GeRevolution, 1.0),
            ],
        },
        // Rural hospital: small, old population, no ProtocolName, CR for portables.
        _ => new SiteProfile
        {
            Code = code, Size = 0.4 * sizeFactor, AgeReporting = AgeReporting.AgeBand, Sex = DefaultSex,
            Ethnicity = EthnicityMix(0.82, 0.05, 0.03, 0.06, 0.02, 0.02), AdultAgeBands = AgeMix(0.18, 0.37, 0.45),
            PrevalenceMultiplier = 1.1, ApShare = 0.40, Readers = 4, SendsProtocol = false,
            Scanners =
            [
                new("cxr-triage", ScannerCatalog.CarestreamDrx, 1.0),
                new("cxr-triage", ScannerCatalog.AgfaCr30, 0.5, ["AP"]),
                new("mammo-screen", ScannerCatalog.GePristina, 1.0),
                new("ct-chest", ScannerCatalog.CanonAquilion, 1.0),
            ],
        },
    };

    /// <summary>The first <paramref name="count"/> sites: archetypes 0–3 cycled, later cycles 10 % smaller each.</summary>
    public static IReadOnlyList<SiteProfile> Sites(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Enumerable.Range(0, count)
            .Select(i => Archetype(i % 4, SiteCode(i), Math.Pow(0.9, i / 4)))
            .ToArray();
    }

    /// <summary>
    /// The site that joins in the new-site scenario: younger, mostly Asian and Hispanic population, higher
    /// prevalence, and Canon, Planmed and United Imaging scanners no other site has.
    /// </summary>
    public static SiteProfile NewSite(string code) => new()
    {
        Code = code, Size = 0.7, AgeReporting = AgeReporting.DicomAge, Sex = Mix(["F", "M", "O", "U"], 0.49, 0.50, 0.005, 0.005),
        Ethnicity = EthnicityMix(0.22, 0.13, 0.38, 0.22, 0.05, 0.0), AdultAgeBands = AgeMix(0.42, 0.40, 0.18),
        PrevalenceMultiplier = 1.4, ApShare = 0.25, Readers = 5, ProtocolPrefix = "RAD ",
        Scanners =
        [
            new("cxr-triage", ScannerCatalog.CanonCxdi, 1.0),
            new("mammo-screen", ScannerCatalog.PlanmedClarity, 1.0),
            new("ct-chest", ScannerCatalog.UnitedImagingUct, 1.0),
        ],
    };
}
