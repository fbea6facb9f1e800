using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Root-cause grouping decisions (issue 11, item 5) on the tracker alone: which member names the change, and that one change
/// reaches people once — a signal re-crossing after its findings resolved rejoins its change within the quiet period.
/// </summary>
public sealed class ChangeTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 16, 0, 0, 0, TimeSpan.Zero);

    private static (DeploymentState State, ChangeTracker Tracker, List<object> Emitted) New()
    {
        var state = new DeploymentState { Key = "cxr@1", Model = new ModelRef("cxr", "1") };
        var emitted = new List<object>();
        return (state, new ChangeTracker(state, emitted), emitted);
    }

    private static ChangeCandidate Candidate(string id, string signal, string scope, double effect, long size, double hours, string? newGroup = null) =>
        new(id, FindingKind.DistributionShift, signal, scope, Severity.Warning, effect, 100, T0.AddHours(hours - 2), T0.AddHours(hours), newGroup, 0, size);

    private static string Root(List<object> emitted, string changeId) =>
        emitted.OfType<ChangeRevised>().Where(r => r.ChangeId == changeId).Select(r => r.RootScope).LastOrDefault()
        ?? emitted.OfType<ChangeOpened>().Single(o => o.ChangeId == changeId).RootScope;

    [Fact]
    public void GivenAShiftAtOneSiteSeenDilutedInThePopulation_WhenTheSiteAlarms_ThenTheSiteIsTheRoot()
    {
        var (_, tracker, emitted) = New();
        // site-b is a quarter of the population: +1.2 SD there is +0.3 in the population.
        var (id, _) = tracker.Attach(Candidate("f1", "feature:meanIntensity", "*", 0.3, 40_000, 5), 1);
        tracker.Flush();
        tracker.Attach(Candidate("f2", "feature:meanIntensity", "site=site-b", 1.2, 10_000, 6), 2);
        tracker.Flush();

        Assert.Equal("site=site-b", Root(emitted, id));
    }

    [Fact]
    public void GivenAPopulationWideShift_WhenASmallSubgroupShowsANoisyLargerEffect_ThenThePopulationStaysTheRoot()
    {
        var (_, tracker, emitted) = New();
        var (id, _) = tracker.Attach(Candidate("f1", "rate:predicted-positive:consolidation", "*", 0.10, 40_000, 5), 1);
        tracker.Flush();
        // 5 % of the population with a 1.5× effect explains 7.5 % of the population's excess: a consequence, not the cause.
        tracker.Attach(Candidate("f2", "rate:predicted-positive:consolidation", "ethnicity=other", 0.15, 2_000, 6), 2);
        tracker.Flush();

        Assert.Equal("*", Root(emitted, id));
    }

    [Fact]
    public void GivenANewGroupThatLivesAtOneSite_WhenSeveralScopesSeeIt_ThenTheNarrowestScopeHoldingAllItsEventsIsTheRoot()
    {
        var (state, tracker, emitted) = New();
        state.Monitors.NewGroupEvents["ageBand=0-17"] = new(StringComparer.Ordinal)
        {
            ["*"] = 400, ["site=site-b"] = 400, ["sex=M"] = 210, ["manufacturer=SIEMENS&site=site-b"] = 400,
        };
        var (id, _) = tracker.Attach(Candidate("f1", "subgroup:ageBand", "*", 0.05, 40_000, 2, "ageBand=0-17"), 1);
        tracker.Attach(Candidate("f2", "subgroup:ageBand", "sex=M", 0.05, 20_000, 3, "ageBand=0-17"), 2);
        tracker.Attach(Candidate("f3", "subgroup:ageBand", "site=site-b", 0.2, 10_000, 3, "ageBand=0-17"), 3);
        tracker.Flush();
        // Children are what changed at site-b: the scope is the place whose mix changed, the group is named in the summary.
        Assert.Equal("site=site-b", Root(emitted, id));
        Assert.Contains("ageBand=0-17", emitted.OfType<ChangeRevised>().Last(r => r.ChangeId == id).Summary, StringComparison.Ordinal);

        tracker.Attach(Candidate("f4", "subgroup:ageBand", "manufacturer=SIEMENS&site=site-b", 0.2, 10_000, 4, "ageBand=0-17"), 4);
        tracker.Flush();
        Assert.Equal("manufacturer=SIEMENS&site=site-b", Root(emitted, id));
    }

    [Fact]
    public void GivenANewSiteWithItsOwnVendor_WhenBothNewGroupsAlarm_ThenTheSiteNamesTheChange()
    {
        var (state, tracker, emitted) = New();
        state.Monitors.NewGroupEvents["manufacturer=Canon"] = new(StringComparer.Ordinal) { ["*"] = 300 };
        state.Monitors.NewGroupEvents["site=site-e"] = new(StringComparer.Ordinal) { ["*"] = 300 };
        var (id, _) = tracker.Attach(Candidate("f1", "subgroup:manufacturer", "*", 0.06, 40_000, 2, "manufacturer=Canon"), 1);
        tracker.Attach(Candidate("f2", "subgroup:site", "*", 0.06, 40_000, 2, "site=site-e"), 2);
        tracker.Flush();

        Assert.Equal("site=site-e", Root(emitted, id));
    }

    [Fact]
    public void GivenAChangeWhoseFindingsResolved_WhenItsSignalReCrossesWithinTheQuietPeriod_ThenItRejoinsTheSameChange()
    {
        var (_, tracker, emitted) = New();
        var (id, _) = tracker.Attach(Candidate("f1", "feature:meanIntensity", "site=site-b", 1.2, 10_000, 5), 1);
        tracker.Flush();
        tracker.Resolved("f1", T0.AddHours(20), 2);
        tracker.Tick(T0.AddHours(30), 3);
        Assert.DoesNotContain(emitted, e => e is ChangeClosed);

        // 14 h after it resolved (the demo's re-crossing), the same signal at the same site alarms again.
        var (again, _) = tracker.Attach(Candidate("f2", "feature:meanIntensity", "site=site-b", 1.1, 10_000, 34), 4);
        tracker.Flush();
        Assert.Equal(id, again);
        Assert.Single(emitted.OfType<ChangeOpened>());

        tracker.Resolved("f2", T0.AddHours(40), 5);
        tracker.Tick(T0.AddHours(40) + ChangeTracker.Quiet - TimeSpan.FromMinutes(1), 6);
        Assert.DoesNotContain(emitted, e => e is ChangeClosed);
        tracker.Tick(T0.AddHours(40) + ChangeTracker.Quiet, 7);
        Assert.Equal(id, Assert.Single(emitted.OfType<ChangeClosed>()).ChangeId);
    }

    [Fact]
    public void GivenAnOpenSubgroupDecay_WhenAnOverlappingScopeShowsItDilutedWeeksLater_ThenItJoinsAsAConsequence()
    {
        var (_, tracker, emitted) = New();
        var decay = new ChangeCandidate("f1", FindingKind.PerformanceDecay, "performance:sensitivity:all-labels", "ethnicity=asian", Severity.Critical,
            0.1, 900, T0.AddDays(-5), T0, null, 0, 1_000);
        var (id, _) = tracker.Attach(decay, 1);
        // AP films include the subgroup's: their pleural-effusion sensitivity falls a little, detected 15 days later.
        var diluted = new ChangeCandidate("f2", FindingKind.PerformanceDecay, "performance:sensitivity:pleural-effusion", "viewPosition=AP", Severity.Critical,
            0.02, 3_000, T0.AddDays(3), T0.AddDays(15), null, 0, 3_000);
        var (joined, _) = tracker.Attach(diluted, 2);
        tracker.Flush();

        Assert.Equal(id, joined);
        Assert.Equal("ethnicity=asian", Root(emitted, id));
        Assert.True(ChangeTracker.SameSignal("performance:sensitivity:all-labels", "performance:sensitivity:consolidation"));
        Assert.False(ChangeTracker.SameSignal("performance:sensitivity:all-labels", "performance:specificity:consolidation"));
    }

    [Fact]
    public void GivenTwoIndependentChanges_WhenTheyConcernDisjointScopesAndSignals_ThenTheyAreTwoChanges()
    {
        var (_, tracker, _) = New();
        var (a, _) = tracker.Attach(Candidate("f1", "feature:meanIntensity", "site=site-b", 1.2, 10_000, 5), 1);
        var (b, _) = tracker.Attach(Candidate("f2", "study:viewPosition", "site=site-c", 0.3, 10_000, 6), 2);
        Assert.NotEqual(a, b);
    }
}
