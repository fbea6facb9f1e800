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

    /// <summary>Normalises a property name for comparison: lowercase letters and digits only.</summary>
    public static string Normalise(string name)
    {
        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        var n = 0;
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        return new string(buffer[..n]);
    }

    /// <summary>True when a property name designates a direct identifier.</summary>
    public static bool IsForbiddenName(string name) => ForbiddenNames.Contains(Normalise(name));

    /// <summary>Walks every property name of <paramref name="element"/>, reporting identifier-named properties.</summary>
    public static void CheckNames(JsonElement element, string path, int index, List<ValidationError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = JsonPath.Property(path, property.Name);
                    if (IsForbiddenName(property.Name))
                    {
                        errors.Add(new ValidationError(index, childPath, ValidationError.Privacy,
                            $"'{property.Name}' is a direct patient or staff identifier; send pseudonyms and coarse attributes only"));
                    }

                    CheckNames(property.Value, childPath, index, errors);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckNames(item, $"{path}[{i++}]", index, errors);
                }

                break;
        }
    }

    /// <summary>
    /// Why a free-text value looks like an identifier, or null when it does not.
    /// </summary>
    public static string? IdentifierLike(string value)
    {
        if (Email().IsMatch(value))
        {
            return "looks like an e-mail address";
        }

        if (DicomUid().IsMatch(value))
        {
            return "looks like a DICOM UID (study, series or instance identifier)";
        }

        if (Date().IsMatch(value))
        {
            return "contains a calendar date";
        }

        if (LongNumber().IsMatch(value))
        {
            return "contains a run of 7 or more digits (record, accession, phone or national number)";
        }

        if (value.Contains('^'))
        {
            return "looks like a DICOM person name (Family^Given)";
        }

        if (Honorific().IsMatch(value))
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
public static partial class JsonPath
{
    public static string Property(string parent, string name) =>
        SimpleName().IsMatch(name) ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'")}']";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SimpleName();
}
