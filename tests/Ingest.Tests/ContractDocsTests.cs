using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests;

/// <summary>Keeps docs/contracts.md and docs/schemas honest: the examples pass the validator and match the schemas' field lists.</summary>
public sealed partial class ContractDocsTests
{
    private static readonly string Docs = Path.Combine(PseudonymTests.RepositoryRoot(), "docs");

    // The first three JSON blocks of contracts.md are the three Ingest event kinds, in order; later blocks document the
    // detector's own messages (ChangeDetected …), which the Ingest validator does not take.
    private static JsonElement[] Examples() =>
        JsonBlock().Matches(File.ReadAllText(Path.Combine(Docs, "contracts.md"))).Take(3)
            .Select(m => JsonDocument.Parse(m.Groups[1].Value).RootElement).ToArray();

    [Fact]
    public void GivenTheExamplesInContractsMd_WhenValidated_ThenEachIsAValidItemOfItsKind()
    {
        var examples = Examples();
        var kinds = new[] { EventKind.Inference, EventKind.GroundTruth, EventKind.ReaderFeedback };

        Assert.Equal(3, examples.Length);
        for (var i = 0; i < 3; i++)
        {
            var result = BatchParser.ParseJson(kinds[i], Encoding.UTF8.GetBytes(examples[i].GetRawText()),
                new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), 10);
            Assert.True(result.IsValid, $"{kinds[i]} example: {result.Describe()}");
        }
    }

    [Theory]
    [InlineData(0, "inference-recorded.v1.schema.json")]
    [InlineData(1, "ground-truth-recorded.v1.schema.json")]
    [InlineData(2, "reader-feedback-recorded.v1.schema.json")]
    public void GivenAJsonSchema_WhenComparedWithTheExample_ThenRequiredFieldsArePresentAndNoFieldIsUndeclared(int example, string file)
    {
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Docs, "schemas", file))).RootElement;
        Check(schema, Examples()[example], "$");
    }

    private static void Check(JsonElement schema, JsonElement value, string path)
    {
        if (!schema.TryGetProperty("properties", out var properties) || !schema.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False)
        {
            return;
        }

        foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
        {
            Assert.True(value.TryGetProperty(required, out _), $"{path}.{required} is required by the schema but missing in the example");
        }

        foreach (var property in value.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(property.Name, out var child), $"{path}.{property.Name} is not declared in the schema");
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Check(child, property.Value, $"{path}.{property.Name}");
            }
        }
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
