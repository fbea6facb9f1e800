using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitoring.DriftDetector.Policies;

/// <summary>One problem of a policy file: the file, the field (dotted path), where it is in the file when known, and what is wrong.</summary>
public sealed record PolicyError(string File, string Field, int? Line, int? Column, string Message)
{
    /// <summary><c>field: message (line L, column C)</c>: the field first, so that a reader (and a test) finds it at once.</summary>
    public override string ToString() =>
        (Field.Length == 0 ? Message : $"{Field}: {Message}") + (Line is { } l ? $" (line {l}, column {Column})" : "");
}

/// <summary>
/// A policy document read from YAML (JSON is a subset) into a JSON tree, keeping where each field is in the file (YamlDotNet's
/// marks), so that every problem, from the parser, the binder or the validation, can be reported with its line and column.
/// </summary>
internal sealed class PolicyYaml
{
    private readonly Dictionary<string, Mark> marks = new(StringComparer.OrdinalIgnoreCase);

    private PolicyYaml(string source) => Source = source;

    public string Source { get; }

    public JsonNode? Root { get; private set; }

    /// <summary>Parses <paramref name="text"/>; a syntax error is a <see cref="YamlException"/> with its own mark.</summary>
    public static PolicyYaml Parse(string text, string source)
    {
        var yaml = new PolicyYaml(source);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        yaml.Root = stream.Documents.Count == 0 ? null : yaml.Convert(stream.Documents[0].RootNode, "");
        return yaml;
    }

    /// <summary>An error at <paramref name="field"/> (a dotted path such as <c>thresholds.alpha</c>), located at the nearest known field.</summary>
    public PolicyError Error(string field, string message)
    {
        for (var path = field; ; path = Parent(path))
        {
            if (marks.TryGetValue(path, out var mark)) return new PolicyError(Source, field, (int)mark.Line, (int)mark.Column, message);
            if (path.Length == 0) return new PolicyError(Source, field, null, null, message);
        }
    }

    /// <summary>
    /// Every key that names no member of the policy types (a typo such as <c>scroes</c>), reported and removed so that the rest
    /// of the document can still be bound and validated: a person fixing the file sees every problem at once.
    /// </summary>
    public void RemoveUnknownKeys(JsonSerializerOptions options, List<PolicyError> errors) =>
        RemoveUnknown(Root as JsonObject, options.GetTypeInfo(typeof(MonitoringPolicy)), "", options, errors);

    /// <summary>Removes the value at <paramref name="jsonPath"/> (System.Text.Json's <c>$.a.b[2]</c>); false when it is not found.</summary>
    public bool Remove(string jsonPath)
    {
        var field = Field(jsonPath);
        var parts = field.Split('.');
        JsonNode? node = Root;
        for (var i = 0; i < parts.Length - 1 && node is not null; i++) node = Child(node, parts[i]);
        var last = parts[^1];
        var bracket = last.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
        {
            node = node is null ? null : Child(node, last[..bracket]);
            return node is JsonArray array && int.TryParse(last[(bracket + 1)..^1], CultureInfo.InvariantCulture, out var index) && index < array.Count
                && Replace(array, index);
        }

        return node is JsonObject obj && obj.Remove(obj.FirstOrDefault(kv => string.Equals(kv.Key, last, StringComparison.OrdinalIgnoreCase)).Key ?? last);
    }

    /// <summary>A dotted field from System.Text.Json's path: <c>$.signals.scroes</c> → <c>signals.scroes</c>, <c>$['a b']</c> → <c>a b</c>.</summary>
    public static string Field(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return "";
        var path = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        return path.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal).TrimStart('.');
    }

    private static bool Replace(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }

    private static JsonNode? Child(JsonNode node, string part)
    {
        var bracket = part.IndexOf('[', StringComparison.Ordinal);
        var name = bracket >= 0 ? part[..bracket] : part;
        var child = node is JsonObject o ? o.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
        return bracket >= 0 && child is JsonArray a && int.TryParse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture, out var i) && i < a.Count ? a[i] : child;
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut < 0 ? "" : path[..cut];
    }

    private void RemoveUnknown(JsonObject? obj, JsonTypeInfo info, string path, JsonSerializerOptions options, List<PolicyError> errors)
    {
        if (obj is null || info.Kind != JsonTypeInfoKind.Object) return;
        foreach (var (key, value) in obj.ToList())
        {
            var field = path.Length == 0 ? key : $"{path}.{key}";
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                errors.Add(Error(field, $"unknown key '{key}' (allowed here: {string.Join(", ", info.Properties.Select(p => p.Name))})"));
                obj.Remove(key);
                continue;
            }

            if (value is JsonObject child)
            {
                RemoveUnknown(child, options.GetTypeInfo(property.PropertyType), field, options, errors);
            }
        }
    }

    private JsonNode? Convert(YamlNode node, string path)
    {
        marks.TryAdd(path, node.Start);
        switch (node)
        {
            case YamlMappingNode m:
                var obj = new JsonObject();
                foreach (var (k, v) in m.Children)
                {
                    var key = k is YamlScalarNode scalar ? scalar.Value ?? "" : throw new YamlException(k.Start, k.End, "a key must be a plain name");
                    var field = path.Length == 0 ? key : $"{path}.{key}";
                    marks.TryAdd(field, k.Start); // the key's own position: where a person looks for the field
                    if (obj.ContainsKey(key)) throw new YamlException(k.Start, k.End, $"duplicate key '{key}'");
                    obj[key] = Convert(v, field);
                }

                return obj;
            case YamlSequenceNode s:
                return new JsonArray(s.Children.Select((c, i) => Convert(c, $"{path}[{i}]")).ToArray());
            case YamlScalarNode { Style: ScalarStyle.Plain } sc:
                return PlainScalar(sc.Value ?? "");
            case YamlScalarNode sc:
                return JsonValue.Create(sc.Value);
            default:
                throw new YamlException(node.Start, node.End, "unsupported YAML node");
        }
    }

    private static JsonNode? PlainScalar(string v)
    {
        if (v is "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        // Numbers keep their text ("2.10" stays "2.10" when the field is a string, e.g. a model version).
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !v.Contains(':') && char.IsAsciiDigit(v[^1]))
        {
            return JsonNode.Parse(v);
        }

        return JsonValue.Create(v);
    }
}
