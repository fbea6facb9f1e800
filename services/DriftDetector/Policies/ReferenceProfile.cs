namespace Monitoring.DriftDetector.Policies;

/// <summary>
/// An uploaded reference profile (file named by <c>reference.profile</c>): per subgroup key (<c>*</c> for the whole
/// population, <c>sex=F</c>, <c>site=A</c>, <c>sex=F&amp;ageBand=65+</c>) and per signal, either numeric sample values or
/// category counts. Carried inside the recorded policy version, so a replay does not need the file.
/// </summary>
public sealed class ReferenceProfile
{
    /// <summary>Identifier quoted in every finding's evidence.</summary>
    public string Id { get; set; } = "";

    /// <summary>Subgroup key → signal → data.</summary>
    public Dictionary<string, Dictionary<string, ProfileSignal>> Scopes { get; set; } = [];

    /// <summary>Problems found, each naming its field.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Id)) yield return "id: required";
        foreach (var (scope, signals) in Scopes)
        {
            foreach (var (signal, data) in signals)
            {
                if ((data.Values is null) == (data.Counts is null)) yield return $"scopes.{scope}.{signal}: give either values or counts";
                if (data.Values is { } v && v.Any(x => !double.IsFinite(x))) yield return $"scopes.{scope}.{signal}.values: must be finite";
                if (data.Counts is { } c && c.Values.Any(x => x < 0)) yield return $"scopes.{scope}.{signal}.counts: must not be negative";
            }
        }
    }
}

/// <summary>Reference data of one signal.</summary>
public sealed class ProfileSignal
{
    /// <summary>Sample values of a numeric signal.</summary>
    public List<double>? Values { get; set; }

    /// <summary>Category counts of a categorical or rate signal.</summary>
    public Dictionary<string, long>? Counts { get; set; }
}
