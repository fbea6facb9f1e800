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

    /// <summary>Checks that <paramref name="element"/> is an object with only the allowed properties.</summary>
    public bool Object(JsonElement element, string path, IReadOnlySet<string> allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"must be a JSON object, found {Describe(element)}");
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name) && !PrivacyGuard.IsForbiddenName(property.Name))
            {
                Error(JsonPath.Property(path, property.Name),
                    $"unknown property '{property.Name}' (contract v1 is closed; allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
            }
        }

        return true;
    }

    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public string? String(JsonElement obj, string path, string name, bool required, int maxLength,
        Regex? pattern = null, string? patternHint = null, bool freeText = false)
    {
        var fieldPath = JsonPath.Property(path, name);
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(fieldPath, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(fieldPath, $"must be a string, found {Describe(value)}");
            return null;
        }

        var text = value.GetString()!;
        if (required && text.Length == 0 && pattern is null)
        {
            Error(fieldPath, "must not be empty");
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(text))
        {
            Error(fieldPath, $"'{Truncate(text)}' {patternHint ?? $"must match {pattern}"}");
            return null;
        }

        if (text.Length > maxLength)
        {
            Error(fieldPath, $"must be at most {maxLength} characters, found {text.Length}");
            return null;
        }

        if (freeText && PrivacyGuard.IdentifierLike(text) is { } why)
        {
            Error(fieldPath, $"value {why}; free text must not carry identifiers", ValidationError.Privacy);
            return null;
        }

        return text;
    }

    public DateTimeOffset? Timestamp(JsonElement obj, string path, string name, DateTimeOffset now)
    {
        var fieldPath = JsonPath.Property(path, name);
        var text = String(obj, path, name, required: true, maxLength: 40);
        if (text is null)
        {
            return null;
        }

        if (!IsoTimestamp().IsMatch(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            Error(fieldPath, $"'{text}' must be an ISO 8601 date-time with an offset, e.g. 2025-03-01T08:15:00Z");
            return null;
        }

        if (value < MinTimestamp)
        {
            Error(fieldPath, $"'{text}' is before {MinTimestamp:yyyy-MM-dd}");
            return null;
        }

        if (value > now + MaxClockSkew)
        {
            Error(fieldPath, $"'{text}' is more than {MaxClockSkew.TotalHours:0} hours in the future (server time {now:O})");
            return null;
        }

        return value.ToUniversalTime();
    }

    public double? Number(JsonElement obj, string path, string name, bool required, double min, double max)
    {
        var fieldPath = JsonPath.Property(path, name);
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(fieldPath, "is required");
            }

            return null;
        }

        return NumberValue(value, fieldPath, min, max);
    }

    public double? NumberValue(JsonElement value, string fieldPath, double min, double max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            Error(fieldPath, $"must be a number, found {Describe(value)}");
            return null;
        }

        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            Error(fieldPath, "must be a finite number");
            return null;
        }

        if (number < min || number > max)
        {
            Error(fieldPath, $"{number.ToString(CultureInfo.InvariantCulture)} is outside [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
            return null;
        }

        return number;
    }

    /// <summary>An array of distinct free-text labels.</summary>
    public List<string>? Labels(JsonElement obj, string path, string name, bool required, int maxCount)
    {
        var fieldPath = JsonPath.Property(path, name);
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(fieldPath, "is required (use [] for none)");
            }

            return required ? null : [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(fieldPath, $"must be an array of strings, found {Describe(value)}");
            return null;
        }

        if (value.GetArrayLength() > maxCount)
        {
            Error(fieldPath, $"must have at most {maxCount} labels, found {value.GetArrayLength()}");
            return null;
        }

        var labels = new List<string>();
        var ok = true;
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{fieldPath}[{i++}]";
            if (Label(item, itemPath) is { } label)
            {
                if (labels.Contains(label, StringComparer.Ordinal))
                {
                    Error(itemPath, $"duplicate label '{label}'");
                    ok = false;
                }

                labels.Add(label);
            }
            else
            {
                ok = false;
            }
        }

        return ok ? labels : null;
    }

    public string? Label(JsonElement item, string itemPath)
    {
        if (item.ValueKind != JsonValueKind.String)
        {
            Error(itemPath, $"must be a string, found {Describe(item)}");
            return null;
        }

        return LabelText(item.GetString()!, itemPath);
    }

    public string? LabelText(string text, string path)
    {
        if (!LabelPattern().IsMatch(text))
        {
            Error(path, $"'{Truncate(text)}' must be 1-64 characters of letters, digits, space and _ . : / ( ) + -");
            return null;
        }

        if (PrivacyGuard.IdentifierLike(text) is { } why)
        {
            Error(path, $"value {why}; labels must not carry identifiers", ValidationError.Privacy);
            return null;
        }

        return text;
    }

    /// <summary>A name → number map (features, scores), sorted by name so its canonical JSON is stable.</summary>
    public Dictionary<string, double>? NumberMap(JsonElement obj, string path, string name, bool required, int maxCount, double min, double max)
    {
        var fieldPath = JsonPath.Property(path, name);
        if (Get(obj, name) is not { } value)
        {
            if (required)
            {
                Error(fieldPath, "is required");
            }

            return required ? null : [];
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(fieldPath, $"must be an object of name → number, found {Describe(value)}");
            return null;
        }

        var entries = new List<KeyValuePair<string, double>>();
        var ok = true;
        foreach (var property in value.EnumerateObject())
        {
            var entryPath = JsonPath.Property(fieldPath, property.Name);
            if (PrivacyGuard.IsForbiddenName(property.Name))
            {
                ok = false; // already reported by the name walk
                continue;
            }

            var key = LabelText(property.Name, entryPath);
            var number = NumberValue(property.Value, entryPath, min, max);
            if (key is null || number is null)
            {
                ok = false;
                continue;
            }

            if (entries.Any(e => e.Key == key))
            {
                Error(entryPath, $"duplicate name '{key}'");
                ok = false;
                continue;
            }

            entries.Add(new(key, number.Value));
        }

        if (required && entries.Count == 0 && ok)
        {
            Error(fieldPath, "must have at least one entry");
            return null;
        }

        if (entries.Count > maxCount)
        {
            Error(fieldPath, $"must have at most {maxCount} entries, found {entries.Count}");
            return null;
        }

        return ok ? entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary() : null;
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
