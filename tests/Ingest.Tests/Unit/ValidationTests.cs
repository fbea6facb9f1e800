using System.Text;
using System.Text.Json.Nodes;
using Monitoring.Contracts;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>Fast tests of the whole-batch validator and the privacy guard (no I/O).</summary>
public sealed class ValidationTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static BatchResult Parse(EventKind kind, JsonNode body) =>
        BatchParser.ParseJson(kind, Encoding.UTF8.GetBytes(body.ToJsonString()), Now, 10_000);

    [Fact]
    public void GivenAValidInference_WhenParsed_ThenTheContractRecordCarriesEveryField()
    {
        var result = Parse(EventKind.Inference, Samples.Inference("inf-00000000-0000-4000-8000-000000000001"));

        Assert.True(result.IsValid, result.Describe());
        var item = Assert.Single(result.Items);
        var inference = Assert.IsType<InferenceRecorded>(item.Event);
        Assert.Equal("inf-00000000-0000-4000-8000-000000000001", inference.InferenceId);
        Assert.Equal(new ModelRef("cxr-triage", "2.3.1"), inference.Model);
        Assert.Equal("CHEST", inference.Study.BodyPartExamined);
        Assert.Equal("40-64", inference.Patient.AgeBand);
        Assert.Equal(0.83, inference.Prediction.Scores["pneumothorax"]);
        Assert.Equal(["pneumothorax"], inference.Prediction.PredictedLabels);
        Assert.Equal(112.4, inference.Features["meanIntensity"]);
        Assert.Equal([0.1f, -0.2f, 0.3f], inference.Embedding!);
        Assert.Equal(41.5, inference.LatencyMs);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 8, 15, 0, TimeSpan.Zero), inference.OccurredAt);
        Assert.Matches("^[0-9a-f]{64}$", item.ContentHash);
    }

    [Fact]
    public void GivenTheSameItemWithOtherKeyOrderAndSpacing_WhenHashed_ThenTheContentHashIsTheSame()
    {
        var a = Samples.Inference("inf-00000000-0000-4000-8000-000000000001");
        var b = JsonNode.Parse(a.ToJsonString())!.AsObject();
        var scores = b["prediction"]!["scores"]!.AsObject();
        scores.Remove("pneumothorax");
        scores["pneumothorax"] = 0.83; // now after "effusion"
        var spaced = Encoding.UTF8.GetBytes(b.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

        var hashA = Parse(EventKind.Inference, a).Items[0].ContentHash;
        var hashB = BatchParser.ParseJson(EventKind.Inference, spaced, Now, 10).Items[0].ContentHash;
        var changed = Samples.Inference("inf-00000000-0000-4000-8000-000000000001", score: 0.84);

        Assert.Equal(hashA, hashB);
        Assert.NotEqual(hashA, Parse(EventKind.Inference, changed).Items[0].ContentHash);
    }

    [Fact]
    public void GivenABatchWithSeveralInvalidItems_WhenParsed_ThenEveryErrorIsListedWithItsIndexAndPath()
    {
        var bad1 = Samples.Inference();
        bad1["patient"]!["sex"] = "female";
        bad1.Remove("occurredAt");
        var bad3 = Samples.Inference();
        bad3["prediction"]!["scores"]!["pneumothorax"] = 1.7;
        bad3["study"]!["modality"] = "x-ray";
        bad3["occuredAt"] = "2025-03-01T08:15:00Z";
        var body = Samples.Array([Samples.Inference(), bad1, Samples.Inference(), bad3]);

        var result = Parse(EventKind.Inference, body);

        Assert.False(result.IsValid);
        var paths = result.Errors.Select(e => (e.Index, e.Path)).ToHashSet();
        Assert.Equal(
            new HashSet<(int, string)>
            {
                (1, "$[1].patient.sex"), (1, "$[1].occurredAt"),
                (3, "$[3].prediction.scores.pneumothorax"), (3, "$[3].study.modality"), (3, "$[3].occuredAt"),
            },
            paths);
        Assert.Contains(result.Errors, e => e.Path == "$[3].occuredAt" && e.Message.Contains("unknown property"));
    }

    [Theory]
    [InlineData("patientName", "Doe^Jane")]
    [InlineData("MRN", "12345")]
    [InlineData("accession_number", "A1")]
    [InlineData("BirthDate", "1970-01-01")]
    [InlineData("patient-name", "x")]
    public void GivenAnIdentifierFieldAnywhere_WhenParsed_ThenItIsRejectedForPrivacy(string field, string value)
    {
        var top = Samples.Inference();
        top[field] = value;
        var nested = Samples.Inference();
        nested["patient"]![field] = value;
        var inFeatures = Samples.Inference();
        inFeatures["features"]![field] = 1.0;

        foreach (var (item, parent) in new[] { (top, "$"), (nested, "$.patient"), (inFeatures, "$.features") })
        {
            var result = Parse(EventKind.Inference, item);
            var error = Assert.Single(result.Errors, e => e.Reason == ValidationError.Privacy);
            Assert.Equal(JsonPath.Property(parent, field), error.Path);
        }
    }

    [Theory]
    [InlineData("protocol", "CHEST jane.doe@example.org")]
    [InlineData("protocol", "ACC 20250301123")]
    [InlineData("protocol", "seen 2025-03-01")]
    [InlineData("manufacturerModelName", "DOE^JANE")]
    [InlineData("manufacturer", "Dr. Smith")]
    [InlineData("protocol", "1.2.840.113619.2.55.3")]
    public void GivenAnIdentifierInFreeText_WhenParsed_ThenItIsRejectedForPrivacy(string field, string value)
    {
        var item = Samples.Inference();
        item["study"]![field] = value;

        var error = Assert.Single(Parse(EventKind.Inference, item).Errors);

        Assert.Equal(ValidationError.Privacy, error.Reason);
        Assert.Equal($"$.study.{field}", error.Path);
    }

    [Theory]
    [InlineData("PATIENT-0001")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef")]
    public void GivenAPseudoIdThatIsNotAKeyedHash_WhenParsed_ThenItIsRejected(string pseudoId)
    {
        var item = Samples.Inference();
        item["patient"]!["pseudoId"] = pseudoId;

        var error = Assert.Single(Parse(EventKind.Inference, item).Errors);

        Assert.Equal("$.patient.pseudoId", error.Path);
        Assert.Contains("HMAC-SHA256", error.Message);
    }

    [Theory]
    [InlineData("20250301123456")]
    [InlineData("1.2.840.113619.2.55.3.604688119")]
    public void GivenAnInferenceIdThatLooksLikeAnAccessionNumberOrUid_WhenParsed_ThenItIsRejectedForPrivacy(string id)
    {
        var error = Assert.Single(Parse(EventKind.Inference, Samples.Inference(id)).Errors);

        Assert.Equal(ValidationError.Privacy, error.Reason);
        Assert.Equal("$.inferenceId", error.Path);
    }

    [Fact]
    public void GivenUuidInferenceIdsAndOrdinaryDicomValues_WhenParsed_ThenNothingIsFlagged()
    {
        var item = Samples.Inference("550e8400-e29b-41d4-a716-446655440000");
        item["study"]!["manufacturerModelName"] = "Discovery XR656";
        item["study"]!["protocol"] = "CHEST 2 VIEWS PA+LAT";
        item["patient"]!.AsObject().Remove("ageBand");
        item["patient"]!["age"] = "043Y";

        var result = Parse(EventKind.Inference, item);

        Assert.True(result.IsValid, result.Describe());
    }

    [Fact]
    public void GivenNdjsonWithABrokenLine_WhenParsed_ThenTheLineIsReportedByIndexAndTheOthersValidated()
    {
        var ndjson = string.Join("\n", Samples.Inference().ToJsonString(), "{not json", "", Samples.Inference().ToJsonString()) + "\n";

        var result = BatchParser.ParseNdjson(EventKind.Inference, Encoding.UTF8.GetBytes(ndjson), Now, 100);

        Assert.Equal(3, result.ItemCount);
        var error = Assert.Single(result.Errors);
        Assert.Equal((1, "$[1]", ValidationError.Syntax), (error.Index, error.Path, error.Reason));
        Assert.Equal(2, result.Items.Count);
    }

    [Fact]
    public void GivenMoreItemsThanAllowed_WhenParsed_ThenTooManyItemsIsRaised()
    {
        var body = Encoding.UTF8.GetBytes(Samples.Array(Enumerable.Range(0, 11).Select(_ => Samples.Inference())).ToJsonString());

        Assert.Throws<BatchParser.TooManyItemsException>(() => BatchParser.ParseJson(EventKind.Inference, body, Now, 10));
    }

    [Fact]
    public void GivenGroundTruthAndFeedback_WhenParsed_ThenTheirRecordsAreBuiltAndBadActionsNamed()
    {
        var truth = Parse(EventKind.GroundTruth, Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "pneumothorax"));
        var feedback = Parse(EventKind.ReaderFeedback, Samples.Feedback("inf-00000000-0000-4000-8000-000000000009", "overrode"));
        var badFeedback = Samples.Feedback("inf-00000000-0000-4000-8000-000000000009", "ignored");
        badFeedback["readerPseudoId"] = "Dr. House";

        Assert.Equal(["pneumothorax"], Assert.IsType<GroundTruthRecorded>(Assert.Single(truth.Items).Event).Labels);
        Assert.Equal(ReaderAction.Overrode, Assert.IsType<ReaderFeedbackRecorded>(Assert.Single(feedback.Items).Event).Action);
        Assert.Equal(["$.action", "$.readerPseudoId"], Parse(EventKind.ReaderFeedback, badFeedback).Errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void GivenATimestampWithoutOffsetOrInTheFuture_WhenParsed_ThenItIsRejected()
    {
        var noOffset = Samples.Inference();
        noOffset["occurredAt"] = "2025-03-01T08:15:00";
        var future = Samples.Inference();
        future["occurredAt"] = "2025-06-03T00:00:00Z";

        Assert.Contains("offset", Assert.Single(Parse(EventKind.Inference, noOffset).Errors).Message);
        Assert.Contains("future", Assert.Single(Parse(EventKind.Inference, future).Errors).Message);
    }

    [Fact]
    public void GivenPredictedLabelsWithoutScoresAndAnOverlongEmbedding_WhenParsed_ThenBothAreReported()
    {
        var item = Samples.Inference();
        item["prediction"]!["predictedLabels"] = new JsonArray("nodule");
        item["embedding"] = new JsonArray(Enumerable.Range(0, InferenceRecorded.MaxEmbeddingLength + 1).Select(_ => (JsonNode)0.5).ToArray());

        var paths = Parse(EventKind.Inference, item).Errors.Select(e => e.Path).Order().ToArray();

        Assert.Equal(["$.embedding", "$.prediction.predictedLabels[0]"], paths);
    }
}
