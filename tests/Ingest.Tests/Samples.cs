using System.Text.Json.Nodes;
using Monitoring.Pseudonym;

namespace Monitoring.Ingest.Tests;

/// <summary>Valid contract-v1 items as mutable JSON, so each test breaks exactly what it is about.</summary>
internal static class Samples
{
    public const string SiteSecret = "test-site-secret-0123456789abcdef0123";

    public static string NewId() => $"inf-{Guid.NewGuid():N}";

    public static JsonObject Inference(string? id = null, string localPatientId = "P-1", double score = 0.83) => new()
    {
        ["inferenceId"] = id ?? NewId(),
        ["occurredAt"] = "2025-03-01T08:15:00Z",
        ["model"] = new JsonObject { ["id"] = "cxr-triage", ["version"] = "2.3.1" },
        ["site"] = "site-a",
        ["study"] = new JsonObject
        {
            ["modality"] = "DX",
            ["bodyPartExamined"] = "CHEST",
            ["manufacturer"] = "ACME Imaging",
            ["manufacturerModelName"] = "Radiant 500",
            ["viewPosition"] = "PA",
            ["protocol"] = "CHEST PA",
        },
        ["patient"] = new JsonObject
        {
            ["pseudoId"] = Pseudonymizer.Derive(SiteSecret, localPatientId),
            ["ageBand"] = "40-64",
            ["sex"] = "F",
        },
        ["prediction"] = new JsonObject
        {
            ["scores"] = new JsonObject { ["pneumothorax"] = score, ["effusion"] = 0.12 },
            ["predictedLabels"] = new JsonArray("pneumothorax"),
            ["threshold"] = 0.5,
        },
        ["features"] = new JsonObject { ["imageQuality"] = 0.91, ["meanIntensity"] = 112.4 },
        ["embedding"] = new JsonArray(0.1, -0.2, 0.3),
        ["latencyMs"] = 41.5,
    };

    public static JsonObject GroundTruth(string id, params string[] labels) => new()
    {
        ["inferenceId"] = id,
        ["labels"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
        ["source"] = "radiology-report",
        ["recordedAt"] = "2025-03-04T10:00:00Z",
    };

    public static JsonObject Feedback(string id, string action = "agreed") => new()
    {
        ["inferenceId"] = id,
        ["readerPseudoId"] = Pseudonymizer.Derive(SiteSecret, "reader-7"),
        ["action"] = action,
        ["recordedAt"] = "2025-03-01T09:00:00Z",
    };

    public static JsonArray Array(IEnumerable<JsonObject> items) => new(items.Select(i => (JsonNode)i).ToArray());
}
