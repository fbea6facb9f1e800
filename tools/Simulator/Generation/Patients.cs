namespace Monitoring.Simulator.Generation;

/// <summary>A simulated patient: fixed attributes, drawn once per (site, population, index).</summary>
/// <param name="LocalId">Local id (never sent).</param>
/// <param name="PseudoId">HMAC pseudonym.</param>
/// <param name="Sex">DICOM PatientSex.</param>
/// <param name="Ethnicity">Ethnicity or null (not recorded).</param>
/// <param name="AgeYears">Age in years.</param>
public sealed record Patient(string LocalId, string PseudoId, string Sex, string? Ethnicity, double AgeYears)
{
    /// <summary>Age band: 0-17, 18-39, 40-64, 65+.</summary>
    public string AgeBand => Ages.Band(AgeYears);

    /// <summary>DICOM AS age string.</summary>
    public string DicomAge => Ages.DicomAgeString(AgeYears);
}

/// <summary>Age formats.</summary>
public static class Ages
{
    /// <summary>The four age bands, in order.</summary>
    public static IReadOnlyList<string> Bands { get; } = ["0-17", "18-39", "40-64", "65+"];

    /// <summary>Band of an age in years.</summary>
    public static string Band(double years) => years switch
    {
        < 18 => "0-17",
        < 40 => "18-39",
        < 65 => "40-64",
        _ => "65+",
    };

    /// <summary>
    /// DICOM Age String (VR AS): three digits and a unit, D, W, M or Y. Years from age 2, months under 2,
    /// weeks under 1 month, days under 1 week (the PS3.5 convention).
    /// </summary>
    public static string DicomAgeString(double years)
    {
        if (years >= 2)
        {
            return $"{Math.Min(999, (int)years):D3}Y";
        }

        var days = (int)(years * 365.25);
        if (days >= 31)
        {
            return $"{Math.Max(1, (int)(years * 12)):D3}M";
        }

        return days >= 7 ? $"{days / 7:D3}W" : $"{Math.Max(1, days):D3}D";
    }
}

/// <summary>Patient pools per site and population, with repeat visits: a study draws a patient uniformly from the pool.</summary>
internal sealed class PatientRegistry(long seed)
{
    private enum Pool
    {
        General = 0,
        BreastScreening = 1,
        Paediatric = 2,
    }

    // Memoisation only: never enumerated, so its order cannot reach the output.
    private readonly Dictionary<(string Site, Pool Pool, int Index), Patient> _patients = [];
    private readonly Dictionary<string, byte[]> _secrets = [];

    public byte[] Secret(string site)
    {
        if (!_secrets.TryGetValue(site, out var secret))
        {
            _secrets[site] = secret = Pseudonym.SiteSecret(seed, site);
        }

        return secret;
    }

    /// <summary>Draws the patient of a study.</summary>
    public Patient Draw(SiteProfile site, ModelSpec model, bool paediatric, double volume, DeterministicRandom rng)
    {
        var pool = paediatric ? Pool.Paediatric : model.Population == PopulationKind.BreastScreening ? Pool.BreastScreening : Pool.General;

        // Pool sizes make about 30 % of patients return within 60 days; independent of the run length.
        var studiesPerDay = pool switch
        {
            Pool.BreastScreening => ModelCatalog.MammoScreen.StudiesPerDay,
            Pool.Paediatric => 40,
            _ => ModelCatalog.CxrTriage.StudiesPerDay + ModelCatalog.CtChest.StudiesPerDay,
        };
        var size = Math.Max(200, (int)Math.Round(site.Size * volume * studiesPerDay * 90));
        var index = rng.NextInt(size);
        var key = (site.Code, pool, index);
        if (!_patients.TryGetValue(key, out var patient))
        {
            _patients[key] = patient = Create(site, pool, index);
        }

        return patient;
    }

    private Patient Create(SiteProfile site, Pool pool, int index)
    {
        var rng = DeterministicRandom.For((ulong)seed, StableHash.Of("patient"), StableHash.Of(site.Code), (ulong)pool, (ulong)index);
        var sex = pool == Pool.BreastScreening ? "F" : Pick(site.Sex, rng) ?? "U";
        var ethnicity = Pick(site.Ethnicity, rng);
        var age = pool switch
        {
            Pool.Paediatric => 18 * rng.NextDouble(),
            Pool.BreastScreening => 40 + 35 * rng.NextDouble(),
            _ => Pick(site.AdultAgeBands, rng) switch
            {
                "18-39" => 18 + 22 * rng.NextDouble(),
                "40-64" => 40 + 25 * rng.NextDouble(),
                _ => 65 + 30 * rng.NextDouble(),
            },
        };
        var localId = $"{site.Code}/{pool}/{index:D8}";
        return new Patient(localId, Pseudonym.Derive(Secret(site.Code), localId), sex, ethnicity, age);
    }

    private static string? Pick(IReadOnlyList<Weighted> mix, DeterministicRandom rng) => mix[rng.Choose(mix.Select(w => w.Weight).ToArray())].Value;
}
