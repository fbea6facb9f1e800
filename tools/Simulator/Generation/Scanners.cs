namespace Monitoring.Simulator.Generation;

/// <summary>Distribution of one numeric image feature on one scanner (normal, clipped to [Min, Max]).</summary>
/// <param name="Name">Feature name as sent in <c>features</c>.</param>
/// <param name="Mean">Mean.</param>
/// <param name="Sd">Standard deviation.</param>
/// <param name="Decimals">Decimals kept on the wire.</param>
/// <param name="Min">Lower clip.</param>
/// <param name="Max">Upper clip.</param>
public sealed record FeatureSpec(string Name, double Mean, double Sd, int Decimals, double Min = 0, double Max = double.MaxValue);

/// <summary>A scanner model with its DICOM identity and the distribution of its image features.</summary>
/// <param name="Manufacturer">DICOM Manufacturer.</param>
/// <param name="ModelName">DICOM ManufacturerModelName.</param>
/// <param name="Modality">DICOM Modality.</param>
/// <param name="Features">Feature distributions, in wire order (sorted by name when written).</param>
public sealed record ScannerModel(string Manufacturer, string ModelName, string Modality, IReadOnlyList<FeatureSpec> Features)
{
    /// <summary>Mean and SD of a feature.</summary>
    public FeatureSpec Feature(string name) => Features.First(f => f.Name == name);
}

/// <summary>
/// Scanner catalog. Feature values are normalised image statistics (intensity, contrast, noise, sharpness in
/// [0, 1] units of the model's pre-processing) and acquisition parameters (kVp, exposure index per IEC 62494-1,
/// CTDIvol, slice thickness, compression), with per-vendor differences of the size seen between vendors in
/// practice (intensity means 0.42–0.52).
/// </summary>
public static class ScannerCatalog
{
    private static IReadOnlyList<FeatureSpec> Radiography(double intensity, double contrast, double noise, double sharpness, double exposureIndex, double kvp) =>
    [
        new("imageQuality", 0.86 - noise * 2, 0.05, 4, 0, 1),
        new("meanIntensity", intensity, 0.045, 4, 0, 1),
        new("contrast", contrast, 0.035, 4, 0, 1),
        new("noiseLevel", noise, 0.004, 5, 0, 1),
        new("sharpness", sharpness, 0.05, 4, 0, 1),
        new("exposureIndex", exposureIndex, 60, 0, 50, 3000),
        new("kvp", kvp, 4, 0, 40, 150),
    ];

    private static IReadOnlyList<FeatureSpec> Mammography(double intensity, double contrast, double noise, double kvp) =>
    [
        new("imageQuality", 0.9 - noise * 2, 0.04, 4, 0, 1),
        new("meanIntensity", intensity, 0.04, 4, 0, 1),
        new("contrast", contrast, 0.03, 4, 0, 1),
        new("noiseLevel", noise, 0.003, 5, 0, 1),
        new("sharpness", 0.8, 0.04, 4, 0, 1),
        new("kvp", kvp, 1.5, 0, 20, 40),
        new("compressionForceN", 105, 22, 0, 30, 250),
        new("breastThicknessMm", 56, 12, 0, 15, 120),
    ];

    private static IReadOnlyList<FeatureSpec> Ct(double intensity, double noise, double sliceThickness) =>
    [
        new("imageQuality", 0.88 - noise, 0.04, 4, 0, 1),
        new("meanIntensity", intensity, 0.03, 4, 0, 1),
        new("contrast", 0.42, 0.03, 4, 0, 1),
        new("noiseLevel", noise, 0.008, 5, 0, 1),
        new("sharpness", 0.76, 0.04, 4, 0, 1),
        new("kvp", 120, 3, 0, 70, 140),
        new("ctdiVolMGy", 7.5, 1.8, 2, 0.3, 40),
        new("sliceThicknessMm", sliceThickness, 0.0001, 2, 0.5, 5),
    ];

    /// <summary>GE Definium 656 (DX).</summary>
    public static ScannerModel GeDefinium { get; } = new("GE MEDICAL SYSTEMS", "Definium 656", "DX", Radiography(0.46, 0.31, 0.018, 0.72, 420, 120));

    /// <summary>GE Optima XR240amx mobile (DX), used for portable AP.</summary>
    public static ScannerModel GeOptimaMobile { get; } = new("GE MEDICAL SYSTEMS", "Optima XR240amx", "DX", Radiography(0.47, 0.28, 0.022, 0.66, 450, 95));

    /// <summary>Siemens Ysio Max (DX).</summary>
    public static ScannerModel SiemensYsio { get; } = new("SIEMENS", "Ysio Max", "DX", Radiography(0.43, 0.29, 0.016, 0.75, 380, 125));

    /// <summary>Siemens Mobilett Elara Max (DX, mobile).</summary>
    public static ScannerModel SiemensMobilett { get; } = new("SIEMENS", "Mobilett Elara Max", "DX", Radiography(0.44, 0.27, 0.021, 0.68, 430, 90));

    /// <summary>Philips DigitalDiagnost C90 (DX).</summary>
    public static ScannerModel PhilipsDigitalDiagnost { get; } = new("Philips Medical Systems", "DigitalDiagnost C90", "DX", Radiography(0.48, 0.33, 0.017, 0.73, 400, 120));

    /// <summary>Carestream DRX-Evolution Plus (DX).</summary>
    public static ScannerModel CarestreamDrx { get; } = new("Carestream Health", "DRX-Evolution Plus", "DX", Radiography(0.44, 0.30, 0.019, 0.70, 450, 115));

    /// <summary>Fujifilm FCR Capsula XLII (CR).</summary>
    public static ScannerModel FujiCapsula { get; } = new("FUJIFILM Corporation", "FCR Capsula XLII", "CR", Radiography(0.50, 0.27, 0.024, 0.64, 500, 110));

    /// <summary>Agfa CR 30-X (CR).</summary>
    public static ScannerModel AgfaCr30 { get; } = new("Agfa", "CR 30-X", "CR", Radiography(0.52, 0.26, 0.026, 0.62, 520, 105));

    /// <summary>Canon CXDI-710C Wireless (DX), only at the new site of the new-site scenario.</summary>
    public static ScannerModel CanonCxdi { get; } = new("Canon Inc.", "CXDI-710C Wireless", "DX", Radiography(0.41, 0.34, 0.015, 0.77, 360, 125));

    /// <summary>Hologic Selenia Dimensions (MG).</summary>
    public static ScannerModel HologicSelenia { get; } = new("HOLOGIC, Inc.", "Selenia Dimensions", "MG", Mammography(0.38, 0.45, 0.012, 29));

    /// <summary>GE Senographe Pristina (MG).</summary>
    public static ScannerModel GePristina { get; } = new("GE MEDICAL SYSTEMS", "Senographe Pristina", "MG", Mammography(0.40, 0.43, 0.013, 30));

    /// <summary>Siemens MAMMOMAT Revelation (MG).</summary>
    public static ScannerModel SiemensMammomat { get; } = new("SIEMENS", "MAMMOMAT Revelation", "MG", Mammography(0.36, 0.47, 0.011, 28));

    /// <summary>Fujifilm AMULET Innovality (MG).</summary>
    public static ScannerModel FujiAmulet { get; } = new("FUJIFILM Corporation", "AMULET Innovality", "MG", Mammography(0.39, 0.44, 0.014, 29));

    /// <summary>Planmed Clarity 2D (MG), only at the new site of the new-site scenario.</summary>
    public static ScannerModel PlanmedClarity { get; } = new("Planmed Oy", "Planmed Clarity 2D", "MG", Mammography(0.42, 0.41, 0.015, 30));

    /// <summary>United Imaging uCT 760 (CT), only at the new site of the new-site scenario.</summary>
    public static ScannerModel UnitedImagingUct { get; } = new("United Imaging Healthcare", "uCT 760", "CT", Ct(0.34, 0.047, 1.0));

    /// <summary>Siemens SOMATOM Definition AS+ (CT).</summary>
    public static ScannerModel SiemensSomatom { get; } = new("SIEMENS", "SOMATOM Definition AS+", "CT", Ct(0.31, 0.045, 1.0));

    /// <summary>GE Revolution CT (CT).</summary>
    public static ScannerModel GeRevolution { get; } = new("GE MEDICAL SYSTEMS", "Revolution CT", "CT", Ct(0.33, 0.040, 1.25));

    /// <summary>Philips Ingenuity CT (CT).</summary>
    public static ScannerModel PhilipsIngenuity { get; } = new("Philips Medical Systems", "Ingenuity CT", "CT", Ct(0.32, 0.050, 1.0));

    /// <summary>Canon Aquilion ONE (CT).</summary>
    public static ScannerModel CanonAquilion { get; } = new("Canon Medical Systems", "Aquilion ONE", "CT", Ct(0.30, 0.042, 0.5));
}
