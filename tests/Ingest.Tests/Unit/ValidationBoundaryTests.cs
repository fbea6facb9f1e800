using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.Contracts;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// The validator's rules at their exact bounds and the precise problem a producer reads, one rule per test: the cases the
/// mutation run showed no test could tell apart (a bound moved by one, a message's list order, which guard speaks first).
/// </summary>
public sealed class ValidationBoundaryTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private const string OpaqueRule = "rule opaque-inference-id: use a UUID or an opaque token of at least 16 characters that is not mostly digits";

    private static BatchResult Parse(EventKind kind, JsonNode item) => Parse(kind, item.ToJsonString());

    private static BatchResult Parse(EventKind kind, string json) =>
        BatchParser.ParseJson(kind, Encoding.UTF8.GetBytes(json), Now, 10);

    private static (int, string, string, string) Only(BatchResult result)
    {
        var e = Assert.Single(result.Errors);
        return (e.Index, e.Path, e.Reason, e.Message);
    }

    [Fact]
    public void GivenAnOpaqueIdOfSixteenCharactersHalfOfThemDigits_WhenCheckedAgainstTheInferenceIdRule_ThenItIsAccepted()
    {
        Assert.Null(ContractValidator.InferenceIdRule("a1b2c3d4e5f6g7h8"));
        Assert.True(Parse(EventKind.Inference, Samples.Inference("a1b2c3d4e5f6g7h8")).IsValid);
    }

    [Fact]
    public void GivenAnIdOfSixteenCharactersMostlyDigits_WhenParsed_ThenTheProblemCountsTheDigitsNotTheLength()
    {
        Assert.Equal(
            (0, "$.inferenceId", "privacy", $"'1234567890abcdef' could be an accession or record number (10 of 16 characters are digits); {OpaqueRule}"),
            Only(Parse(EventKind.Inference, Samples.Inference("1234567890abcdef"))));
        Assert.Equal(
            (0, "$.inferenceId", "privacy", $"'abcdefghijklmno' could be an accession or record number (15 characters); {OpaqueRule}"),
            Only(Parse(EventKind.Inference, Samples.Inference("abcdefghijklmno"))));
    }

    [Theory]
    [InlineData(EventKind.Inference)]
    [InlineData(EventKind.GroundTruth)]
    [InlineData(EventKind.ReaderFeedback)]
    public void GivenAnItemThatIsNoObject_WhenValidatedDirectly_ThenOnlyThatIsReported(EventKind kind)
    {
        using var document = JsonDocument.Parse("[1]");
        var errors = new List<ValidationError>();

        var item = ContractValidator.Validate(kind, document.RootElement, 4, "$[4]", Now, errors);

        Assert.Null(item);
        Assert.Equal([new ValidationError(4, "$[4]", "schema", "must be a JSON object, found an array")], errors);
    }

    [Fact]
    public void GivenTimestampsExactlyAtTheEarliestDateAndAtTheClockSkewLimit_WhenParsed_ThenBothAreStoredAndOneTickBeyondIsRefused()
    {
        var earliest = Samples.Inference();
        earliest["occurredAt"] = "2000-01-01T00:00:00Z";
        var atSkew = Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "nodule");
        atSkew["recordedAt"] = "2025-06-02T00:00:00Z";
        var beyond = Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "nodule");
        beyond["recordedAt"] = "2025-06-02T00:00:00.0000001Z";

        var stored = Assert.IsType<InferenceRecorded>(Assert.Single(Parse(EventKind.Inference, earliest).Items).Event);
        var truth = Assert.IsType<GroundTruthRecorded>(Assert.Single(Parse(EventKind.GroundTruth, atSkew).Items).Event);

        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), stored.OccurredAt);
        Assert.Equal(Now.AddHours(24), truth.RecordedAt);
        Assert.Equal(
            (0, "$.recordedAt", "schema", "'2025-06-02T00:00:00.0000001Z' is more than 24 hours in the future (server time 2025-06-01T00:00:00.0000000+00:00)"),
            Only(Parse(EventKind.GroundTruth, beyond)));
    }

    [Fact]
    public void GivenExactlyTheLabelLimit_WhenParsed_ThenEveryLabelIsStoredInOrderAndOneMoreIsRefused()
    {
        var labels = Enumerable.Range(0, ContractValidator.MaxLabels + 1).Select(i => $"finding {i:x3}").ToArray();

        var truth = Assert.IsType<GroundTruthRecorded>(Assert.Single(
            Parse(EventKind.GroundTruth, Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", labels[..256])).Items).Event);

        Assert.Equal(labels[..256], truth.Labels);
        Assert.Equal(
            (0, "$.labels", "schema", "must have at most 256 labels, found 257"),
            Only(Parse(EventKind.GroundTruth, Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", labels))));
    }

    [Fact]
    public void GivenALabelHoldingNul_WhenParsed_ThenTheProblemSaysWhyItCannotBeStored()
    {
        var truth = Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "nodule", "a\u0000b");

        Assert.Equal(
            (0, "$.labels[1]", "schema", "contains U+0000 (NUL) at position 1, which PostgreSQL cannot store"),
            Only(Parse(EventKind.GroundTruth, truth)));
    }

    [Fact]
    public void GivenALabelThatIsBothADateAndARecordNumber_WhenParsed_ThenTheIdentifierGuardSpeaksFirst()
    {
        var truth = Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "Apr 1965 1234567");

        Assert.Equal(
            (0, "$.labels[0]", "privacy",
                "value contains a run of 7 or more digits (record, accession, phone or national number); labels must not carry identifiers"),
            Only(Parse(EventKind.GroundTruth, truth)));
        Assert.Equal("contains a calendar date", NameAndDateGuard.Problem("Apr 1965 1234567"));
    }

    [Fact]
    public void GivenAFeatureNameSentTwice_WhenParsed_ThenTheSecondIsReportedAsADuplicate()
    {
        var json = Samples.Inference().ToJsonString().Replace("\"meanIntensity\":112.4", "\"meanIntensity\":112.4,\"meanIntensity\":3", StringComparison.Ordinal);

        Assert.Equal((0, "$.features.meanIntensity", "schema", "duplicate name 'meanIntensity'"), Only(Parse(EventKind.Inference, json)));
    }

    [Fact]
    public void GivenAValueOfFortyAndOfFortyOneCharactersBreakingItsPattern_WhenParsed_ThenOnlyTheLongerIsShortenedInTheProblem()
    {
        var forty = "site " + new string('x', 35);
        var fortyOne = forty + "y";
        var a = Samples.Inference();
        a["site"] = forty;
        var b = Samples.Inference();
        b["site"] = fortyOne;
        const string hint = "must be a site code of 1-64 letters, digits, '.', '_' or '-'";

        Assert.Equal((0, "$.site", "schema", $"'{forty}' {hint}"), Only(Parse(EventKind.Inference, a)));
        Assert.Equal((0, "$.site", "schema", $"'{forty}…' {hint}"), Only(Parse(EventKind.Inference, b)));
    }

    [Fact]
    public void GivenAnUnknownPropertyOnTheModel_WhenParsed_ThenTheProblemListsTheAllowedNamesInOrder()
    {
        var item = Samples.Inference();
        item["model"]!["name"] = "x";
        item["model"]!["revision"] = "x";

        var errors = Parse(EventKind.Inference, item).Errors;

        Assert.Equal(
            [
                ("$.model.name", "privacy", "'name' is a direct patient or staff identifier; send pseudonyms and coarse attributes only"),
                ("$.model.revision", "schema", "unknown property 'revision' (contract v1 is closed; allowed: id, version)"),
            ],
            errors.Select(e => (e.Path, e.Reason, e.Message)));
    }

    [Theory]
    [InlineData("PA.LAT.AP.OBL.LL")]
    [InlineData("A1B2C3D4E5F6G7")]
    public void GivenAModelNameWithManyDotsOrManyScatteredDigits_WhenParsed_ThenItIsNotTakenForAUidOrARecordNumber(string modelName)
    {
        var item = Samples.Inference();
        item["study"]!["manufacturerModelName"] = modelName;

        var inference = Assert.IsType<InferenceRecorded>(Assert.Single(Parse(EventKind.Inference, item).Items).Event);

        Assert.Equal(modelName, inference.Study.ManufacturerModelName);
    }

    [Fact]
    public void GivenAShortDateOfFourDigitsInAModelName_WhenParsed_ThenItIsRefusedForPrivacy()
    {
        var item = Samples.Inference();
        item["study"]!["manufacturerModelName"] = "X 1/2/25";

        Assert.Equal(
            (0, "$.study.manufacturerModelName", "privacy", "value contains a calendar date; free text must not carry identifiers"),
            Only(Parse(EventKind.Inference, item)));
    }

    [Theory]
    [InlineData("patient\u00a0name")]
    [InlineData("patient\u2013name")]
    public void GivenAnIdentifierNameSpelledWithARawNonAsciiSeparator_WhenParsed_ThenItIsRefusedForPrivacy(string name)
    {
        // Written as raw UTF-8 (not as a \u escape), so the name is read from its bytes.
        var json = Samples.Inference().ToJsonString().Replace("\"latencyMs\"", $"\"{name}\":\"x\",\"latencyMs\"", StringComparison.Ordinal);

        Assert.Equal(
            (0, $"$['{name}']", "privacy", $"'{name}' is a direct patient or staff identifier; send pseudonyms and coarse attributes only"),
            Only(Parse(EventKind.Inference, json)));
    }

    [Fact]
    public void GivenAnIdentifierNameLongerThanTheInPlaceBuffer_WhenParsed_ThenItIsStillRefusedForPrivacy()
    {
        var name = "patient" + new string('_', 200) + "Name";
        var item = Samples.Inference();
        item["patient"]![name] = "x";

        Assert.Equal(
            (0, $"$.patient.{name}", "privacy", $"'{name}' is a direct patient or staff identifier; send pseudonyms and coarse attributes only"),
            Only(Parse(EventKind.Inference, item)));
        Assert.True(PrivacyGuard.IsForbiddenName(new string('-', 129) + "MRN"));
        Assert.False(PrivacyGuard.IsForbiddenName(new string('-', 129) + "MRNs"));
    }

    [Fact]
    public void GivenAPropertyNameWithAnUnpairedSurrogateEscape_WhenParsed_ThenTheObjectHoldingItIsReportedOnce()
    {
        var json = Samples.Inference().ToJsonString().Replace("\"sex\"", "\"\\ud800\":1,\"sex\"", StringComparison.Ordinal);

        Assert.Equal(
            (0, "$.patient", "schema", "has a property name holding an unpaired UTF-16 surrogate escape, which is not text and cannot be stored"),
            Only(Parse(EventKind.Inference, json)));
    }

    [Theory]
    [InlineData(EventKind.Inference, 7 + 15)]
    [InlineData(EventKind.GroundTruth, 1 + 5)]
    [InlineData(EventKind.ReaderFeedback, 1 + 4)]
    public void GivenAnUnpairedSurrogateEscapeInAnyNameOrStringOfAnItem_WhenParsed_ThenTheItemIsRefusedSayingSoAndNothingThrows(EventKind kind, int objectsAndStrings)
    {
        JsonObject sample = kind switch
        {
            EventKind.Inference => Samples.Inference("inf-00000000-0000-4000-8000-000000000009"),
            EventKind.GroundTruth => Samples.GroundTruth("inf-00000000-0000-4000-8000-000000000009", "nodule", "mass"),
            _ => Samples.Feedback("inf-00000000-0000-4000-8000-000000000009"),
        };
        var places = Places(sample.DeepClone()).Count;

        for (var place = 0; place < places; place++)
        {
            var copy = sample.DeepClone();
            Places(copy)[place]();
            var json = copy.ToJsonString().Replace("LONE", "\\ud800", StringComparison.Ordinal);

            var result = Parse(kind, json);

            Assert.Empty(result.Items);
            Assert.Contains(result.Errors, e => e.Reason == "schema" && e.Message.Contains("unpaired UTF-16 surrogate", StringComparison.Ordinal));
        }

        Assert.Equal(objectsAndStrings, places);
    }

    /// <summary>One edit per place: a property named by a lone surrogate escape added to each object, or each string made to hold one.</summary>
    private static List<Action> Places(JsonNode node)
    {
        var places = new List<Action>();
        switch (node)
        {
            case JsonObject o:
                places.Add(() => o["LONE"] = 1);
                foreach (var (_, child) in o.ToList())
                {
                    places.AddRange(child is null ? [] : Places(child));
                }

                break;
            case JsonArray a:
                foreach (var child in a.ToList())
                {
                    places.AddRange(child is null ? [] : Places(child));
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                places.Add(() => v.ReplaceWith("xLONE"));
                break;
        }

        return places;
    }

    [Fact]
    public void GivenAnAgeThatIsNoDicomAgeString_WhenParsed_ThenTheProblemShowsTheExpectedForm()
    {
        var item = Samples.Inference();
        item["patient"]!.AsObject().Remove("ageBand");
        item["patient"]!["age"] = "43Y";

        Assert.Equal(
            (0, "$.patient.age", "schema", "'43Y' must be a DICOM age string: 3 digits and D, W, M or Y, e.g. 043Y"),
            Only(Parse(EventKind.Inference, item)));
    }

    [Fact]
    public void GivenAPersonNameAsEthnicity_WhenParsed_ThenItIsRefusedForPrivacy()
    {
        var item = Samples.Inference();
        item["patient"]!["ethnicity"] = "Mary Jones";

        Assert.Equal(
            (0, "$.patient.ethnicity", "privacy", "value looks like a person's name ('Mary' is a given name); this field must not carry names or dates"),
            Only(Parse(EventKind.Inference, item)));
    }

    [Fact]
    public void GivenAnAgeBandEndingAt130_WhenParsed_ThenItIsStoredOpenEndedAndOneYearMoreIsRefused()
    {
        var item = Samples.Inference();
        item["patient"]!["ageBand"] = "65-130";
        var beyond = Samples.Inference();
        beyond["patient"]!["ageBand"] = "65-131";

        var inference = Assert.IsType<InferenceRecorded>(Assert.Single(Parse(EventKind.Inference, item).Items).Event);

        Assert.Equal("65+", inference.Patient.AgeBand);
        Assert.Equal((0, "$.patient.ageBand", "schema", "'65-131' must have lower ≤ upper ≤ 130"), Only(Parse(EventKind.Inference, beyond)));
    }

    [Fact]
    public void GivenACaretInText_WhenCheckedForNamesAndDates_ThenItIsADicomPersonName()
    {
        Assert.Equal("looks like a DICOM person name (Family^Given)", NameAndDateGuard.Problem("DOE^JANE"));
    }
}
