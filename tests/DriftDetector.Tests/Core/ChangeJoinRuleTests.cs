using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Which change a new finding joins: the four rules in their order (same signal in an overlapping scope while the change
/// unfolds; another signal of the same events that began with it; a scope nested with an open member's; a quiet change's
/// own signal re-crossing), each at its bounds, and each case built so that only the rule under test can place the finding —
/// so a rule tried out of order, a bound moved, or an <c>Any</c> read as <c>All</c> puts it elsewhere. Also the scope
/// relations and the summary's wording the rules and the root rely on.
/// </summary>
public sealed class ChangeJoinRuleTests
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

        public void Resolve(string id, double hours) => Core.Resolved(id, T0.AddHours(hours), ++sequence);
    }

    [Fact]
    public void GivenAChangeOfTheSameSignalAndAnotherThatBeganNearby_WhenAFindingQualifiesForBoth_ThenTheSameSignalRuleWins()
    {
        var t = new Tracker();
        var nearby = t.Attach("b1", "feature:x", "site=a", 0, 2);
        var same = t.Attach("a1", "feature:y", "sex=F", 36, 38);
        Assert.NotEqual(nearby, same);

        // Began 18 h in: within a day of the first change's start (another signal, overlapping scope) and of the second's
        // (its own signal, its own scope). The first change comes first in the list; the same-signal rule is tried first.
        Assert.Equal(same, t.Attach("n", "feature:y", "sex=F", 18, 40));
    }

    [Fact]
    public void GivenAChangeWhoseMembersResolved_WhenTheSameSignalStartedExactlyOneHorizonBeforeIt_ThenItJoinsAndOneTickEarlierItDoesNot()
    {
        var t = new Tracker();
        var change = t.Attach("c1", "feature:x", "site=a", 48, 50);
        t.Resolve("c1", 60);

        // 48 h − 24 h: the earliest start the same-signal rule takes (the others need an open member or a nested scope).
        Assert.Equal(change, t.Attach("n1", "feature:x", "sex=F", 24, 70));

        var other = new Tracker();
        var first = other.Attach("c1", "feature:x", "site=a", 48, 50);
        other.Resolve("c1", 60);
        Assert.NotEqual(first, other.Attach("n1", "feature:x", "sex=F", 24 - 1e-6, 70));
    }

    [Fact]
    public void GivenAChangeWithOneResolvedAndOneOpenMember_WhenTheResolvedMembersSignalCrossesLate_ThenItStillJoinsWhileAnyMemberIsOpen()
    {
        var t = new Tracker();
        var change = t.Attach("m1", "feature:x", "sex=F", 0, 2);
        Assert.Equal(change, t.Attach("m2", "feature:z", "site=a", 1, 3)); // another signal, overlapping, began with it
        t.Resolve("m1", 10);

        // Four days later, long after the last detection: only "a member is still open" keeps the change taking it.
        Assert.Equal(change, t.Attach("n", "feature:x", "sex=F", 100, 101));
    }

    [Fact]
    public void GivenAChangeWithMembersOnTwoSignals_WhenOneOfThemCrossesLateInAnOverlappingScope_ThenItJoinsThroughThatMemberAlone()
    {
        var t = new Tracker();
        var change = t.Attach("m1", "feature:x", "sex=F", 0, 2);
        t.Attach("m2", "feature:z", "site=a", 1, 3);

        // ageBand overlaps sex=F without being nested in it: only the same-signal rule (one matching member) can take it.
        Assert.Equal(change, t.Attach("n", "feature:x", "ageBand=40-64", 100, 101));
    }

    [Fact]
    public void GivenAnotherSignalStartingWithAChange_WhenANestedScopeOfAnOlderChangeAlsoQualifies_ThenTheChangeItBeganWithTakesIt()
    {
        var t = new Tracker();
        var older = t.Attach("b1", "feature:x", "site=a", 0, 2);
        var recent = t.Attach("a1", "feature:y", "sex=F", 48, 50);
        Assert.NotEqual(older, recent);

        // Nested in the older change's open site=a member, and began with the recent change on another signal.
        Assert.Equal(recent, t.Attach("n", "feature:w", "site=a&sex=F", 50, 52));
    }

    [Fact]
    public void GivenAChangeWithAnOverlappingAndAConflictingOpenMember_WhenAnotherSignalBeginsWithIt_ThenItJoinsThroughTheOverlappingOne()
    {
        var t = new Tracker();
        var change = t.Attach("a1", "feature:y", "sex=F", 48, 50);
        Assert.Equal(change, t.Attach("a2", "feature:v", "ageBand=0-17", 49, 51));

        // sex=M conflicts with a1's scope and overlaps a2's.
        Assert.Equal(change, t.Attach("n", "feature:w", "sex=M", 50, 52));
    }

    [Fact]
    public void GivenAQuietChangeAndAnOpenOne_WhenANestedScopeOfTheOpenOneQualifies_ThenTheOpenChangeIsPreferredToTheQuietOne()
    {
        var t = new Tracker();
        var quiet = t.Attach("q1", "feature:x", "site=a", 0, 2);
        t.Resolve("q1", 10);
        var open = t.Attach("p1", "feature:y", "site=a", 20, 22);
        Assert.NotEqual(quiet, open);

        // The quiet change's own signal in its own scope re-crossing, but an open member of another change holds the scope.
        Assert.Equal(open, t.Attach("n", "feature:x", "site=a", 100, 101));
    }

    [Fact]
    public void GivenAQuietChangeWithMembersOnTwoSignals_WhenOneOfThemReCrossesInItsScope_ThenItRejoinsThatChange()
    {
        var t = new Tracker();
        var change = t.Attach("q1", "feature:x", "site=a", 0, 2);
        Assert.Equal(change, t.Attach("q2", "feature:z", "sex=F", 1, 3));
        t.Resolve("q1", 10);
        t.Resolve("q2", 11);

        Assert.Equal(change, t.Attach("n", "feature:x", "site=a", 100, 101));
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

    [Fact]
    public void GivenScopeKeys_WhenSplitIntoParts_ThenPartsWithoutAnEqualsSignAreSkippedAndAnyValueFixesNothing()
    {
        Assert.Equal(new Dictionary<string, string> { ["site"] = "b" }, Scopes.Parts("site=b&junk", null));
        Assert.Equal(new Dictionary<string, string> { [""] = "x" }, Scopes.Parts("=x", null));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "p", ["sex"] = "F" }, Scopes.Parts("sex=F&ageBand=*", "p"));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "p" }, Scopes.Parts("*", "p"));
        Assert.Empty(Scopes.Parts("", null));
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
