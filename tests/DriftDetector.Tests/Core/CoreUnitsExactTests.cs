using System.Text.Json;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Small pure pieces of the detection core pinned value by value: the categorical test's choice between Fisher and
/// chi-squared, the degenerate one-category table, the one-sided proportion test with no variance, the policy history's
/// effective version, scope set relations and the compact sample format's errors.
/// </summary>
public sealed class CoreUnitsExactTests
{
    [Fact]
    public void GivenATwoByTwoTableWithAnExpectedCellBelowFive_WhenCompared_ThenFishersExactTestDecides()
    {
        // Expected count of the first reference cell: 9·8/18 = 4 < 5 (both columns and rows are balanced).
        var cmp = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["a"] = 4, ["b"] = 4 }, new Dictionary<string, long> { ["a"] = 5, ["b"] = 5 });

        var fisher = Statistics.Categorical.FisherExact(4, 4, 5, 5);
        Assert.Equal((fisher.Statistic, fisher.PValue, 0.0), (cmp.Statistic, cmp.PValue, cmp.Effect));
    }

    [Fact]
    public void GivenATwoByTwoTableWhoseSmallestExpectedCellIsFive_WhenCompared_ThenChiSquaredDecides()
    {
        // Expected of the second reference cell: 10·105/210 = 5.
        var cmp = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["a"] = 100, ["b"] = 5 }, new Dictionary<string, long> { ["a"] = 100, ["b"] = 5 });

        var chi2 = Statistics.Categorical.ChiSquaredHomogeneity([100, 5], [100, 5]);
        Assert.Equal((chi2.Statistic, chi2.PValue), (cmp.Statistic, cmp.PValue));
    }

    [Theory]
    [InlineData("tv")]
    [InlineData("chi2")]
    [InlineData("g-test")]
    public void GivenOneCategoryOrNone_WhenCompared_ThenThereIsNothingToTestWhateverTheMethod(string method)
    {
        Assert.Equal(new Comparison(0, 1, 0), SignalTests.Categorical(method, new Dictionary<string, long> { ["a"] = 10 }, new Dictionary<string, long> { ["a"] = 20 }));
        Assert.Equal(new Comparison(0, 1, 0), SignalTests.Categorical(method, new Dictionary<string, long>(), new Dictionary<string, long>()));
    }

    [Fact]
    public void GivenNoVarianceInEitherProportion_WhenTestedOneSided_ThenThereIsNoEvidenceOfADrop()
    {
        Assert.Equal(1.0, SignalTests.OneSidedLowerP(0, 10, 0, 20));
        Assert.Equal(1.0, SignalTests.OneSidedLowerP(10, 10, 20, 20));
    }

    private static PolicyVersion Version(string deployment, int version, long after) =>
        new(deployment, version, after, new Policies.MonitoringPolicy(), null, "h" + version);

    [Fact]
    public void GivenVersionsGivenOutOfOrder_WhenResolved_ThenTheLatestVersionEffectiveStrictlyBeforeTheEventApplies()
    {
        var h = new PolicyHistory([Version("m@1", 3, 20), Version("m@1", 1, 0), Version("m@1", 2, 10)]);

        Assert.Null(h.Effective("m@1", 0));
        Assert.Equal(1, h.Effective("m@1", 10)!.Version); // version 2 applies only after sequence 10
        Assert.Equal(2, h.Effective("m@1", 11)!.Version);
        Assert.Equal(3, h.Effective("m@1", 500)!.Version);
        Assert.Null(h.Effective("other@1", 500));
    }

    [Fact]
    public void GivenSeveralDeployments_WhenListed_ThenTheyComeInOrdinalOrderEachByVersion()
    {
        var h = new PolicyHistory([Version("b@1", 2, 5), Version("a@1", 1, 0), Version("b@1", 1, 0), Version("B@1", 1, 0)]);

        Assert.Equal(["B@1:1", "a@1:1", "b@1:1", "b@1:2"], h.All.Select(v => $"{v.Deployment}:{v.Version}"));
    }

    [Fact]
    public void GivenASiteSpecificPolicy_WhenResolved_ThenItWinsForThatSiteOnly()
    {
        var h = new PolicyHistory([Version("m@1", 1, 0), Version("m@1@north", 1, 0)]);

        Assert.Equal("m@1@north", h.Resolve("m", "1", "north", 1)!.Value.Key);
        Assert.Equal("m@1", h.Resolve("m", "1", "south", 1)!.Value.Key);
        Assert.Null(h.Resolve("m", "2", "north", 1));
    }

    [Fact]
    public void GivenScopes_WhenCompared_ThenEqualScopesAreNotNarrowerAndAnEmptyAttributeNameIsStillAnAttribute()
    {
        Assert.False(Scopes.Narrower("site=a", "site=a"));
        Assert.False(Scopes.Narrower("sex=F", "site=a"));
        Assert.True(Scopes.Narrower("site=a&sex=F", "site=a"));
        Assert.Equal(new Dictionary<string, string> { [""] = "x", ["sex"] = "F" }, Scopes.Parts("=x&sex=F&junk", null));
    }

    private sealed class Holder
    {
        [System.Text.Json.Serialization.JsonConverter(typeof(CompactDoubles))]
        public List<double> Values { get; set; } = [];
    }

    [Fact]
    public void GivenAMalformedCompactSample_WhenRead_ThenTheErrorSaysWhatIsWrong()
    {
        var bad = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"Values":"AAAA"}"""));
        Assert.Equal("A compact sample has 3 bytes, not a multiple of 8.", bad.Message);
        var wrong = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"Values":12}"""));
        Assert.Equal("A sample of doubles is a base64 string or an array, not Number.", wrong.Message);
    }
}
