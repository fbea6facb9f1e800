using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.Contracts;
using Monitoring.Ingest.Storage;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

public sealed class HttpIngestFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IngestHost.StartAsync("ingest_http", new Dictionary<string, string?>
    {
        ["Ingest:MaxBodyBytes"] = "262144",
        ["Ingest:MaxItemsPerRequest"] = "100",
    });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>HTTP → RabbitMQ → Marten against the real broker and database.</summary>
public sealed class HttpIngestTests(HttpIngestFixture fixture) : IClassFixture<HttpIngestFixture>
{
    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenAJsonArrayBatch_WhenPosted_ThenItIsAcceptedAndEveryInferenceIsAStreamInTheStore()
    {
        var items = Enumerable.Range(0, 25).Select(i => Samples.Inference(localPatientId: $"P-{i}")).ToList();

        using var response = await Host.PostAsync("/v1/inferences", Samples.Array(items));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(25, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        foreach (var item in items)
        {
            var stream = await Host.WaitForStreamAsync((string)item["inferenceId"]!);
            var stored = Assert.IsType<InferenceRecorded>(Assert.Single(stream).Data);
            Assert.Equal((string)item["patient"]!["pseudoId"]!, stored.Patient.PseudoId);
            Assert.Equal(0.83, stored.Prediction.Scores["pneumothorax"]);
            Assert.Matches("^[0-9a-f]{64}$", stream[0].Headers![EventStoreSetup.ContentHashHeader]!.ToString());
            Assert.Equal("http:test-producer", stream[0].Headers![EventStoreSetup.ProducerHeader]!.ToString());
            Assert.False(string.IsNullOrEmpty(stream[0].CausationId));
        }
    }

    [Fact]
    public async Task GivenNdjsonGroundTruthAndFeedback_WhenPosted_ThenTheyAreStoredOnTheInferenceStream()
    {
        var id = Samples.NewId();
        using var inference = await Host.PostNdjsonAsync("/v1/inferences", [Samples.Inference(id)]);
        using var truth = await Host.PostNdjsonAsync("/v1/ground-truth", [Samples.GroundTruth(id, "pneumothorax")]);
        using var feedback = await Host.PostAsync("/v1/reader-feedback", Samples.Feedback(id, "overrode"));

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted],
            [inference.StatusCode, truth.StatusCode, feedback.StatusCode]);
        var stream = await Host.WaitForStreamAsync(id, 3);
        Assert.Equal(
            [typeof(InferenceRecorded), typeof(GroundTruthRecorded), typeof(ReaderFeedbackRecorded)],
            stream.Select(e => e.Data.GetType()).Order(Comparer<Type>.Create((a, b) => Rank(a) - Rank(b))));
        Assert.Equal(ReaderAction.Overrode, stream.Select(e => e.Data).OfType<ReaderFeedbackRecorded>().Single().Action);

        static int Rank(Type t) => t == typeof(InferenceRecorded) ? 0 : t == typeof(GroundTruthRecorded) ? 1 : 2;
    }

    [Fact]
    public async Task GivenABatchWithInvalidItems_WhenPosted_Then400ListsEveryInvalidItemAndNothingIsStored()
    {
        var good = Samples.Inference();
        var badSex = Samples.Inference();
        badSex["patient"]!["sex"] = "female";
        var badScore = Samples.Inference();
        badScore["prediction"]!["scores"]!["effusion"] = "high";
        badScore.Remove("site");

        using var response = await Host.PostAsync("/v1/inferences", Samples.Array([good, badSex, Samples.Inference(), badScore]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([1, 3], problem.GetProperty("invalidItems").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal(
            ["$[1].patient.sex", "$[3].prediction.scores.effusion", "$[3].site"],
            problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).Order());
        await AssertNeverStoredAsync([(string)good["inferenceId"]!, (string)badSex["inferenceId"]!]);
    }

    [Fact]
    public async Task GivenAnIdentifierBearingPayload_WhenPosted_Then400NamesThePrivacyViolationAndNothingIsStored()
    {
        var withName = Samples.Inference();
        withName["patient"]!["PatientName"] = "DOE^JANE";
        var withMrnInProtocol = Samples.Inference();
        withMrnInProtocol["study"]!["protocol"] = "MRN 004512377";

        using var response = await Host.PostAsync("/v1/inferences", Samples.Array([withName, withMrnInProtocol]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("privacy", problem.GetProperty("type").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("path").GetString(), e.GetProperty("reason").GetString())).ToHashSet();
        Assert.Contains(("$[0].patient.PatientName", "privacy"), errors);
        Assert.Contains(("$[1].study.protocol", "privacy"), errors);
        await AssertNeverStoredAsync([(string)withName["inferenceId"]!]);
    }

    [Fact]
    public async Task GivenTheSameBatchTwiceWithADuplicateInside_WhenPosted_ThenEachInferenceIsStoredOnce()
    {
        var a = Samples.Inference();
        var b = Samples.Inference();
        var batch = Samples.Array([a, b, JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(a.ToJsonString())!]);

        using var first = await Host.PostAsync("/v1/inferences", batch);
        using var second = await Host.PostAsync("/v1/inferences", Samples.Array([
            JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(a.ToJsonString())!,
            JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(b.ToJsonString())!]));
        var sentinel = Samples.Inference();
        using var third = await Host.PostAsync("/v1/inferences", sentinel);

        Assert.All([first, second, third], r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        await Host.WaitForStreamAsync((string)sentinel["inferenceId"]!);
        await Host.WaitForStreamAsync((string)b["inferenceId"]!);
        Assert.Single(await Host.StreamAsync((string)a["inferenceId"]!));
        Assert.Single(await Host.StreamAsync((string)b["inferenceId"]!));
    }

    [Fact]
    public async Task GivenNoApiKeyOrAWrongRole_WhenPosting_Then401And403()
    {
        using var anonymous = await Host.PostAsync("/v1/inferences", Samples.Inference(), Host.CreateClient(null));
        using var wrongKey = await Host.PostAsync("/v1/inferences", Samples.Inference(), Host.CreateClient("not-a-key"));
        using var auditor = await Host.PostAsync("/v1/inferences", Samples.Inference(), Host.CreateClient(IngestHost.AuditorKey));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditor.StatusCode);
    }

    [Fact]
    public async Task GivenAWrongContentType_WhenPosting_Then415()
    {
        using var response = await Host.Client.PostAsync("/v1/inferences", new StringContent(Samples.Inference().ToJsonString(), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GivenABodyOrItemCountOverTheLimit_WhenPosting_Then413()
    {
        var tooManyItems = Samples.Array(Enumerable.Range(0, 101).Select(_ => Samples.Inference()));
        var huge = Samples.Inference();
        huge["embedding"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, 4096).Select(_ => (System.Text.Json.Nodes.JsonNode)0.123456789).ToArray());
        var tooManyBytes = Samples.Array(Enumerable.Range(0, 10).Select(_ => (System.Text.Json.Nodes.JsonObject)huge.DeepClone()));

        using var items = await Host.PostAsync("/v1/inferences", tooManyItems);
        using var bytes = await Host.PostAsync("/v1/inferences", tooManyBytes);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, items.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bytes.StatusCode);
    }

    [Fact]
    public async Task GivenTrafficHasFlowed_WhenMetricsAreScraped_ThenReceivedAcceptedRejectedAndHistogramsAreExported()
    {
        using var ok = await Host.PostAsync("/v1/inferences", Samples.Inference());
        var bad = Samples.Inference();
        bad["patient"]!["mrn"] = "1";
        using var rejected = await Host.PostAsync("/v1/inferences", bad);

        var text = await Host.CreateClient(null).GetStringAsync("/metrics");

        Assert.Contains("ingest_items_received_total{kind=\"inference\",transport=\"http\"}", text);
        Assert.Contains("ingest_items_accepted_total{kind=\"inference\",transport=\"http\"}", text);
        Assert.Contains("ingest_items_rejected_total{kind=\"inference\",transport=\"http\",reason=\"privacy\"}", text);
        Assert.Contains("ingest_batch_size_bucket", text);
        Assert.Contains("ingest_append_duration_seconds_bucket", text);
    }

    [Fact]
    public async Task GivenInferencesOfTwoSites_WhenStored_ThenTheVolumeIsCountedPerModelAndSite()
    {
        // The fleet dashboard's "volume by model and site": counted once stored, duplicates not again.
        JsonObject At(string site)
        {
            var i = Samples.Inference();
            i["model"] = new JsonObject { ["id"] = "volume-model", ["version"] = "1.0.0" };
            i["site"] = site;
            return i;
        }

        var first = At("site-vol-x");
        using (await Host.PostAsync("/v1/inferences", Samples.Array([first, At("site-vol-x"), At("site-vol-x"), At("site-vol-y")])))
        using (await Host.PostAsync("/v1/inferences", (JsonObject)first.DeepClone()))
        {
        }

        var client = Host.CreateClient(null);
        await Eventually.HoldsAsync(async () =>
        {
            var text = await client.GetStringAsync("/metrics");
            return text.Contains("ingest_inferences_stored_total{model=\"volume-model\",site=\"site-vol-x\"} 3\n", StringComparison.Ordinal)
                && text.Contains("ingest_inferences_stored_total{model=\"volume-model\",site=\"site-vol-y\"} 1\n", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "3 inferences stored for site-vol-x and 1 for site-vol-y (the repeated one not counted again)");
    }

    [Fact]
    public async Task GivenTheServiceIsUp_WhenHealthIsProbed_ThenLiveAndReadyAnswerAnonymously()
    {
        var client = Host.CreateClient(null);

        using var live = await client.GetAsync("/health/live");
        var ready = await Eventually.ReturnsAsync(() => client.GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "ready answers 200");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>
    /// Nothing of a rejected batch is published, so nothing can arrive later either: a sentinel sent afterwards
    /// through the same queue and writer is stored, and the rejected ids are still absent.
    /// </summary>
    private async Task AssertNeverStoredAsync(IEnumerable<string> ids)
    {
        var sentinel = Samples.Inference();
        using var response = await Host.PostAsync("/v1/inferences", sentinel);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Host.WaitForStreamAsync((string)sentinel["inferenceId"]!);
        foreach (var id in ids)
        {
            Assert.Empty(await Host.StreamAsync(id));
        }
    }
}
