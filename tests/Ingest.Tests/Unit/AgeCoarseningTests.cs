using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>Ages over 89 are stored only as the 90+ category (HIPAA Safe Harbor), never refused; bands without leading zeros.</summary>
public sealed class AgeCoarseningTests
{
    [Theory]
    [InlineData(null, "095Y", "90+", null)]
    [InlineData(null, "090Y", "90+", null)]
    [InlineData(null, "089Y", null, "089Y")]
    [InlineData(null, "999M", null, "999M")] // 83 years
    [InlineData("90-94", null, "90+", null)]
    [InlineData("85-94", null, "85+", null)]
    [InlineData("65-100", null, "65+", null)]
    [InlineData("95+", null, "90+", null)]
    [InlineData("90+", null, "90+", null)]
    [InlineData("090+", null, "90+", null)] // written with a leading zero: the top category, spelled as such
    [InlineData("85+", null, "85+", null)]
    [InlineData("65+", null, "65+", null)]
    [InlineData("80-89", null, "80-89", null)]
    [InlineData("040-064", null, "40-64", null)] // leading zeros dropped: one band, one stored value
    [InlineData("05-017", null, "5-17", null)]
    [InlineData("065+", null, "65+", null)]
    [InlineData("0-17", null, "0-17", null)]
    public void AgesPast89AreCoarsenedTo90Plus(string? band, string? age, string? storedBand, string? storedAge)
    {
        var item = Samples.Inference();
        var patient = item["patient"]!.AsObject();
        patient.Remove("ageBand");
        if (band is not null) patient["ageBand"] = band;
        if (age is not null) patient["age"] = age;

        var result = BatchParser.ParseJson(EventKind.Inference, JsonSerializer.SerializeToUtf8Bytes(item), DateTimeOffset.UtcNow, 10);

        var stored = (InferenceRecorded)Assert.Single(result.Items).Event;
        Assert.Equal((storedBand, storedAge), (stored.Patient.AgeBand, stored.Patient.Age));
    }
}
