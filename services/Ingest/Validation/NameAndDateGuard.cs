using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// Refuses person names and calendar dates in the fields that can carry free text (protocol, ethnicity, ground-truth source,
/// every key of <c>features</c> and <c>scores</c>, labels); not in manufacturer and model names, whose vocabulary ("GE MEDICAL
/// SYSTEMS", "Selenia Dimensions") has the shape of a name. A name is two or three alphabetic words (<c>SMITH JOHN</c>,
/// <c>John Smith</c>, <c>Smith, John A</c>) of which one is a common given name, or anything with DICOM's <c>^</c> separator;
/// a date is any common written form (<c>1965-04-12</c>, <c>12/04/1965</c>, <c>12 Apr 1965</c>, <c>April 12, 1965</c>,
/// <c>12-APR-65</c>, <c>Apr 1965</c>, <c>04/1965</c>). Imaging vocabulary never matches: the corpus in the tests holds both.
/// </summary>
public static partial class NameAndDateGuard
{
    /// <summary>Why <paramref name="text"/> looks like a person's name or a date, or null.</summary>
    public static string? Problem(string text)
    {
        if (text.Contains('^'))
        {
            return "looks like a DICOM person name (Family^Given)";
        }

        if (HasDigit(text) && (NumericDate().IsMatch(text) || MonthNameDate().IsMatch(text) || MonthYear().IsMatch(text)))
        {
            return "contains a calendar date";
        }

        var match = NameShape().Match(text);
        if (match.Success)
        {
            foreach (Capture word in match.Groups["word"].Captures)
            {
                if (GivenNames.Contains(word.Value))
                {
                    return $"looks like a person's name ('{word.Value}' is a given name)";
                }
            }
        }

        return null;
    }

    private static bool HasDigit(string text)
    {
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) return true;
        }

        return false;
    }

    /// <summary>
    /// Common given names (English-speaking, European, Latin American, South and East Asian registers), compared without case:
    /// the embedded <c>given-names.txt</c>, a list kept as data so that it can grow without touching this code.
    /// </summary>
    private static readonly FrozenSet<string> GivenNames = LoadGivenNames();

    private static FrozenSet<string> LoadGivenNames()
    {
        using var stream = typeof(NameAndDateGuard).Assembly.GetManifestResourceStream(GivenNamesResource)
            ?? throw new InvalidOperationException($"The embedded resource {GivenNamesResource} is missing from the Ingest assembly.");
        using var reader = new StreamReader(stream);
        var names = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            // One name a line, no blank lines; the header is comment lines.
            if (!line.StartsWith('#')) names.Add(line);
        }

        return names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    private const string GivenNamesResource = "Monitoring.Ingest.Validation.given-names.txt";

    /// <summary>Two or three alphabetic words separated by spaces, '-', '_' or '.', or "Last, First": the shape of a person's name.</summary>
    [GeneratedRegex(@"^\s*(?<word>[A-Za-z][A-Za-z']+)(?:\s*,\s*|[\s\-_.]+)(?<word>[A-Za-z][A-Za-z']*)\.?(?:[\s\-_.]+(?<word>[A-Za-z][A-Za-z']+))?\s*$")]
    private static partial Regex NameShape();

    /// <summary>yyyy-mm-dd, dd/mm/yyyy, mm.dd.yy and the like.</summary>
    [GeneratedRegex(@"(?<!\d)(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2}))(?!\d)")]
    private static partial Regex NumericDate();

    /// <summary>12 Apr 1965, 12-APR-65, 12APR1965, Apr 12, 1965, April 12th 1965.</summary>
    [GeneratedRegex(@"(?<![A-Za-z\d])(\d{1,2}(st|nd|rd|th)?[\s\-./]*(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s\-./,]*\d{2,4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s\-./]*\d{1,2}(st|nd|rd|th)?,?[\s\-./]+\d{2,4})(?!\d)", RegexOptions.IgnoreCase)]
    private static partial Regex MonthNameDate();

    /// <summary>Apr 1965, April-1965, 04/1965, 1965/04.</summary>
    [GeneratedRegex(@"(?<![A-Za-z\d])((jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s\-./]*(19|20)\d{2}|(0?[1-9]|1[0-2])[/\-](19|20)\d{2}|(19|20)\d{2}[/\-](0?[1-9]|1[0-2]))(?!\d)", RegexOptions.IgnoreCase)]
    private static partial Regex MonthYear();
}
