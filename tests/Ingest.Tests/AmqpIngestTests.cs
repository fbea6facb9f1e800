using System.Text;
using System.Text.Json.Nodes;
using Monitoring.Contracts;
using Monitoring.Ingest.Publishing;

namespace Monitoring.Ingest.Tests;

public sealed class AmqpIngestFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IngestHost.StartAsync("ingest_amqp");

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// Raw JSON over AMQP, published with RabbitMQ.Client exactly as a Python producer using pika would: no MassTransit
/// envelope, content type application/json, to the documented durable fanout exchanges.
/// </summary>
[Collection(nameof(AmqpIngestTests))]
public sealed class AmqpIngestTests(AmqpIngestFixture fixture) : IClassFixture<AmqpIngestFixture>
{
    private const string ErrorQueue = Topology.InferencesQueue + "_error";

    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenRawJsonObjectsAndArrays_WhenPublishedToTheExchange_ThenEveryItemIsStored()
    {
        var single = Samples.Inference();
        var batch = Enumerable.Range(0, 10).Select(_ => Samples.Inference()).ToList();

        await Host.PublishRawAsync(Topology.InferencesExchange, single);
        await Host.PublishRawAsync(Topology.InferencesExchange, Samples.Array(batch));

        foreach (var item in batch.Prepend(single))
        {
            var stream = await Host.WaitForStreamAsync((string)item["inferenceId"]!);
            Assert.Equal((string)item["inferenceId"]!, Assert.IsType<InferenceRecorded>(Assert.Single(stream).Data).InferenceId);
        }
    }

    [Fact]
    public async Task GivenTheSameMessageDeliveredTwice_WhenConsumed_ThenTheInferenceIsOneStreamWithOneEvent()
    {
        var item = Samples.Inference();
        var id = (string)item["inferenceId"]!;

        await Host.PublishRawAsync(Topology.InferencesExchange, item, messageId: "m-1");
        await Host.PublishRawAsync(Topology.InferencesExchange, item, messageId: "m-1");
        var sentinel = Samples.Inference();
        await Host.PublishRawAsync(Topology.InferencesExchange, sentinel);

        await Host.WaitForStreamAsync((string)sentinel["inferenceId"]!);
        await Host.WaitForStreamAsync(id);
        Assert.Single(await Host.StreamAsync(id));
    }

    [Fact]
    public async Task GivenAnInferenceIdReusedWithDifferentContent_WhenConsumed_ThenTheSecondGoesToTheErrorQueueWithTheReason()
    {
        var id = Samples.NewId();
        await Host.PublishRawAsync(Topology.InferencesExchange, Samples.Inference(id, score: 0.9));
        await Host.WaitForStreamAsync(id);

        await Host.PublishRawAsync(Topology.InferencesExchange, Samples.Inference(id, score: 0.1));

        var faulted = await TakeErrorAsync(m => m.Body.Contains(id));
        Assert.Contains($"inferenceId '{id}' is already stored with different content", faulted.FaultMessage);
        var stored = Assert.IsType<InferenceRecorded>(Assert.Single(await Host.StreamAsync(id)).Data);
        Assert.Equal(0.9, stored.Prediction.Scores["pneumothorax"]);
    }

    [Fact]
    public async Task GivenPoisonMessages_WhenConsumed_ThenEachLandsInTheErrorQueueWithAReadableReasonAndTheConsumerKeepsGoing()
    {
        var marker = Guid.NewGuid().ToString("N");
        var schemaViolation = Samples.Inference();
        schemaViolation["patient"]!["sex"] = "female";
        schemaViolation["study"]!["protocol"] = "P " + marker[..4];
        var identifier = Samples.Inference();
        identifier["patient"]!["birthDate"] = "1970-01-01";
        identifier["site"] = "site-" + marker[..8];

        await Host.PublishRawAsync(Topology.InferencesExchange, Encoding.UTF8.GetBytes("{\"inferenceId\": \"" + marker + "\", oops"));
        await Host.PublishRawAsync(Topology.InferencesExchange, schemaViolation);
        await Host.PublishRawAsync(Topology.InferencesExchange, identifier);
        var after = Samples.Inference();
        await Host.PublishRawAsync(Topology.InferencesExchange, after);

        var unparseable = await TakeErrorAsync(m => m.Body.Contains(marker) && m.Body.Contains("oops"));
        var invalid = await TakeErrorAsync(m => m.Body.Contains("P " + marker[..4]) && m.Body.Contains("female"));
        var privacy = await TakeErrorAsync(m => m.Body.Contains("site-" + marker[..8]));
        Assert.Contains("BytePositionInLine", unparseable.FaultMessage); // System.Text.Json's reason, with the position
        Assert.Contains("Json", unparseable.Headers["MT-Fault-ExceptionType"]);
        Assert.True(invalid.FaultMessage.Contains("$.patient.sex"), invalid.FaultMessage);
        Assert.True(invalid.FaultMessage.Contains("must be DICOM PatientSex"), invalid.FaultMessage);
        Assert.Contains("$.patient.birthDate", privacy.FaultMessage);
        Assert.Contains("(privacy)", privacy.FaultMessage);
        await Host.WaitForStreamAsync((string)after["inferenceId"]!);
        Assert.Empty(await Host.StreamAsync((string)schemaViolation["inferenceId"]!));
        Assert.Empty(await Host.StreamAsync((string)identifier["inferenceId"]!));
    }

    [Fact]
    public async Task GivenGroundTruthAndFeedbackBeforeTheirInference_WhenTheInferenceArrives_ThenAllAreKeptInOneStream()
    {
        var id = Samples.NewId();
        await Host.PublishRawAsync(Topology.GroundTruthExchange, Samples.GroundTruth(id, "pneumothorax"));
        await Host.PublishRawAsync(Topology.ReaderFeedbackExchange, Samples.Feedback(id));
        await Host.WaitForStreamAsync(id, 2);

        await Host.PublishRawAsync(Topology.InferencesExchange, Samples.Inference(id));

        var stream = await Host.WaitForStreamAsync(id, 3);
        Assert.Equal(3, stream.Count);
        Assert.IsType<InferenceRecorded>(stream[2].Data);
        Assert.Equal(["pneumothorax"], stream.Select(e => e.Data).OfType<GroundTruthRecorded>().Single().Labels);
        Assert.Single(stream.Select(e => e.Data).OfType<ReaderFeedbackRecorded>());
        Assert.All(stream, e => Assert.Equal(id, e.StreamKey));
    }

    [Fact]
    public async Task GivenTheSameGroundTruthTwiceAndACorrection_WhenConsumed_ThenTheRepeatIsSkippedAndTheCorrectionKept()
    {
        var id = Samples.NewId();
        await Host.PublishRawAsync(Topology.GroundTruthExchange, Samples.GroundTruth(id, "pneumothorax"));
        await Host.PublishRawAsync(Topology.GroundTruthExchange, Samples.GroundTruth(id, "pneumothorax"));
        var correction = Samples.GroundTruth(id);
        correction["source"] = "pathology";
        await Host.PublishRawAsync(Topology.GroundTruthExchange, correction);
        var sentinel = Samples.NewId();
        await Host.PublishRawAsync(Topology.GroundTruthExchange, Samples.GroundTruth(sentinel));

        await Host.WaitForStreamAsync(sentinel);
        var stream = await Host.WaitForStreamAsync(id, 2);
        Assert.Equal(["pathology", "radiology-report"], stream.Select(e => ((GroundTruthRecorded)e.Data).Source).Order());
    }

    /// <summary>Takes error-queue messages until one matches (other tests of this class fault messages too).</summary>
    private async Task<QueuedMessage> TakeErrorAsync(Func<QueuedMessage, bool> match)
    {
        QueuedMessage? found = null;
        await TestSupport.Eventually.HoldsAsync(async () =>
        {
            while (await Host.TryTakeAsync(ErrorQueue) is { } message)
            {
                if (match(message))
                {
                    found = message;
                    return true;
                }

                Parked.Add(message);
            }

            found = Parked.FirstOrDefault(match);
            return found is not null;
        }, TimeSpan.FromSeconds(20), "the faulted message reaches " + ErrorQueue);
        return found!;
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<QueuedMessage> Parked = [];
}
