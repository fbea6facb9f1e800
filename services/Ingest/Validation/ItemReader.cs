using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// Reads one JSON object field by field, collecting every problem (not just the first) with its JSON path.
/// Unknown properties are errors: contract v1 is closed, so that a field the guard does not know cannot carry
/// identifiers through, and so a producer's typo (<c>occuredAt</c>) is reported instead of silently dropped.
/// </summary>
internal sealed partial class ItemReader(int index, List<ValidationError> errors)
{
    public int Index { get; } = index;

    public List<ValidationError> Errors { get; } = errors;

    public void Error(string path, string message, string reason = ValidationError.Schema) =>
        Errors.Add(new ValidationError(Index, path, reason, message));

    /// <summary>
    /// Checks that <paramref name="element"/> is an object with only the allowed properties; false when its fields cannot be
    /// read (not an object, or a property name that is not text).
    /// </summary>
    public bool Object(JsonElement element, string path, FieldNames allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"must be a JSON object, found {Describe(element)}");
            return false;
        }

        Span<char> buffer = stackalloc char[PropertyNames.MaxInPlace];
        var readable = true;
        foreach (var property in element.EnumerateObject())
        {
            if (Storable.Name(property) is null)
            {
                // Not readable: looking up any field of this object would materialise that name and throw.
                Error(path, "has a property name holding an unpaired UTF-16 surrogate escape, which is not text and cannot be stored");
                readable = false;
                continue;
            }

            var known = PropertyNames.TryRead(property, buffer, out var length)
                ? allowed.Contains(buffer[..length])
                : allowed.Contains(property.Name);
            if (!known && !PrivacyGuard.IsForbiddenName(property))
            {
                Error(JsonPath.Property(path, property.Name),
                    $"unknown property '{property.Name}' (contract v1 is closed; allowed: {allowed.Listed})");
            }
        }

        return readable;
    }

    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public string? String(JsonElement obj, string path, string name, bool required, int maxLength,
        Regex? pattern = null, string? patternHint = null, bool freeText = false, bool descriptive = false)
    {
        // Paths are built only for an error: a valid item allocates none.
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(JsonPath.Property(path, name), "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(JsonPath.Property(path, name), $"must be a string, found {Describe(value)}");
            return null;
        }

        if (Storable.String(value, out var unstorable) is not { } text)
        {
            Error(JsonPath.Property(path, name), unstorable!);
            return null;
        }

        if (required && text.Length == 0 && pattern is null)
        {
            Error(JsonPath.Property(path, name), "must not be empty");
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(text))
        {
            Error(JsonPath.Property(path, name), $"'{Truncate(text)}' {patternHint ?? $"must match {pattern}"}");
            return null;
        }

        if (text.Length > maxLength)
        {
            Error(JsonPath.Property(path, name), $"must be at most {maxLength} characters, found {text.Length}");
            return null;
        }

        if (freeText && PrivacyGuard.IdentifierLike(text) is { } why)
        {
            Error(JsonPath.Property(path, name), $"value {why}; free text must not carry identifiers", ValidationError.Privacy);
            return null;
        }

        if (descriptive && NameAndDateGuard.Problem(text) is { } nameOrDate)
        {
            Error(JsonPath.Property(path, name), $"value {nameOrDate}; this field must not carry names or dates", ValidationError.Privacy);
            return null;
        }

        return text;
    }

    public DateTimeOffset? Timestamp(JsonElement obj, string path, string name, DateTimeOffset now)
    {
        var text = String(obj, path, name, required: true, maxLength: 40);
        if (text is null)
        {
            return null;
        }

        if (!IsoTimestamp().IsMatch(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            Error(JsonPath.Property(path, name), $"'{text}' must be an ISO 8601 date-time with an offset, e.g. 2025-03-01T08:15:00Z");
            return null;
        }

        if (value < MinTimestamp)
        {
            Error(JsonPath.Property(path, name), $"'{text}' is before {MinTimestamp:yyyy-MM-dd}");
            return null;
        }

        if (value > now + MaxClockSkew)
        {
            Error(JsonPath.Property(path, name), $"'{text}' is more than {MaxClockSkew.TotalHours:0} hours in the future (server time {now:O})");
            return null;
        }

        return value.ToUniversalTime();
    }

    public double? Number(JsonElement obj, string path, string name, bool required, double min, double max)
    {
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(JsonPath.Property(path, name), "is required");
            }

            return null;
        }

        if (NumberProblem(value, min, max, out var number) is { } problem)
        {
            Error(JsonPath.Property(path, name), problem);
            return null;
        }

        return number;
    }

    /// <summary>Why <paramref name="value"/> is not a finite number in [min, max], or null with the number.</summary>
    private static string? NumberProblem(JsonElement value, double min, double max, out double number)
    {
        number = 0;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return $"must be a number, found {Describe(value)}";
        }

        // True for every number token: System.Text.Json reads a literal beyond double's range as ±infinity and one below its
        // smallest magnitude as 0, both refused just below (StorableTests pins this).
        _ = value.TryGetDouble(out number);

        if (Storable.DoubleProblem(value, number) is { } unstorable)
        {
            return unstorable;
        }

        if (number < min || number > max)
        {
            return $"{number.ToString(CultureInfo.InvariantCulture)} is outside [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
        }

        return null;
    }

    /// <summary>An array of distinct free-text labels.</summary>
    public List<string>? Labels(JsonElement obj, string path, string name, bool required, int maxCount)
    {
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(JsonPath.Property(path, name), "is required (use [] for none)");
            }

            return required ? null : [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(JsonPath.Property(path, name), $"must be an array of strings, found {Describe(value)}");
            return null;
        }

        var count = value.GetArrayLength();
        if (count > maxCount)
        {
            Error(JsonPath.Property(path, name), $"must have at most {maxCount} labels, found {count}");
            return null;
        }

        var labels = new List<string>(count);
        var ok = true;
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            string? unstorable = null;
            var label = item.ValueKind == JsonValueKind.String ? Storable.String(item, out unstorable) : null;
            var problem = label is null
                ? (ValidationError.Schema, unstorable ?? $"must be a string, found {Describe(item)}")
                : LabelProblem(label);
            if (problem is { } p)
            {
                Error($"{JsonPath.Property(path, name)}[{i}]", p.Message, p.Reason);
                ok = false;
            }
            else
            {
                if (labels.Contains(label!, StringComparer.Ordinal))
                {
                    Error($"{JsonPath.Property(path, name)}[{i}]", $"duplicate label '{label}'");
                    ok = false;
                }

                labels.Add(label!);
            }

            i++;
        }

        return ok ? labels : null;
    }

    /// <summary>Why a label or map key is not acceptable (reason and message), or null.</summary>
    private static (string Reason, string Message)? LabelProblem(string text)
    {
        if (!LabelPattern().IsMatch(text))
        {
            return (ValidationError.Schema, $"'{Truncate(text)}' must be 1-64 characters of letters, digits, space and _ . : / ( ) + -");
        }

        if ((PrivacyGuard.IdentifierLike(text) ?? NameAndDateGuard.Problem(text)) is { } why)
        {
            return (ValidationError.Privacy, $"value {why}; labels must not carry identifiers");
        }

        return null;
    }

    /// <summary>A name → number map (features, scores), sorted by name so its canonical JSON is stable.</summary>
    public Dictionary<string, double>? NumberMap(JsonElement obj, string path, string name, bool required, int maxCount, double min, double max)
    {
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(JsonPath.Property(path, name), "is required");
            }

            return required ? null : [];
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(JsonPath.Property(path, name), $"must be an object of name → number, found {Describe(value)}");
            return null;
        }

        var entries = new List<KeyValuePair<string, double>>();
        var ok = true;
        foreach (var property in value.EnumerateObject())
        {
            if (Storable.Name(property) is not { } key)
            {
                Error(JsonPath.Property(path, name), "has a name holding an unpaired UTF-16 surrogate escape, which is not text and cannot be stored");
                ok = false;
                continue;
            }

            if (PrivacyGuard.IsForbiddenName(property))
            {
                ok = false; // already reported by the name walk
                continue;
            }

            var keyProblem = LabelProblem(key);
            if (keyProblem is { } kp)
            {
                Error(JsonPath.Property(JsonPath.Property(path, name), key), kp.Message, kp.Reason);
            }

            if (NumberProblem(property.Value, min, max, out var number) is { } numberProblem)
            {
                Error(JsonPath.Property(JsonPath.Property(path, name), key), numberProblem);
                ok = false;
                continue;
            }

            if (keyProblem is not null)
            {
                ok = false;
                continue;
            }

            if (ContainsKey(entries, key))
            {
                Error(JsonPath.Property(JsonPath.Property(path, name), key), $"duplicate name '{key}'");
                ok = false;
                continue;
            }

            entries.Add(new(key, number));
        }

        if (required && entries.Count == 0 && ok)
        {
            Error(JsonPath.Property(path, name), "must have at least one entry");
            return null;
        }

        if (entries.Count > maxCount)
        {
            Error(JsonPath.Property(path, name), $"must have at most {maxCount} entries, found {entries.Count}");
            return null;
        }

        if (!ok)
        {
            return null;
        }

        // Keys are distinct, so an unstable sort gives the same order as a stable one.
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var map = new Dictionary<string, double>(entries.Count);
        foreach (var (key, number) in entries)
        {
            map.Add(key, number);
        }

        return map;
    }

    private static bool ContainsKey(List<KeyValuePair<string, double>> entries, string key)
    {
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static readonly DateTimeOffset MinTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(24);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoTimestamp();

    [GeneratedRegex(@"^[A-Za-z0-9 _.:/()+\-]{1,64}$")]
    internal static partial Regex LabelPattern();
}
