using System.Text.Json;
using Monitoring.DriftDetector.Detection;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Which recorded policy version a replay applies (versions recorded out of order, the sequence a version becomes effective
/// after, a site's own deployment before the model's), and the compact sample format's refusals, which an operator reads
/// when a snapshot cannot be restored.
/// </summary>
public sealed class PolicyHistoryAndSampleFormatTests
{
    private static PolicyVersion Version(string deployment, int version, long after)
    {
        var loaded = CoreHarness.LoadTestPolicy();
        return new PolicyVersion(deployment, version, after, loaded.Policy, loaded.Profile, $"{deployment}#{version}");
    }

    [Fact]
    public void GivenVersionsRecordedOutOfOrder_WhenTheEffectiveOneIsAsked_ThenTheLatestVersionEffectiveBeforeTheEventApplies()
    {
        var history = new PolicyHistory([Version("m@1", 3, 500), Version("m@1", 1, 0), Version("m@1", 2, 100)]);

        Assert.Null(history.Effective("m@1", 0));
        Assert.Equal(1, history.Effective("m@1", 1)!.Version);
        // Effective *after* its sequence: the event at 100 still runs under version 1.
        Assert.Equal(1, history.Effective("m@1", 100)!.Version);
        Assert.Equal(2, history.Effective("m@1", 101)!.Version);
        Assert.Equal(3, history.Effective("m@1", 501)!.Version);
        Assert.Null(history.Effective("other@1", 501));
    }

    [Fact]
    public void GivenSeveralDeployments_WhenListed_ThenTheyComeInKeyOrderEachByVersion()
    {
        var history = new PolicyHistory([Version("b@1", 2, 10), Version("a@1", 1, 0), Version("b@1", 1, 0)]);

        Assert.Equal(["a@1#1", "b@1#1", "b@1#2"], history.All.Select(v => v.Hash));
    }

    [Fact]
    public void GivenASiteDeploymentAndTheModelsOwn_WhenAnInferenceIsResolved_ThenTheSiteKeyWinsWhereItIsEffective()
    {
        var history = new PolicyHistory([Version("cxr@2", 1, 0), Version("cxr@2@site-b", 1, 50)]);

        Assert.Equal("cxr@2@site-b", history.Resolve("cxr", "2", "site-b", 51)!.Value.Key);
        Assert.Equal("cxr@2", history.Resolve("cxr", "2", "site-b", 50)!.Value.Key);
        Assert.Equal("cxr@2", history.Resolve("cxr", "2", "site-a", 51)!.Value.Key);
        Assert.Null(history.Resolve("cxr", "3", "site-b", 51));
    }

    private sealed class Holder
    {
        [System.Text.Json.Serialization.JsonConverter(typeof(CompactDoubles))]
        public List<double> Values { get; set; } = [];
    }

    [Fact]
    public void GivenSamples_WhenWrittenAndRead_ThenEveryBitSurvivesAndTheOlderDecimalArrayStillReads()
    {
        List<double> values = [0.1, -0.0, double.Epsilon, 1e308, double.NaN];
        var json = JsonSerializer.Serialize(new Holder { Values = values });
        var back = JsonSerializer.Deserialize<Holder>(json)!.Values;

        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), back.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal([0.25, 3.0], JsonSerializer.Deserialize<Holder>("""{"Values":[0.25,"3"]}""")!.Values);
    }

    [Theory]
    [InlineData("""{"Values":"AAAA"}""", "A compact sample has 3 bytes, not a multiple of 8.")]
    [InlineData("""{"Values":7}""", "A sample of doubles is a base64 string or an array, not Number.")]
    public void GivenAMalformedSample_WhenRead_ThenTheErrorSaysWhatWasFound(string json, string message)
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Holder>(json));
        Assert.StartsWith(message, e.Message);
    }
}
