using System.Text.Json;
using System.Text.RegularExpressions;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// Rejects direct patient identifiers. Two checks: (1) a property name anywhere in the item, compared
/// case-insensitively and ignoring <c>_</c>, <c>-</c> and spaces, that names an identifier (patientName, MRN,
/// accessionNumber, birthDate, ...), including keys inside <c>features</c> and <c>scores</c>; (2) free-text values
/// that look like an identifier: e-mail addresses, DICOM UIDs, runs of seven or more digits (record, accession,
/// phone and national numbers), calendar dates, DICOM person names (<c>Family^Given</c>) and honorifics.
/// </summary>
public static partial class PrivacyGuard
{
    private static readonly HashSet<string> ForbiddenNames = new(StringComparer.Ordinal)
    {
        "name", "patientname", "firstname", "lastname", "givenname", "familyname", "surname", "fullname", "middlename",
        "mrn", "medicalrecordnumber", "patientid", "otherpatientids", "patientidentifier", "localpatientid", "hospitalnumber",
        "accessionnumber", "accession", "accessionno", "studyid", "studyinstanceuid", "seriesinstanceuid", "sopinstanceuid",
        "birthdate", "dateofbirth", "dob", "patientbirthdate", "patientbirthtime", "birthday",
        "ssn", "socialsecuritynumber", "nationalid", "nhsnumber", "insurancenumber", "medicarenumber", "passportnumber",
        "address", "patientaddress", "street", "streetaddress", "postcode", "postalcode", "zipcode", "zip",
        "phone", "phonenumber", "telephone", "patienttelephonenumbers", "mobile", "email", "emailaddress",
        "referringphysicianname", "performingphysicianname", "operatorsname", "readername", "physicianname",
        "patientmothersbirthname", "mothersmaidenname", "ipaddress", "deviceserialnumber",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ForbiddenLookup =
        ForbiddenNames.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Normalises a property name for comparison into <paramref name="buffer"/>: lowercase letters and digits only.</summary>
    private static int Normalise(ReadOnlySpan<char> name, Span<char> buffer)
    {
        var n = 0;
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        return n;
    }

    /// <summary>True when a property name designates a direct identifier.</summary>
    public static bool IsForbiddenName(string name) => IsForbiddenName(name.AsSpan());

    /// <summary>True when a property name designates a direct identifier (no allocation for names up to 128 characters).</summary>
    public static bool IsForbiddenName(ReadOnlySpan<char> name)
    {
        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        return ForbiddenLookup.Contains(buffer[..Normalise(name, buffer)]);
    }

    /// <summary>
    /// True when <paramref name="property"/>'s name designates a direct identifier. Reads the name in place when it is
    /// short, unescaped ASCII (the usual case), so that walking every property allocates nothing.
    /// </summary>
    public static bool IsForbiddenName(JsonProperty property)
    {
        Span<char> buffer = stackalloc char[PropertyNames.MaxInPlace];
        return PropertyNames.TryRead(property, buffer, out var length)
            ? IsForbiddenName(buffer[..length])
            : IsForbiddenName(property.Name);
    }

    /// <summary>Walks every property name of <paramref name="element"/>, reporting identifier-named properties.</summary>
    public static void CheckNames(JsonElement element, string path, int index, List<ValidationError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (Storable.Name(property) is null)
                    {
                        continue; // reported by the reader of the object that holds it
                    }

                    // A path is only built where it can be needed: for an error, or to descend into a container.
                    var forbidden = IsForbiddenName(property);
                    var container = property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array;
                    if (!forbidden && !container)
                    {
                        continue;
                    }

                    var childPath = JsonPath.Property(path, property.Name);
                    if (forbidden)
                    {
                        errors.Add(new ValidationError(index, childPath, ValidationError.Privacy,
                            $"'{property.Name}' is a direct patient or staff identifier; send pseudonyms and coarse attributes only"));
                    }

                    if (container)
                    {
                        CheckNames(property.Value, childPath, index, errors);
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        CheckNames(item, $"{path}[{i}]", index, errors);
                    }

                    i++;
                }

                break;
        }
    }

    /// <summary>
    /// Why a free-text value looks like an identifier, or null when it does not.
    /// </summary>
    public static string? IdentifierLike(string value)
    {
        // One pass counts what each pattern needs at the least; a pattern whose precondition fails cannot match, so
        // most values are cleared without running any regular expression.
        int digits = 0, dots = 0;
        bool at = false, caret = false, space = false;
        foreach (var c in value)
        {
            if (char.IsDigit(c))
            {
                digits++; // \d is a Unicode decimal digit, as char.IsDigit
            }
            else if (c == '.')
            {
                dots++;
            }
            else if (c == '@')
            {
                at = true;
            }
            else if (c == '^')
            {
                caret = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                space = true; // \s is exactly char.IsWhiteSpace's set
            }
        }

        if (at && Email().IsMatch(value))
        {
            return "looks like an e-mail address";
        }

        if (dots >= 4 && DicomUid().IsMatch(value))
        {
            return "looks like a DICOM UID (study, series or instance identifier)";
        }

        if (digits >= 4 && Date().IsMatch(value))
        {
            return "contains a calendar date";
        }

        if (digits >= 7 && LongNumber().IsMatch(value))
        {
            return "contains a run of 7 or more digits (record, accession, phone or national number)";
        }

        if (caret)
        {
            return "looks like a DICOM person name (Family^Given)";
        }

        if (space && Honorific().IsMatch(value))
        {
            return "looks like a person's name";
        }

        return null;
    }

    [GeneratedRegex(@"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    [GeneratedRegex(@"\b\d+(\.\d+){4,}\b")]
    private static partial Regex DicomUid();

    [GeneratedRegex(@"\b(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2}))\b")]
    private static partial Regex Date();

    [GeneratedRegex(@"(\d[\s().\-/]?){6}\d")]
    private static partial Regex LongNumber();

    [GeneratedRegex(@"\b(Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+[A-Z]", RegexOptions.IgnoreCase)]
    private static partial Regex Honorific();
}

/// <summary>Builds JSON paths such as <c>$[2].patient.sex</c> or <c>$.features['image quality']</c>.</summary>
public static class JsonPath
{
    public static string Property(string parent, string name) =>
        IsSimpleName(name) ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'")}']";

    /// <summary>
    /// Same set as the regular expression <c>^[A-Za-z_][A-Za-z0-9_]*$</c> it replaces, including that <c>$</c>
    /// also matches before one final line feed.
    /// </summary>
    private static bool IsSimpleName(string name)
    {
        var span = name.EndsWith('\n') ? name.AsSpan(0, name.Length - 1) : name.AsSpan();
        if (span.IsEmpty || !(char.IsAsciiLetter(span[0]) || span[0] == '_'))
        {
            return false;
        }

        foreach (var c in span[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Reads a JSON property name without allocating a string when it is short, unescaped ASCII.</summary>
internal static class PropertyNames
{
    /// <summary>Longest name read in place; longer names fall back to <see cref="JsonProperty.Name"/>.</summary>
    public const int MaxInPlace = 128;

    public static bool TryRead(JsonProperty property, Span<char> buffer, out int length)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);
        length = raw.Length;
        if (raw.Length > buffer.Length || raw.IndexOf((byte)'\\') >= 0 || !System.Text.Ascii.IsValid(raw))
        {
            return false;
        }

        for (var i = 0; i < raw.Length; i++)
        {
            buffer[i] = (char)raw[i];
        }

        return true;
    }
}
