using System.Text.Json;
using Monitoring.DriftDetector.Detection;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The compact sample format of the state snapshot: every bit survives a round trip, the older decimal array still reads, and
/// its refusals (read by an operator when a snapshot cannot be restored) say what was found.
/// </summary>
public sealed class CompactSampleFormatTests
{
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
