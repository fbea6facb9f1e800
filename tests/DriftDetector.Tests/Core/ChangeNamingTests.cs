using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// What a change names (a member's cause, where the summary says it changed, a new group added to the summary only when the
/// root scope does not already name it) and when one scope is narrower than another, as tables of cases. The join rules
/// themselves are pinned in <see cref="ChangeJoinExactTests"/>.
/// </summary>
public sealed class ChangeNamingTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 16, 0, 0, 0, TimeSpan.Zero);

    private sealed class Tracker
    {
        public DeploymentState State { get; } = new() { Key = "cxr@1", Model = new ModelRef("cxr", "1") };
        public List<object> Emitted { get; } = [];
        private long sequence;

        private ChangeTracker Core => new(State, Emitted);

        public string Attach(string id, string signal, string scope, double startHours, double detectedHours, string? newGroup = null)
        {
            var tracker = Core;
            var (change, _) = tracker.Attach(
                new ChangeCandidate(id, FindingKind.DistributionShift, signal, scope, Severity.Warning, 0.5, 100, T0.AddHours(startHours),
                    T0.AddHours(detectedHours), newGroup, 0, 1_000),
                ++sequence);
            tracker.Flush();
            return change;
        }
    }

    [Theory]
    [InlineData("", "site=site-e", "site=site-e")]
    [InlineData("*", "site=site-e", "site=site-e")]
    [InlineData("sex=F", "site=site-e", "sex=F&site=site-e")]
    [InlineData("site=b", "ageBand=0-17", "site=b")]
    [InlineData("site=b", null, "site=b")]
    public void GivenAMembersScopeAndNewGroup_WhenItsCauseIsRead_ThenANewSiteNarrowsTheScopeAndAnyOtherGroupLeavesIt(string scope, string? group, string cause) =>
        Assert.Equal(cause, new ChangeMemberState { Scope = scope, NewGroup = group }.Cause);

    [Theory]
    [InlineData("", "the whole population")]
    [InlineData("*", "the whole population")]
    [InlineData("site=b", "site=b")]
    public void GivenARootScope_WhenTheChangeOpens_ThenTheSummaryNamesWhereItChanged(string scope, string where)
    {
        var t = new Tracker();
        t.Attach("f1", "feature:x", scope, 0, 2);

        var opened = Assert.Single(t.Emitted.OfType<ChangeOpened>());
        Assert.StartsWith($"Root cause: feature:x changed in {where} of cxr@1 since 2025-01-16 00:00Z (effect ", opened.Summary);
    }

    [Theory]
    [InlineData("site=b&preview=PA", true)] // ends with "view=PA" but names another attribute: the group is not in the scope
    [InlineData("site=b&view=PA", false)]
    [InlineData("view=PA", false)]
    public void GivenANewGroup_WhenTheRootScopeDoesOrDoesNotAlreadyNameIt_ThenTheSummaryAddsItOnlyWhenItDoesNot(string scope, bool added)
    {
        var t = new Tracker();
        t.Attach("f1", "category:viewPosition", scope, 0, 2, newGroup: "view=PA");

        var summary = Assert.Single(t.Emitted.OfType<ChangeOpened>()).Summary;
        Assert.Equal(added, summary.Contains(": a group absent from the reference, view=PA, appeared", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("site=b&sex=F", "site=b", true)]
    [InlineData("site=b&sex=F", "*", true)]
    [InlineData("site=b", "site=b", false)]      // the same scope is not narrower
    [InlineData("site=a&sex=F", "site=b", false)] // more parts, but not inside
    [InlineData("sex=F", "site=b", false)]
    [InlineData("site=b", "site=b&sex=F", false)]
    public void GivenTwoScopes_WhenAskedWhetherOneIsNarrower_ThenItMustFixEveryPartOfTheOtherAndMore(string narrow, string wide, bool expected) =>
        Assert.Equal(expected, Scopes.Narrower(narrow, wide));
}
