using System.Text;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// The same forbidden names as <see cref="PrivacyGuardNamesTests"/> (its list, as written and respelled), driven through the
/// validator directly: the HTTP test proves the route refuses them and stores nothing; this one pins each refusal's path,
/// reason and item without I/O, so that the mutation run (which runs the covering tests once per mutant) can use it.
/// </summary>
public sealed class PrivacyGuardNamesUnitTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Names() => new(PrivacyGuardNamesTests.ForbiddenNames);

    [Theory]
    [MemberData(nameof(Names))]
    public void GivenAForbiddenNameOnThePatient_WhenValidated_ThenTheItemIsRefusedForPrivacyAtThatPathAsWrittenAndRespelled(string name)
    {
        var written = Samples.Inference();
        written["patient"]![name] = "x";
        var respelled = Samples.Inference();
        var other = PrivacyGuardNamesTests.Respelled(name);
        respelled["patient"]![other] = "x";

        var result = BatchParser.ParseJson(EventKind.Inference, Encoding.UTF8.GetBytes(Samples.Array([written, respelled]).ToJsonString()), Now, 10);

        Assert.False(result.IsValid);
        Assert.Empty(result.Items);
        Assert.Equal(2, result.ItemCount);
        var privacy = result.Errors.Where(e => e.Reason == "privacy").Select(e => (e.Index, e.Path)).ToList();
        Assert.Contains((0, $"$[0].patient.{name}"), privacy);
        Assert.Contains((1, $"$[1].patient.{other}"), privacy);
    }

    [Fact]
    public void GivenEachForbiddenNameAtTheTopOfTheItem_WhenValidated_ThenItIsRefusedForPrivacyThere()
    {
        var items = PrivacyGuardNamesTests.ForbiddenNames.Select(name =>
        {
            var item = Samples.Inference();
            item[name] = "x";
            return item;
        }).ToList();

        var result = BatchParser.ParseJson(EventKind.Inference, Encoding.UTF8.GetBytes(Samples.Array(items).ToJsonString()), Now, 100);

        var privacy = result.Errors.Where(e => e.Reason == "privacy").Select(e => (e.Index, e.Path)).ToHashSet();
        var missed = PrivacyGuardNamesTests.ForbiddenNames.Select((name, i) => (i, $"$[{i}].{name}")).Where(p => !privacy.Contains(p)).ToList();
        Assert.True(missed.Count == 0, "not refused for privacy: " + string.Join(", ", missed));
    }
}
