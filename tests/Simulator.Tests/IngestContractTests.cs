using System.Text.Json;
using Monitoring.Ingest.Validation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

/// <summary>
/// What the simulator sends is what Ingest accepts: the sample's events, serialized as the HTTP sink serializes a batch,
/// go through Ingest's own parser and validator (the code behind POST /v1/...), not through a copy of its rules.
/// </summary>
public sealed class IngestContractTests(AllModelsSampleFixture fixture) : IClassFixture<AllModelsSampleFixture>
{
    private const int BatchSize = 2_000;

    [Fact]
    public void GivenEveryInferenceOfAllModelsAndSites_WhenValidatedByIngest_ThenEachIsAccepted() =>
        AssertAccepted(EventKind.Inference, fixture.Sample.Inferences.Select(e => e.Message).ToList(), fixture.Sample.Inferences.Max(e => e.At));

    [Fact]
    public void GivenEveryGroundTruth_WhenValidatedByIngest_ThenEachIsAccepted() =>
        AssertAccepted(EventKind.GroundTruth, fixture.Sample.Truths.Select(e => e.Message).ToList(), fixture.Sample.Truths.Max(e => e.At));

    [Fact]
    public void GivenEveryReaderFeedback_WhenValidatedByIngest_ThenEachIsAccepted() =>
        AssertAccepted(EventKind.ReaderFeedback, fixture.Sample.Feedback.Select(e => e.Message).ToList(), fixture.Sample.Feedback.Max(e => e.At));

    private static void AssertAccepted<T>(EventKind kind, IReadOnlyList<T> messages, DateTimeOffset last)
    {
        Assert.NotEmpty(messages);
        var now = last.AddMinutes(5); // Ingest refuses events from the future: validate as if shortly after the last one
        var accepted = 0;
        foreach (var batch in messages.Chunk(BatchSize))
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(batch, WireFormat.Options); // as HttpIngestSink sends a batch
            var result = BatchParser.ParseJson(kind, body, now, BatchSize);
            Assert.True(result.IsValid, $"{kind}: Ingest refused {result.Errors.Count} problem(s), e.g. " +
                string.Join("; ", result.Errors.Take(5).Select(e => $"{e.Path} ({e.Reason}): {e.Message}")));
            accepted += result.Items.Count;
        }

        Assert.Equal(messages.Count, accepted);
    }
}
