using System.Text.Json;
using Monitoring.Ingest.Validation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

/// <summary>
/// The simulator's traffic passes the Ingest's own door (schema and privacy guard, including the opaque-inference-id rule and the
/// name and date checks), serialized exactly as the sinks send it; ages over 89 are coarsened to 90+, never refused.
/// </summary>
public sealed class IngestAcceptanceTests(AllModelsSampleFixture fixture) : IClassFixture<AllModelsSampleFixture>
{
    [Fact]
    public void GivenAWeekOfEveryModelAndSite_WhenValidatedByTheIngest_ThenEveryEventIsAccepted()
    {
        var sample = fixture.Sample;
        var now = DateTimeOffset.UtcNow.AddYears(10); // simulated time may run ahead of the clock

        Assert.All(sample.Inferences.Chunk(500), chunk => Valid(EventKind.Inference, chunk.Select(e => e.Message), now));
        Assert.All(sample.Truths.Chunk(500), chunk => Valid(EventKind.GroundTruth, chunk.Select(e => e.Message), now));
        Assert.All(sample.Feedback.Chunk(500), chunk => Valid(EventKind.ReaderFeedback, chunk.Select(e => e.Message), now));
        Assert.Contains(sample.Inferences, e => e.Message.Patient.Age is { } age && age.EndsWith('Y') && int.Parse(age[..3]) >= 90);
    }

    private static void Valid<T>(EventKind kind, IEnumerable<T> messages, DateTimeOffset now)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(messages.ToArray(), WireFormat.Options);
        var result = BatchParser.ParseJson(kind, body, now, 1000);
        Assert.True(result.IsValid, result.Describe(10));
    }
}
