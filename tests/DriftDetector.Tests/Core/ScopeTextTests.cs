using Monitoring.DriftDetector.Detection;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Scope keys become the site and subgroup shown in the API and the metrics. The demo's first persisted window had a
/// population-level status row with an empty scope key, which used to throw and stop the whole subscription.
/// </summary>
public sealed class ScopeTextTests
{
    [Theory]
    [InlineData("")]
    [InlineData("*")]
    public void GivenPopulationScope_WhenDescribed_ThenPolicySiteAndNoSubgroup(string scope)
    {
        var (site, subgroup) = ScopeText.Describe(scope, "site-a");

        Assert.Equal("site-a", site);
        Assert.Empty(subgroup);
    }

    [Fact]
    public void GivenIntersectionWithSite_WhenDescribed_ThenSiteIsSeparatedAndValuesUnescaped()
    {
        var (site, subgroup) = ScopeText.Describe("ethnicity=a%26b&site=site-b&sex=F", null);

        Assert.Equal("site-b", site);
        Assert.Equal(new Dictionary<string, string> { ["ethnicity"] = "a&b", ["sex"] = "F" }, subgroup);
    }

    [Fact]
    public void GivenMalformedPart_WhenDescribed_ThenShownAsItIsInsteadOfThrowing()
    {
        var (_, subgroup) = ScopeText.Describe("sex=F&oops", null);

        Assert.Equal("F", subgroup["sex"]);
        Assert.Equal("oops", subgroup["scope"]);
    }

    [Fact]
    public void GivenAcrossTheValuesOfSite_WhenDescribed_ThenThePolicySiteStaysAndTheScopeShowsIt()
    {
        var (site, subgroup) = ScopeText.Describe("site=*", "site-a");

        Assert.Equal("site-a", site);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "*" }, subgroup);
    }

    [Fact]
    public void GivenAPartWithAnEmptyAttribute_WhenDescribed_ThenItIsAnAttributeNotAMalformedPart()
    {
        var (_, subgroup) = ScopeText.Describe("=x", null);

        Assert.Equal(new Dictionary<string, string> { [""] = "x" }, subgroup);
    }
}
