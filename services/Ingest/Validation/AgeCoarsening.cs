using System.Globalization;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C)): ages over 89 are identifying and must be aggregated into one category of 90 or
/// older. Ingest coarsens rather than refuses (a producer's data is kept, and a resend gives the same content hash): a DICOM age of
/// 90 years or more (<c>095Y</c>) is stored as the band <c>90+</c> (the <c>age</c> field dropped); a band whose upper bound passes
/// 89 becomes open-ended (<c>85-94</c> → <c>85+</c>, <c>90-94</c> → <c>90+</c>), and an open band above 90 (<c>95+</c>) becomes
/// <c>90+</c>. Bands are stored without leading zeros (<c>040-064</c> → <c>40-64</c>). Pure.
/// </summary>
public static class AgeCoarsening
{
    /// <summary>The top category.</summary>
    public const string Oldest = "90+";

    /// <summary>The (age band, DICOM age) to store for what was sent; unchanged but for leading zeros when nothing passes 89.</summary>
    public static (string? AgeBand, string? Age) Coarsen(string? ageBand, string? age)
    {
        if (age is { Length: 4 } && age[3] == 'Y' && int.Parse(age.AsSpan(0, 3), CultureInfo.InvariantCulture) >= 90)
        {
            return (Oldest, null);
        }

        if (ageBand is null)
        {
            return (null, age);
        }

        var open = ageBand.EndsWith('+');
        var parts = ageBand.TrimEnd('+').Split('-');
        var lower = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var upper = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : lower;
        if (lower >= 90)
        {
            return (Oldest, age);
        }

        // Written without leading zeros, so that one band is one stored value (040-064 and 40-64 would split a subgroup's cells).
        return (open || upper > 89 ? $"{lower}+" : $"{lower}-{upper}", age);
    }
}
