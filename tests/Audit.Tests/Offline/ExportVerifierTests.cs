using System.Text;
using System.Text.Json;

namespace Monitoring.Audit.Tests.Offline;

/// <summary>
/// The offline verifier on exports large enough to span many of its 1 MiB chunks (so lines are parsed on several threads and
/// linked across chunk boundaries), with escaped and non-ASCII text: a clean file verifies the same whatever the parallelism,
/// and an edited, deleted or broken line is named at its own sequence number. No database: the export is built here with the
/// chain's own functions and the exporter's own line writer.
/// </summary>
public sealed class ExportVerifierTests
{
    private const string Store = "ingest";

    public static TheoryData<int> Parallelism => new() { 1, 3 };

    [Theory]
    [MemberData(nameof(Parallelism))]
    public void GivenCleanExportOfManyChunks_WhenVerified_ThenEveryEventAndGapChecks(int parallelism)
    {
        var (lines, events, gaps) = Build(6000);
        var report = Verify(lines, parallelism);
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((events, gaps, 6000L), (report.Events, report.Gaps, report.ChainedThrough));
    }

    [Theory]
    [MemberData(nameof(Parallelism))]
    public void GivenCrlfLineEndsAndNoFinalNewline_WhenVerified_ThenTheExportStillChecks(int parallelism)
    {
        var (lines, _, _) = Build(3000);
        var text = string.Join("\r\n", lines); // as a Windows editor would save it
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var report = ExportVerifier.Verify(input, new Dictionary<string, byte[]>(), parallelism);
        Assert.True(report.Ok, report.ToString());
    }

    [Theory]
    [MemberData(nameof(Parallelism))]
    public void GivenOneBodyEditedInTheMiddle_WhenVerified_ThenOnlyThatLineIsNamedAltered(int parallelism)
    {
        var (lines, _, _) = Build(6000);
        var index = Array.FindIndex(lines, 3500, l => l.Contains("\"kind\":\"event\""));
        var seq = SequenceOf(lines[index]);
        lines[index] = lines[index].Replace("\"score\": 0.", "\"score\": 1.");
        var report = Verify(lines, parallelism);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(("altered", seq), (problem.Kind, problem.Sequence));
        Assert.Contains("stré\"am", problem.Detail);
    }

    [Theory]
    [MemberData(nameof(Parallelism))]
    public void GivenOneLineDeleted_WhenVerified_ThenTheGapInSequenceIsNamed(int parallelism)
    {
        var (lines, _, _) = Build(6000);
        var seq = SequenceOf(lines[4000]);
        var report = Verify(lines.Where((_, i) => i != 4000).ToArray(), parallelism);
        Assert.Equal(("deleted", seq + 1), (report.Problems[0].Kind, report.Problems[0].Sequence));
        Assert.Contains($"expected sequence {seq}", report.Problems[0].Detail);
    }

    [Theory]
    [MemberData(nameof(Parallelism))]
    public void GivenOneLineCutShort_WhenVerified_ThenItIsReportedNotThrown(int parallelism)
    {
        var (lines, _, _) = Build(4000);
        var seq = SequenceOf(lines[2500]);
        lines[2500] = lines[2500][..(lines[2500].Length / 2)];
        var report = Verify(lines, parallelism);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(("altered", seq), (problem.Kind, problem.Sequence));
        Assert.Contains("not an export line", problem.Detail);
    }

    private static VerifyReport Verify(string[] lines, int parallelism)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        return ExportVerifier.Verify(input, new Dictionary<string, byte[]>(), parallelism);
    }

    private static long SequenceOf(string line) => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64();

    /// <summary>A chained export of <paramref name="count"/> sequence numbers (every 97th a gap), bodies of about 500 bytes.</summary>
    private static (string[] Lines, long Events, long Gaps) Build(int count)
    {
        var lines = new List<string>
        {
            $$"""{"format":"{{ExportWriter.Format}}","store":"{{Store}}","from":1,"to":{{count}},"previous":"{{ChainHash.Hex(ChainHash.Genesis(Store))}}"}""",
        };
        var link = ChainHash.Genesis(Store);
        long events = 0, gaps = 0;
        var padding = new string('x', 400);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        for (var seq = 1L; seq <= count; seq++)
        {
            EventRecord? e = null;
            if (seq % 97 == 0)
            {
                link = ChainHash.Link(link, seq, LinkKind.Gap, []);
                gaps++;
            }
            else
            {
                // PostgreSQL's jsonb text: keys by length, ", " and ": " separators; non-ASCII as is.
                e = new EventRecord(seq, Guid.NewGuid(), $"stré\"am-{seq % 13}", "inference_recorded", seq, DateTime.UnixEpoch.AddTicks(17_400_000_000_000_000 + seq * 10_010),
                    "*DEFAULT*", "Monitoring.Contracts.InferenceRecorded, Monitoring.Contracts",
                    $$"""{"site": "Zürich-{{seq % 7}}", "score": 0.{{seq:D6}}, "padding": "{{padding}}"}""", seq % 2 == 0 ? "{}" : $$"""{"correlation_id": "c{{seq}}"}""");
                var content = ChainHash.Content(e, Redaction.DataHash(e.Data, out _), ChainHash.Of(e.Meta));
                link = ChainHash.Link(link, seq, LinkKind.Event, content);
                events++;
            }

            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
            {
                ExportWriter.WriteEntry(writer, seq, e is null ? "gap" : "event", e, link);
            }

            lines.Add(Encoding.UTF8.GetString(buffer.WrittenSpan));
        }

        return (lines.ToArray(), events, gaps);
    }
}
