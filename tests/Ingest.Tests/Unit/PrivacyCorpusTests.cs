using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// The privacy guard neither leaks nor refuses real vocabulary: every line of <c>privacy-corpus.tsv</c> (identifier-like strings
/// and innocent site codes, protocol names and DICOM vocabulary) is put into its field of a valid item and validated at the door;
/// the verdict must be the recorded one.
/// </summary>
public sealed class PrivacyCorpusTests
{
    public static TheoryData<string, string, string> Corpus()
    {
        var data = new TheoryData<string, string, string>();
        var path = Path.Combine(Path.GetDirectoryName(typeof(PrivacyCorpusTests).Assembly.Location)!, "privacy-corpus.tsv");
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var cells = line.Split('\t');
            data.Add(cells[0], cells[1], cells[2]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void EveryCorpusValueGetsItsRecordedVerdict(string field, string value, string verdict)
    {
        var item = Samples.Inference();
        var path = field switch
        {
            "protocol" => Set(() => item["study"]!["protocol"] = value, "$.study.protocol"),
            "manufacturer" => Set(() => item["study"]!["manufacturer"] = value, "$.study.manufacturer"),
            "featureKey" => Set(() => item["features"] = new JsonObject { [value] = 1.0 }, ""),
            "inferenceId" => Set(() => item["inferenceId"] = value, "$.inferenceId"),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "unknown corpus field"),
        };

        var result = BatchParser.ParseJson(EventKind.Inference, JsonSerializer.SerializeToUtf8Bytes(item), DateTimeOffset.UtcNow, 10);

        if (verdict == "accept")
        {
            Assert.True(result.IsValid, result.Describe());
        }
        else
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal(ValidationError.Privacy, error.Reason);
            Assert.StartsWith(path.Length > 0 ? path : "$.features", error.Path);
        }
    }

    private static string Set(Action set, string path)
    {
        set();
        return path;
    }
}
