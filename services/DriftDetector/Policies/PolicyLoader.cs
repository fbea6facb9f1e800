using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitoring.DriftDetector.Policies;

/// <summary>A policy file that failed to load, with every problem found, the field it concerns and where it is in the file.</summary>
public sealed class PolicyValidationException : Exception
{
    public PolicyValidationException(string source, IReadOnlyList<PolicyError> problems)
        : base($"Monitoring policy '{source}' is invalid: {string.Join("; ", problems)}")
    {
        PolicyFile = source;
        Problems = problems;
        Errors = problems.Select(p => p.ToString()).ToList();
    }

    public PolicyValidationException(string source, IReadOnlyList<string> errors)
        : this(source, errors.Select(e => new PolicyError(source, "", null, null, e)).ToList())
    {
    }

    /// <summary>The file (or configured path) that is invalid.</summary>
    public string PolicyFile { get; }

    /// <summary>The problems, each naming its field (and its line and column when known).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The problems, structured.</summary>
    public IReadOnlyList<PolicyError> Problems { get; }
}

/// <summary>The outcome of loading every configured policy file: the valid policies and, separately, each invalid file.</summary>
public sealed record PolicyLoadResult(IReadOnlyList<LoadedPolicy> Loaded, IReadOnlyList<PolicyValidationException> Invalid);

/// <summary>A loaded policy: the parsed policy, its canonical JSON and hash, and an uploaded reference profile if any.</summary>
public sealed record LoadedPolicy(MonitoringPolicy Policy, string CanonicalJson, string Hash, ReferenceProfile? Profile, string Source);

/// <summary>Reads monitoring policies from YAML or JSON, validates them and computes a content hash.</summary>
public static class PolicyLoader
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        Converters = { new LenientStringConverter() },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(), // PolicyYaml reads the members
    };

    private static readonly string[] ReferenceKinds = ["first-events", "date-range", "uploaded"];
    private static readonly string[] Corrections = ["holm", "bonferroni", "benjamini-hochberg", "none"];
    private static readonly string[] NumericMethods = ["ks", "cvm", "mann-whitney", "psi", "wasserstein"];
    private static readonly string[] CategoricalMethods = ["chi2", "g-test", "tv"];
    private static readonly string[] StudyFields = ["modality", "bodyPartExamined", "manufacturer", "manufacturerModelName", "viewPosition", "protocol"];
    private static readonly string[] Attributes = ["site", "sex", "ageBand", "ethnicity", "manufacturer", "modality", "viewPosition"];
    private static readonly string[] Severities = ["info", "warning", "error", "critical"];
    private static readonly string[] Kinds = ["distribution-shift", "performance-decay", "estimated-performance-decay", "fairness-gap", "abrupt-change"];

    /// <summary>Loads every <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c> policy from the given files or directories; throws on the first invalid one.</summary>
    public static IReadOnlyList<LoadedPolicy> LoadAll(IEnumerable<string> paths)
    {
        var result = LoadEach(paths);
        return result.Invalid.Count > 0 ? throw result.Invalid[0] : result.Loaded;
    }

    /// <summary>
    /// Loads every policy file on its own: an invalid file (or a second file for the same deployment) is reported in
    /// <see cref="PolicyLoadResult.Invalid"/> and the others are loaded, so that one typo never stops the monitoring of the rest.
    /// </summary>
    public static PolicyLoadResult LoadEach(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var invalid = new List<PolicyValidationException>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
                        || (f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !f.EndsWith(".profile.json", StringComparison.OrdinalIgnoreCase))));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                invalid.Add(new PolicyValidationException(path, [$"DriftDetector:PolicyPaths: '{path}' does not exist"]));
            }
        }

        var loaded = new List<LoadedPolicy>();
        foreach (var file in files.OrderBy(f => f, StringComparer.Ordinal))
        {
            try
            {
                var policy = Load(File.ReadAllText(file), file, Path.GetDirectoryName(Path.GetFullPath(file)));
                if (loaded.FirstOrDefault(l => l.Policy.Deployment.Key == policy.Policy.Deployment.Key) is { } first)
                {
                    invalid.Add(new PolicyValidationException(file,
                        [$"deployment '{policy.Policy.Deployment.Key}' is declared by several files: {first.Source} (used) and {file} (refused)"]));
                    continue;
                }

                loaded.Add(policy);
            }
            catch (PolicyValidationException ex)
            {
                invalid.Add(ex);
            }
            catch (IOException ex)
            {
                invalid.Add(new PolicyValidationException(file, [$"cannot be read: {ex.Message}"]));
            }
        }

        return new PolicyLoadResult(loaded, invalid);
    }

    /// <summary>
    /// Parses one policy document (YAML, of which JSON is a subset), validates it and hashes its canonical form. Every problem is
    /// reported together (unknown keys, wrong types, out-of-range values), each with its field, line and column.
    /// </summary>
    public static LoadedPolicy Load(string text, string source, string? baseDirectory = null)
    {
        PolicyYaml yaml;
        try
        {
            yaml = PolicyYaml.Parse(text, source);
        }
        catch (YamlException ex)
        {
            throw new PolicyValidationException(source, [new PolicyError(source, "", (int)ex.Start.Line, (int)ex.Start.Column, ex.Message)]);
        }

        if (yaml.Root is not JsonObject)
        {
            throw new PolicyValidationException(source, [new PolicyError(source, "", 1, 1, "the document must be a mapping (deployment, reference, window, signals, ...)")]);
        }

        var problems = new List<PolicyError>();
        yaml.RemoveUnknownKeys(Json, problems);
        MonitoringPolicy? policy = null;
        for (var attempt = 0; policy is null && attempt < 50; attempt++)
        {
            try
            {
                policy = yaml.Root.Deserialize<MonitoringPolicy>(Json) ?? throw new JsonException("empty document");
            }
            catch (JsonException ex)
            {
                // A value of the wrong type: report it, drop it (its default applies) and bind the rest, to report every problem.
                var field = PolicyYaml.Field(ex.Path);
                problems.Add(yaml.Error(field, FirstSentence(ex.Message)));
                if (field.Length == 0 || !yaml.Remove(ex.Path!)) break;
            }
        }

        if (policy is null || problems.Count > 0)
        {
            if (policy is not null) problems.AddRange(Validate(policy).Select(e => Located(yaml, e)));
            throw new PolicyValidationException(source, problems);
        }

        var errors = Validate(policy).Select(e => Located(yaml, e)).ToList();
        ReferenceProfile? profile = null;
        if (errors.Count == 0 && policy.Reference.Kind == "uploaded")
        {
            var profilePath = Path.Combine(baseDirectory ?? ".", policy.Reference.Profile!);
            if (!File.Exists(profilePath))
            {
                errors.Add(yaml.Error("reference.profile", $"file '{profilePath}' does not exist"));
            }
            else
            {
                try
                {
                    profile = JsonSerializer.Deserialize<ReferenceProfile>(File.ReadAllText(profilePath), Json)
                        ?? throw new JsonException("empty profile");
                    errors.AddRange(profile.Validate().Select(e => yaml.Error("reference.profile", e)));
                }
                catch (JsonException ex)
                {
                    errors.Add(yaml.Error("reference.profile", $"{ex.Path ?? "$"}: {ex.Message}"));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new PolicyValidationException(source, errors);
        }

        var canonical = Canonical(JsonSerializer.SerializeToNode(policy, Json)!);
        var profileCanonical = profile is null ? "" : Canonical(JsonSerializer.SerializeToNode(profile, Json)!);
        var hash = System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical + "\n" + profileCanonical)));
        return new LoadedPolicy(policy, canonical, hash, profile, source);
    }

    /// <summary>A validation message <c>field: message</c> located in the file.</summary>
    private static PolicyError Located(PolicyYaml yaml, string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? yaml.Error("", error) : yaml.Error(error[..colon], error[(colon + 2)..]);
    }

    /// <summary>System.Text.Json's messages end with a hint about the path and position in its own JSON: drop it.</summary>
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }

    /// <summary>Checks ranges and names; returns every problem with the field it concerns.</summary>
    public static List<string> Validate(MonitoringPolicy p)
    {
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(p.Deployment.ModelId)) e.Add("deployment.modelId: required");
        if (string.IsNullOrWhiteSpace(p.Deployment.ModelVersion)) e.Add("deployment.modelVersion: required");
        if (!ReferenceKinds.Contains(p.Reference.Kind)) e.Add($"reference.kind: '{p.Reference.Kind}' is not one of {string.Join(", ", ReferenceKinds)}");
        if (p.Reference.Kind == "first-events" && p.Reference.Count < 1) e.Add("reference.count: must be at least 1");
        if (p.Reference.Kind == "date-range" && (p.Reference.From is null || p.Reference.To is null || p.Reference.To <= p.Reference.From))
            e.Add("reference.from/to: a date range needs from < to");
        if (p.Reference.Kind == "uploaded" && string.IsNullOrWhiteSpace(p.Reference.Profile)) e.Add("reference.profile: required for an uploaded reference");
        if (p.Reference.MaxSample < 10) e.Add("reference.maxSample: must be at least 10");
        if (p.Window.Count < 0) e.Add("window.count: must not be negative");
        if (p.Window.Count == 0 && p.Window.Duration is null) e.Add("window: set count and/or duration");
        if (p.Window.Duration is { } d && d <= TimeSpan.Zero) e.Add("window.duration: must be positive");
        if (p.Window.MaxSample < 10) e.Add("window.maxSample: must be at least 10");
        foreach (var f in p.Signals.Study.Where(f => !StudyFields.Contains(f))) e.Add($"signals.study: '{f}' is not one of {string.Join(", ", StudyFields)}");
        foreach (var a in p.Subgroups.Attributes.Concat(p.Subgroups.Intersections.SelectMany(i => i)).Where(a => !Attributes.Contains(a)).Distinct())
            e.Add($"subgroups: attribute '{a}' is not one of {string.Join(", ", Attributes)}");
        foreach (var (i, inter) in p.Subgroups.Intersections.Index().Where(x => x.Item.Count < 2))
            e.Add($"subgroups.intersections[{i}]: needs at least two attributes");
        if (p.Subgroups.MaxValuesPerAttribute < 1) e.Add("subgroups.maxValuesPerAttribute: must be at least 1");
        if (p.MinSample < 2) e.Add("minSample: must be at least 2");
        if (!(p.Thresholds.Alpha is > 0 and < 1)) e.Add("thresholds.alpha: must lie in (0, 1)");
        if (!(p.Thresholds.ResolveAlpha is > 0 and <= 1) || p.Thresholds.ResolveAlpha < p.Thresholds.Alpha) e.Add("thresholds.resolveAlpha: must lie in [alpha, 1]");
        if (!Corrections.Contains(p.Thresholds.Correction)) e.Add($"thresholds.correction: '{p.Thresholds.Correction}' is not one of {string.Join(", ", Corrections)}");
        if (p.Thresholds.ConfirmAfter < 1) e.Add("thresholds.confirmAfter: must be at least 1");
        if (p.Thresholds.ResolveAfter < 1) e.Add("thresholds.resolveAfter: must be at least 1");
        foreach (var (signal, method) in p.Methods)
        {
            var allowed = signal.StartsWith("study:", StringComparison.Ordinal) ? CategoricalMethods : NumericMethods;
            if (!allowed.Contains(method)) e.Add($"methods.{signal}: '{method}' is not one of {string.Join(", ", allowed)}");
        }

        if (p.Performance.LabelGraceWindows < 0) e.Add("performance.labelGraceWindows: must not be negative");
        if (p.Performance.PoolWindows < 1) e.Add("performance.poolWindows: must be at least 1");
        if (!(p.Performance.Alpha is > 0 and < 1)) e.Add("performance.alpha: must lie in (0, 1)");
        if (p.Performance.MinLabelled < 2) e.Add("performance.minLabelled: must be at least 2");
        if (!(p.Performance.Confidence is > 0.5 and < 1)) e.Add("performance.confidence: must lie in (0.5, 1)");
        foreach (var (metric, floor) in p.Performance.Floors)
        {
            if (metric is not ("sensitivity" or "specificity" or "auroc")) e.Add($"performance.floors.{metric}: unknown metric (sensitivity, specificity, auroc)");
            if (!(floor is >= 0 and <= 1)) e.Add($"performance.floors.{metric}: must lie in [0, 1]");
        }

        if (!(p.Performance.FairnessTolerance is >= 0 and < 1)) e.Add("performance.fairnessTolerance: must lie in [0, 1)");
        if (p.Performance.MaxPairs < 10) e.Add("performance.maxPairs: must be at least 10");
        var numeric = p.Signals.Features.Select(f => "feature:" + f).Concat(p.Signals.Scores.Select(s => "score:" + s)).Append("latency").ToHashSet();
        foreach (var s in p.Sequential.Signals.Where(s => !numeric.Contains(s))) e.Add($"sequential.signals: '{s}' is not a monitored numeric signal");
        if (p.Sequential.Method is not ("cusum" or "page-hinkley")) e.Add($"sequential.method: '{p.Sequential.Method}' is not cusum or page-hinkley");
        if (p.Sequential.BatchSize < 1) e.Add("sequential.batchSize: must be at least 1");
        if (!(p.Sequential.Shift > 0)) e.Add("sequential.shift: must be positive");
        if (!(p.Sequential.TargetRunLength >= 10)) e.Add("sequential.targetRunLength: must be at least 10");
        if (p.Sequential.ResolveAfterBatches < 1) e.Add("sequential.resolveAfterBatches: must be at least 1");
        e.AddRange(p.Sequential.ValidateMonitors());
        if (p.Signals.Embedding.Sample < 10) e.Add("signals.embedding.sample: must be at least 10");
        if (p.Signals.Embedding.Permutations < 10) e.Add("signals.embedding.permutations: must be at least 10");
        foreach (var (kind, sev) in p.Severity)
        {
            if (!Kinds.Contains(kind)) e.Add($"severity.{kind}: unknown finding kind ({string.Join(", ", Kinds)})");
            if (!Severities.Contains(sev)) e.Add($"severity.{kind}: '{sev}' is not one of {string.Join(", ", Severities)}");
        }

        return e;
    }

    /// <summary>JSON with object keys sorted ordinally at every level: the same policy always hashes the same.</summary>
    internal static string Canonical(JsonNode node) => Sort(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}

/// <summary>Reads a JSON number into a string field with its original text (YAML <c>version: 2.10</c>).</summary>
internal sealed class LenientStringConverter : System.Text.Json.Serialization.JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => throw new JsonException($"expected a string, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
