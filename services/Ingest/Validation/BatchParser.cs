using System.Text.Json;

namespace Monitoring.Ingest.Validation;

/// <summary>The outcome of validating a whole batch: every valid item, or every error of every invalid item.</summary>
public sealed record BatchResult(IReadOnlyList<ValidItem> Items, IReadOnlyList<ValidationError> Errors, int ItemCount)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>All errors on one line each, for an error-queue reason.</summary>
    public string Describe(int max = 50) =>
        string.Join("; ", Errors.Take(max).Select(e => e.ToString())) + (Errors.Count > max ? $"; … {Errors.Count - max} more" : "");
}

/// <summary>
/// Splits a body into items (one JSON object, a JSON array of objects, or NDJSON: one object per line) and
/// validates each one. Validation is whole-batch: the caller publishes or stores nothing unless every item is valid.
/// </summary>
public static class BatchParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Thrown when a body holds more items than allowed.</summary>
    public sealed class TooManyItemsException(int limit) : Exception($"a batch may hold at most {limit} items")
    {
        public int Limit { get; } = limit;
    }

    /// <summary>Parses and validates a JSON body: an object (one item) or an array of objects.</summary>
    public static BatchResult ParseJson(EventKind kind, ReadOnlyMemory<byte> body, DateTimeOffset now, int maxItems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            return Syntax(-1, "$", $"body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Validate(kind, document.RootElement, now, maxItems);
        }
    }

    /// <summary>Validates an already parsed body: an object (one item) or an array of objects.</summary>
    public static BatchResult Validate(EventKind kind, JsonElement root, DateTimeOffset now, int maxItems)
    {
        var errors = new List<ValidationError>();
        var items = new List<ValidItem>();
        if (root.ValueKind == JsonValueKind.Array)
        {
            var count = root.GetArrayLength();
            if (count > maxItems)
            {
                throw new TooManyItemsException(maxItems);
            }

            if (count == 0)
            {
                return Syntax(-1, "$", "the batch is empty");
            }

            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                Add(kind, element, index, $"$[{index}]", now, items, errors);
                index++;
            }

            return new BatchResult(items, errors, count);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return Syntax(-1, "$", $"body must be a JSON object or an array of objects, found {ItemReader.Describe(root)}");
        }

        Add(kind, root, 0, "$", now, items, errors);
        return new BatchResult(items, errors, 1);
    }

    /// <summary>Parses and validates NDJSON: one JSON object per line; blank lines are ignored.</summary>
    public static BatchResult ParseNdjson(EventKind kind, ReadOnlyMemory<byte> body, DateTimeOffset now, int maxItems)
    {
        var errors = new List<ValidationError>();
        var items = new List<ValidItem>();
        var index = 0;
        var rest = body;
        while (!rest.IsEmpty)
        {
            var newline = rest.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
            if (IsBlank(line.Span))
            {
                continue;
            }

            if (index >= maxItems)
            {
                throw new TooManyItemsException(maxItems);
            }

            var path = $"$[{index}]";
            try
            {
                using var document = JsonDocument.Parse(line, DocumentOptions);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ValidationError(index, path, ValidationError.Syntax,
                        $"each NDJSON line must be one JSON object, found {ItemReader.Describe(document.RootElement)}"));
                }
                else
                {
                    Add(kind, document.RootElement, index, path, now, items, errors);
                }
            }
            catch (JsonException e)
            {
                errors.Add(new ValidationError(index, path, ValidationError.Syntax, $"line {index + 1} is not valid JSON: {e.Message}"));
            }

            index++;
        }

        return index == 0 ? Syntax(-1, "$", "the batch is empty") : new BatchResult(items, errors, index);
    }

    private static void Add(EventKind kind, JsonElement element, int index, string path, DateTimeOffset now,
        List<ValidItem> items, List<ValidationError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ValidationError(index, path, ValidationError.Schema, $"must be a JSON object, found {ItemReader.Describe(element)}"));
            return;
        }

        // System.Text.Json throws on an unpaired surrogate escape only when a name or string is materialised; the readers read
        // every name and string through Storable and stop at an object whose names are not text, so nothing here throws
        // (ValidationBoundaryTests puts one in every name and string of each kind).
        if (ContractValidator.Validate(kind, element, index, path, now, errors) is { } item)
        {
            items.Add(item);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }

    private static BatchResult Syntax(int index, string path, string message) =>
        new([], [new ValidationError(index, path, ValidationError.Syntax, message)], 0);
}
