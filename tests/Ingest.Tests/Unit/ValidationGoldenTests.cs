using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// Pins the validator's observable behaviour (valid or not, content hash, and every error's index, path, reason and
/// message) on a deterministic corpus of a few hundred mutated items, so that the validator can be made faster
/// without changing what any producer sees. The expected outcomes in <c>validation-golden.jsonl</c> were produced by
/// the validator before its allocation-free rewrite; regenerate them only for an intended behaviour change, with
/// <c>INGEST_WRITE_GOLDEN=1 dotnet test tests/Ingest.Tests -c Release --filter ValidationGolden</c>, and review the diff.
/// </summary>
public sealed class ValidationGoldenTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static string GoldenPath([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "validation-golden.jsonl");

    [Fact]
    public void GivenTheMutationCorpus_WhenValidated_ThenEveryOutcomeMatchesTheRecordedOne()
    {
        var actual = Cases().Select(c => Outcome(c.Name, c.Kind, c.Body, c.Ndjson)).ToList();
        if (Environment.GetEnvironmentVariable("INGEST_WRITE_GOLDEN") == "1")
        {
            File.WriteAllLines(GoldenPath(), actual);
        }

        var expected = File.ReadAllLines(GoldenPath());
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }

        Assert.True(actual.Count > 300, "the corpus should be broad");
        Assert.Contains(actual, a => a.Contains("\"valid\":true", StringComparison.Ordinal));
        Assert.Contains(actual, a => a.Contains("\"privacy\"", StringComparison.Ordinal));
    }

    private static string Outcome(string name, EventKind kind, string body, bool ndjson)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        object result;
        try
        {
            var batch = ndjson ? BatchParser.ParseNdjson(kind, bytes, Now, 50) : BatchParser.ParseJson(kind, bytes, Now, 50);
            result = new
            {
                name,
                valid = batch.IsValid,
                count = batch.ItemCount,
                items = batch.Items.Select(i => new { i.InferenceId, i.ContentHash, type = i.Event.GetType().Name }),
                errors = batch.Errors.Select(e => new[] { e.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Path, e.Reason, e.Message }),
            };
        }
        catch (BatchParser.TooManyItemsException e)
        {
            result = new { name, tooMany = e.Limit };
        }

        return JsonSerializer.Serialize(result);
    }

    private sealed record Case(string Name, EventKind Kind, string Body, bool Ndjson = false);

    /// <summary>Bad values tried on every string field.</summary>
    private static readonly JsonNode?[] BadValues =
    [
        null, "", " ", 42, 1.5, true, new JsonArray(), new JsonObject(), "x", "lower-case", "UPPER", "Mixed Case 1",
        "jane.doe@example.org", "1.2.840.113619.2.55.3", "2025-03-01", "01/02/2025", "1234567", "123-45-67", "DOE^JANE",
        "Dr. Smith", "mrs jones", "Prof  X", new string('a', 65), new string('A', 17), new string('7', 129), "a'b", "é",
        "٣٤٥٦٧٨٩", "12345", "inf-1", "CHEST", "043Y", "18-39", "85+", "130-131", "40-20", "M", "F", "U", "f",
        "2025-03-01T08:15:00Z", "2025-03-01T08:15:00+02:00", "2025-03-01T08:15:00.123456789Z", "2025-03-01T08:15:00",
        "1999-12-31T23:59:59Z", "2025-06-02T01:00:00Z", "2025-06-01T23:00:00Z", "not a date", "agreed", "overrode",
        "not-reviewed", "radiology-report", "Radiology", "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "site_b.1", "site b", "tab\there", "new\nline", "x\u00a0y", "ACC 20250301123", "CHEST 2 VIEWS PA+LAT",
    ];

    private static readonly JsonNode?[] BadNumbers =
    [
        null, "1", -1, 0, 0.5, 1, 1.0000001, 86_400_001, 1e308, -1e308, new JsonArray(), new JsonObject(), true,
    ];

    private static IEnumerable<Case> Cases()
    {
        // Whole bodies.
        yield return new("empty array", EventKind.Inference, "[]");
        yield return new("not json", EventKind.Inference, "{nope");
        yield return new("number body", EventKind.Inference, "3");
        yield return new("array of numbers", EventKind.Inference, "[1,2]");
        yield return new("too many", EventKind.Inference, Samples.Array(Enumerable.Range(0, 51).Select(i => Samples.Inference($"i-{i}"))).ToJsonString());
        yield return new("ndjson mixed", EventKind.Inference,
            string.Join("\n", Samples.Inference("n-1").ToJsonString(), "[1]", "  ", "{bad", Samples.Inference("n-1").ToJsonString()), Ndjson: true);
        yield return new("ndjson empty", EventKind.Inference, "\n \n", Ndjson: true);
        yield return new("batch of valid", EventKind.Inference, Samples.Array([Samples.Inference("b-1"), Samples.Inference("b-2", "P-2", 0.1)]).ToJsonString());

        foreach (var (kind, name, make) in new (EventKind, string, Func<JsonObject>)[]
                 {
                     (EventKind.Inference, "inference", () => Samples.Inference("inf-00000000-0000-4000-8000-000000000001")),
                     (EventKind.GroundTruth, "ground truth", () => Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000001", "pneumothorax", "effusion")),
                     (EventKind.ReaderFeedback, "feedback", () => Samples.Feedback("inf-00000000-0000-4000-8000-000000000001")),
                 })
        {
            yield return new($"{name} valid", kind, make().ToJsonString());
            foreach (var (path, isNumber) in Leaves(make()))
            {
                foreach (var value in isNumber ? BadNumbers : BadValues)
                {
                    var item = make();
                    Set(item, path, value?.DeepClone());
                    yield return new($"{name} {path} = {value?.ToJsonString() ?? "removed"}", kind, item.ToJsonString());
                }
            }

            foreach (var field in new[] { "patientName", "MRN", "accession_number", "Birth-Date", "address", "unknownField", "occuredAt", "x y" })
            {
                foreach (var parent in new[] { "", "patient", "study", "features", "prediction.scores", "model" })
                {
                    var item = make();
                    if (Get(item, parent) is JsonObject target)
                    {
                        target[field] = field.Length % 2 == 0 ? "value" : 1.0;
                        yield return new($"{name} {parent}.{field} added", kind, item.ToJsonString());
                    }
                }
            }
        }

        // Inference specifics: label and map shapes, embeddings, nested identifiers.
        var shapes = new (string Name, Action<JsonObject> Mutate)[]
        {
            ("scores empty", i => i["prediction"]!["scores"] = new JsonObject()),
            ("features empty", i => i["features"] = new JsonObject()),
            ("features removed", i => i.Remove("features")),
            ("score label bad", i => i["prediction"]!["scores"]!["bad*label"] = 0.2),
            ("score label identifier", i => i["prediction"]!["scores"]!["1234567"] = 0.2),
            ("feature key with space", i => i["features"]!["image quality"] = 0.5),
            ("feature key with quote", i => i["features"]!["it's"] = 0.5),
            ("feature key uid", i => i["features"]!["1.2.3.4.5"] = 0.5),
            ("predicted duplicate", i => i["prediction"]!["predictedLabels"] = new JsonArray("pneumothorax", "pneumothorax")),
            ("predicted unknown", i => i["prediction"]!["predictedLabels"] = new JsonArray("effusion", "nodule")),
            ("predicted not array", i => i["prediction"]!["predictedLabels"] = "pneumothorax"),
            ("predicted number", i => i["prediction"]!["predictedLabels"] = new JsonArray(1)),
            ("predicted removed", i => i["prediction"]!.AsObject().Remove("predictedLabels")),
            ("embedding string", i => i["embedding"] = "x"),
            ("embedding empty", i => i["embedding"] = new JsonArray()),
            ("embedding huge", i => i["embedding"] = new JsonArray(Enumerable.Range(0, 4097).Select(_ => (JsonNode)0.5).ToArray())),
            ("embedding max", i => i["embedding"] = new JsonArray(Enumerable.Range(0, 4096).Select(k => (JsonNode)(k / 4096.0)).ToArray())),
            ("embedding too big float", i => i["embedding"] = new JsonArray(0.1, 1e300)),
            ("embedding nested object", i => i["embedding"] = new JsonArray(0.1, new JsonObject { ["mrn"] = 1 })),
            ("embedding null", i => i["embedding"] = null),
            ("age and band", i => i["patient"]!["age"] = "043Y"),
            ("age only", i => { i["patient"]!.AsObject().Remove("ageBand"); i["patient"]!["age"] = "043Y"; }),
            ("ethnicity", i => i["patient"]!["ethnicity"] = "Hispanic or Latino"),
            ("ethnicity identifier", i => i["patient"]!["ethnicity"] = "Mr Smith"),
            ("nested forbidden deep", i => i["study"]!["extra"] = new JsonObject { ["inner"] = new JsonArray(new JsonObject { ["dob"] = "x" }) }),
            ("many features", i => i["features"] = new JsonObject(Enumerable.Range(0, 257).Select(k => KeyValuePair.Create($"f{k}", (JsonNode?)(double)k)))),
            ("256 features", i => i["features"] = new JsonObject(Enumerable.Range(0, 256).Select(k => KeyValuePair.Create($"f{k:D3}", (JsonNode?)(double)k)))),
            ("feature order", i => i["features"] = new JsonObject { ["z"] = 1, ["a"] = 2, ["M"] = 3, ["_"] = 4 }),
            ("latency zero", i => i["latencyMs"] = 0),
            ("threshold edge", i => i["prediction"]!["threshold"] = 1),
            ("unicode free text", i => i["study"]!["manufacturer"] = "Siemens Healthineers AG — Erlangen"),
            ("model not object", i => i["model"] = "cxr"),
            ("study array", i => i["study"] = new JsonArray()),
            ("patient null", i => i["patient"] = null),
            ("prediction number", i => i["prediction"] = 1),
        };
        foreach (var (shapeName, mutate) in shapes)
        {
            var item = Samples.Inference("inf-00000000-0000-4000-8000-000000000002");
            mutate(item);
            yield return new($"inference shape {shapeName}", EventKind.Inference, item.ToJsonString());
        }

        // Property names read in place or not: escaped, non-ASCII, very long, with a trailing line feed.
        var plain = Samples.Inference("inf-00000000-0000-4000-8000-000000000003").ToJsonString();
        yield return new("escaped allowed name", EventKind.Inference, plain.Replace("\"site\"", "\"\\u0073ite\"", StringComparison.Ordinal));
        yield return new("escaped forbidden name", EventKind.Inference, plain.Replace("\"latencyMs\"", "\"latencyMs\":1,\"\\u0070atientName\"", StringComparison.Ordinal));
        yield return new("escaped forbidden key in features", EventKind.Inference, plain.Replace("\"imageQuality\"", "\"m\\u0072n\"", StringComparison.Ordinal));
        foreach (var key in new[] { "naïve", "ＭＲＮ", "Ｍrn", "abc\n", "\n", "a\nb", new string('k', 129), new string('k', 128), "patient name", "PATIENT_NAME", "e-mail", "dob " })
        {
            var inFeatures = Samples.Inference("inf-00000000-0000-4000-8000-000000000003");
            inFeatures["features"]![key] = 0.5;
            yield return new($"feature key {key}", EventKind.Inference, inFeatures.ToJsonString());
            var onTop = Samples.Inference("inf-00000000-0000-4000-8000-000000000003");
            onTop[key] = 1;
            yield return new($"top-level key {key}", EventKind.Inference, onTop.ToJsonString());
        }

        foreach (var text in new[] { "Dr.\u2003Smith", "Mr\tSmith", "Ms\u00a0x", "a@b.cd", "a@b", "1.2.3.4", "1.2.3.4.5", "١٢٣٤-٠١-٠٢", "12-1-99", "123456", "12 34 56 7" })
        {
            var item = Samples.Inference("inf-00000000-0000-4000-8000-000000000003");
            item["study"]!["protocol"] = text;
            yield return new($"protocol {text}", EventKind.Inference, item.ToJsonString());
        }

        var mixed = Samples.Array([Samples.Inference("m-1"), Samples.GroundTruth("m-1", "x"), Samples.Inference("m-1")]);
        yield return new("mixed kinds in an inference batch", EventKind.Inference, mixed.ToJsonString());
        yield return new("labels with identifiers", EventKind.GroundTruth, Samples.GroundTruth("g-1", "ok", "jane@x.org", "1234567", "ok").ToJsonString());
        yield return new("labels too many", EventKind.GroundTruth, Samples.GroundTruth("g-1", Enumerable.Range(0, 257).Select(k => $"l{k}").ToArray()).ToJsonString());
        yield return new("labels empty", EventKind.GroundTruth, Samples.GroundTruth("g-1").ToJsonString());
    }

    private static IEnumerable<(string Path, bool IsNumber)> Leaves(JsonObject item, string prefix = "")
    {
        foreach (var (key, value) in item)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            switch (value)
            {
                case JsonObject child when key is not ("scores" or "features"):
                    foreach (var leaf in Leaves(child, path))
                    {
                        yield return leaf;
                    }

                    break;
                case JsonObject:
                    yield return (path, false);
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    yield return (path, true);
                    break;
                default:
                    yield return (path, false);
                    break;
            }
        }
    }

    private static JsonNode? Get(JsonObject item, string path) =>
        path.Length == 0 ? item : path.Split('.').Aggregate((JsonNode?)item, (node, key) => node?[key]);

    private static void Set(JsonObject item, string path, JsonNode? value)
    {
        var keys = path.Split('.');
        var parent = (JsonObject)Get(item, string.Join('.', keys[..^1]))!;
        if (value is null)
        {
            parent.Remove(keys[^1]);
        }
        else
        {
            parent[keys[^1]] = value;
        }
    }
}
