using System.Text;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>Batch limits at their bounds, NDJSON line endings and blank lines, and the one-line error summary.</summary>
public sealed class BatchParserEdgeTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Item(int i) => Samples.Inference($"inf-00000000-0000-4000-8000-{i:D12}").ToJsonString();

    [Fact]
    public void GivenExactlyTheItemLimit_WhenParsedAsArrayOrNdjson_ThenEveryItemIsValidatedAndOneMoreIsRefused()
    {
        var array = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 3).Select(Item)) + "]");
        var ndjson = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 3).Select(Item)));

        Assert.Equal(3, BatchParser.ParseJson(EventKind.Inference, array, Now, 3).Items.Count);
        Assert.Equal(3, BatchParser.ParseNdjson(EventKind.Inference, ndjson, Now, 3).Items.Count);
        Assert.Equal(2, Assert.Throws<BatchParser.TooManyItemsException>(() => BatchParser.ParseJson(EventKind.Inference, array, Now, 2)).Limit);
        var e = Assert.Throws<BatchParser.TooManyItemsException>(() => BatchParser.ParseNdjson(EventKind.Inference, ndjson, Now, 2));
        Assert.Equal(("a batch may hold at most 2 items", 2), (e.Message, e.Limit));
    }

    [Fact]
    public void GivenNdjsonWithCrLfEndingsAndBlankLinesOfSpacesTabsAndCarriageReturns_WhenParsed_ThenOnlyObjectLinesCountAsItems()
    {
        var body = Encoding.UTF8.GetBytes($" \t\r\n{Item(1)}\r\n\r\n\t\n{Item(2)}\r\n   \n");

        var result = BatchParser.ParseNdjson(EventKind.Inference, body, Now, 2);

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal(2, result.ItemCount);
        Assert.Equal(["inf-00000000-0000-4000-8000-000000000001", "inf-00000000-0000-4000-8000-000000000002"], result.Items.Select(i => i.InferenceId));
    }

    [Fact]
    public void GivenNdjsonWhoseLinesHoldOtherValues_WhenParsed_ThenEachIsReportedAtItsLineAndAnEmptyBodyIsOneSyntaxError()
    {
        var body = Encoding.UTF8.GetBytes($"[1]\n\"x\"\n{Item(3)}\n{{\"a\":\n");

        var result = BatchParser.ParseNdjson(EventKind.Inference, body, Now, 10);

        Assert.Equal(4, result.ItemCount);
        Assert.Equal(
            [(0, "$[0]", "syntax", "each NDJSON line must be one JSON object, found an array"), (1, "$[1]", "syntax", "each NDJSON line must be one JSON object, found a string")],
            result.Errors.Take(2).Select(e => (e.Index, e.Path, e.Reason, e.Message)));
        var broken = result.Errors[2];
        Assert.Equal((3, "$[3]", "syntax"), (broken.Index, broken.Path, broken.Reason));
        Assert.StartsWith("line 4 is not valid JSON: ", broken.Message, StringComparison.Ordinal);
        Assert.Single(result.Items);

        var empty = BatchParser.ParseNdjson(EventKind.Inference, Encoding.UTF8.GetBytes(" \r\n\t"), Now, 10);
        Assert.Equal((0, -1, "$", "syntax", "the batch is empty"), (empty.ItemCount, empty.Errors[0].Index, empty.Errors[0].Path, empty.Errors[0].Reason, empty.Errors[0].Message));
    }

    [Fact]
    public void GivenABodyThatIsNoObjectOrArray_WhenParsed_ThenTheBodyIsRefusedAsAWhole()
    {
        var result = BatchParser.ParseJson(EventKind.Inference, "\"x\""u8.ToArray(), Now, 10);
        var notJson = BatchParser.ParseJson(EventKind.Inference, "{"u8.ToArray(), Now, 10);
        var single = BatchParser.ParseJson(EventKind.Inference, Encoding.UTF8.GetBytes(Item(4)), Now, 10);
        var arrayOfStrings = BatchParser.ParseJson(EventKind.Inference, "[\"a\", null]"u8.ToArray(), Now, 10);

        Assert.Equal((0, -1, "$", "syntax", "body must be a JSON object or an array of objects, found a string"),
            (result.ItemCount, result.Errors[0].Index, result.Errors[0].Path, result.Errors[0].Reason, result.Errors[0].Message));
        Assert.StartsWith("body is not valid JSON: ", Assert.Single(notJson.Errors).Message, StringComparison.Ordinal);
        Assert.Equal((1, 1), (single.ItemCount, single.Items.Count));
        Assert.Equal(
            [(0, "$[0]", "schema", "must be a JSON object, found a string"), (1, "$[1]", "schema", "must be a JSON object, found null")],
            arrayOfStrings.Errors.Select(e => (e.Index, e.Path, e.Reason, e.Message)));
    }

    [Fact]
    public void GivenMoreErrorsThanTheSummaryShows_WhenDescribed_ThenTheRestIsCounted()
    {
        var errors = Enumerable.Range(0, 4).Select(i => new ValidationError(i, $"$[{i}].site", "schema", "is required")).ToList();
        var result = new BatchResult([], errors, 4);

        Assert.Equal("$[0].site: is required (schema); $[1].site: is required (schema); … 2 more", result.Describe(2));
        Assert.Equal(string.Join("; ", errors.Select(e => e.ToString())), result.Describe(4));
        Assert.Equal(string.Join("; ", errors.Select(e => e.ToString())), result.Describe());
        Assert.False(result.IsValid);
        Assert.True(new BatchResult([], [], 0).IsValid);
    }
}
