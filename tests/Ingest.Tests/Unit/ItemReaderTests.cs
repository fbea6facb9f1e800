using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// The field reader's own contract (a value, or null with its problems added): the contract readers build a record only from
/// non-null values, so a reader that returned a partial list next to an error would hand them a value that was refused.
/// </summary>
public sealed class ItemReaderTests
{
    private static (ItemReader Reader, List<ValidationError> Errors) NewReader()
    {
        var errors = new List<ValidationError>();
        return (new ItemReader(2, errors), errors);
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public void GivenNoLabels_WhenRequiredOrOptional_ThenRequiredIsNullWithAProblemAndOptionalIsEmpty()
    {
        var (reader, errors) = NewReader();
        var obj = Json("{}");

        Assert.Null(reader.Labels(obj, "$[2]", "labels", required: true, 5));
        Assert.Equal([new ValidationError(2, "$[2].labels", "schema", "is required (use [] for none)")], errors);
        Assert.Equal([], reader.Labels(obj, "$[2]", "predictedLabels", required: false, 5)!);
        Assert.Single(errors);
    }

    [Theory]
    [InlineData("""{"labels":["nodule","x@y"]}""", "$[2].labels[1]", "'x@y' must be 1-64 characters of letters, digits, space and _ . : / ( ) + -")]
    [InlineData("""{"labels":["nodule",7]}""", "$[2].labels[1]", "must be a string, found a number")]
    [InlineData("""{"labels":["nodule","mass","nodule"]}""", "$[2].labels[2]", "duplicate label 'nodule'")]
    public void GivenOneBadLabelAmongGoodOnes_WhenRead_ThenNoListIsReturnedAndTheBadOneIsNamed(string json, string path, string message)
    {
        var (reader, errors) = NewReader();

        Assert.Null(reader.Labels(Json(json), "$[2]", "labels", required: true, 5));
        Assert.Equal([new ValidationError(2, path, "schema", message)], errors);
    }

    [Fact]
    public void GivenAPatternWithoutAHint_WhenAValueBreaksIt_ThenTheProblemShowsThePattern()
    {
        var (reader, errors) = NewReader();

        Assert.Null(reader.String(Json("""{"code":"b"}"""), "$[2]", "code", required: true, 4, new Regex("^a+$")));
        Assert.Equal([new ValidationError(2, "$[2].code", "schema", "'b' must match ^a+$")], errors);
    }
}
