using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>The pieces of the fast read path must not change a single decision: compact snapshots, slim join memory, ingest JSON.</summary>
public sealed class ReadPathTests
{
    private sealed class Holder
    {
        [System.Text.Json.Serialization.JsonConverter(typeof(CompactDoubles))]
        public List<double> Values { get; set; } = [];
    }

    [Fact]
    public void GivenAnySample_WhenWrittenCompactlyAndReadBack_ThenEveryBitIsKept()
    {
        var rng = new Random(5);
        var values = new List<double> { -0.0, 0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e-310, Math.PI, 0.1 + 0.2 };
        for (var i = 0; i < 2000; i++) values.Add((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30)));

        var json = JsonSerializer.Serialize(new Holder { Values = values }, DetectorRunner.StateJson);
        var back = JsonSerializer.Deserialize<Holder>(json, DetectorRunner.StateJson)!.Values;

        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), back.Select(BitConverter.DoubleToInt64Bits));
        Assert.True(json.Length < JsonSerializer.Serialize(values).Length * 0.7, "the compact form is smaller than the decimal array");
    }

    [Fact]
    public void GivenASnapshotWrittenAsADecimalArray_WhenRestored_ThenTheValuesAreRead()
    {
        var back = JsonSerializer.Deserialize<Holder>("{\"Values\":[1.5,-2,3.25e-5,\"NaN\"]}", DetectorRunner.StateJson)!.Values;

        Assert.Equal([1.5, -2, 3.25e-5, double.NaN], back);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("{\"Values\":\"AAAA\"}", DetectorRunner.StateJson));
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenLabelsJoinedToTheSlimInferencesKeptInMemory_WhenApplied_ThenFindingsEqualTheJoinOnFullInferences()
    {
        var events = new SyntheticStream(23, InjectedChange.SensitivityDropInElderly, 12_000).Generate(30_000).ToList();

        var full = new CoreHarness().Feed(events);
        var slim = new CoreHarness { SlimJoin = true }.Feed(events);

        Assert.Contains(full.Opened, o => o.Kind == FindingKind.PerformanceDecay);
        Assert.Equal(CoreHarness.Json(full.Emitted), CoreHarness.Json(slim.Emitted));
    }

    [Fact]
    public void GivenTheJoinMemory_WhenAChunkHoldsMoreInferencesThanItsBound_ThenNothingOfTheChunkIsForgottenBeforeTheChunkEnds()
    {
        var join = new InferenceJoin(null!, new DriftDetectorOptions { JoinMemoryInferences = 2 });
        var none = new Dictionary<string, JoinedInference>();
        var inferences = new SyntheticStream(3).Generate(50).Select(e => e.Data).OfType<InferenceRecorded>().Take(5).ToList();
        for (var i = 0; i < inferences.Count; i++) join.Remember(inferences[i].InferenceId, 10 + i, inferences[i]);
        join.Remember(inferences[0].InferenceId, 99, inferences[0]);

        Assert.Equal(5, join.Count);
        Assert.Equal(10, join.Join(none, inferences[0].InferenceId, 50)!.Sequence);
        Assert.Null(join.Join(none, inferences[4].InferenceId, 14));
        Assert.Equal(14, join.Join(none, inferences[4].InferenceId, 15)!.Sequence);

        join.Trim();

        Assert.Equal(2, join.Count);
        Assert.Null(join.Join(none, inferences[0].InferenceId, 50));
        Assert.NotNull(join.Join(none, inferences[4].InferenceId, 50));
        Assert.Empty(join.Join(none, inferences[4].InferenceId, 50)!.Inference.Features);
    }

    [Fact]
    public void GivenStoredJsonThatDoesNotMatchTheContract_WhenDeserialized_ThenTheErrorNamesTheSequence()
    {
        var error = Assert.Throws<IngestEventUnreadableException>(() => IngestRangeReader.Deserialize("inference_recorded", "{\"InferenceId\": 42}"u8, 150));

        Assert.Equal(150, error.Sequence);
        Assert.Contains("150", error.Message);
    }

    [Fact]
    public void GivenAnInferenceAsMartenStoresIt_WhenDeserializedBySourceGeneratedContext_ThenItEqualsTheReflectionResult()
    {
        var inference = new SyntheticStream(9).Generate(5).Select(e => e.Data).OfType<InferenceRecorded>().First();
        var stored = JsonSerializer.SerializeToUtf8Bytes(inference);
        var feedback = JsonSerializer.SerializeToUtf8Bytes(new ReaderFeedbackRecorded { InferenceId = "x", ReaderPseudoId = "r", Action = ReaderAction.Overrode, RecordedAt = DateTimeOffset.UnixEpoch });

        var read = (InferenceRecorded)IngestRangeReader.Deserialize("inference_recorded", stored, 1);

        Assert.Equal(JsonSerializer.Serialize(inference), JsonSerializer.Serialize(read));
        Assert.Equal(ReaderAction.Overrode, ((ReaderFeedbackRecorded)IngestRangeReader.Deserialize("reader_feedback_recorded", feedback, 2)).Action);
    }
}
