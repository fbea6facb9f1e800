using System.Security.Cryptography;
using System.Text;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The root-cause grouping's exact output: the change events (opened, revised, closed) with every field, which open change a
/// new finding joins at each time boundary (<see cref="ChangeTracker.Horizon"/> = 1 day, <see cref="ChangeTracker.Quiet"/> =
/// 2 days), and which member is the root at the boundaries of its rules.
/// </summary>
public sealed class ChangeEventTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private const string Mean = "feature:meanIntensity";

    private static (DeploymentState State, ChangeTracker Tracker, List<object> Emitted) New(string? site = null)
    {
        var state = new DeploymentState { Key = "cxr@1", Model = new ModelRef("cxr", "1"), Site = site };
        var emitted = new List<object>();
        return (state, new ChangeTracker(state, emitted), emitted);
    }

    private static ChangeCandidate At(string id, string scope, DateTimeOffset start, string signal = Mean, double effect = 1.0, long size = 1000,
        Severity severity = Severity.Warning, DateTimeOffset? detected = null, long events = 100, string? newGroup = null) =>
        new(id, FindingKind.DistributionShift, signal, scope, severity, effect, events, start, detected ?? start.AddHours(2), newGroup, 0, size);

    private static string ChangeId(string key, string findingId) =>
        "chg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{key}|{findingId}")))[..24];

    private static string RootOf(ChangeTracker tracker, List<object> emitted)
    {
        tracker.Flush();
        return emitted.OfType<ChangeRevised>().LastOrDefault()?.RootScope ?? emitted.OfType<ChangeOpened>().Last().RootScope;
    }

    [Fact]
    public void GivenAFirstFinding_WhenAttachedAndFlushed_ThenAChangeOpensWithExactlyItsFields()
    {
        var (state, tracker, emitted) = New();

        var (id, isRoot) = tracker.Attach(At("f1", "site=site-b", T0.AddHours(3), detected: T0.AddHours(5)), 7);
        Assert.Empty(emitted);
        tracker.Flush();
        tracker.Flush();

        Assert.Equal((ChangeId("cxr@1", "f1"), true), (id, isRoot));
        var o = Assert.IsType<ChangeOpened>(Assert.Single(emitted));
        Assert.Equal((id, "cxr@1", new ModelRef("cxr", "1"), "site-b", "site=site-b"), (o.ChangeId, o.Deployment, o.Model, o.Site, o.RootScope));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "site-b" }, o.RootSubgroup);
        Assert.Equal((FindingKind.DistributionShift, Severity.Warning, "f1"), (o.Kind, o.Severity, o.RootFindingId));
        Assert.Equal("Root cause: feature:meanIntensity changed in site=site-b of cxr@1 since 2025-01-16 03:00Z (effect 1, 100 events).", o.Summary);
        Assert.Equal(("f1", FindingKind.DistributionShift, Mean, Severity.Warning), Assert.Single(o.Members) is var m ? (m.FindingId, m.Kind, m.Signal, m.Severity) : default);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "site-b" }, o.Members[0].Subgroup);
        Assert.Equal((T0.AddHours(3), 100L, T0.AddHours(5), 7L), (o.EstimatedStart, o.AffectedEvents, o.DetectedAt, o.IngestSequence));
        var c = Assert.Single(state.Changes);
        Assert.Equal((T0.AddHours(3), T0.AddHours(5), Mean, 0, 0), (c.Start, c.LastDetectedAt, c.TriggerSignal, c.Root, c.Revision));
    }

    [Fact]
    public void GivenAConsequenceAndANewRoot_WhenTheyJoin_ThenEachRevisionCarriesTheRootTheMembersAndTheHighestSeverity()
    {
        var (state, tracker, emitted) = New(site: "site-a");
        var (id, _) = tracker.Attach(At("f1", "*", T0, effect: 0.3, size: 40_000, detected: T0.AddHours(5)), 1);
        tracker.Flush();

        // site-b: a quarter of the population with four times the effect explains it and becomes the root.
        var (joined, isRoot) = tracker.Attach(At("f2", "site=site-b", T0.AddHours(1), effect: 1.2, size: 10_000, severity: Severity.Critical, detected: T0.AddHours(6), events: 40), 2);
        tracker.Flush();
        Assert.Equal((id, true), (joined, isRoot));
        var r = Assert.IsType<ChangeRevised>(emitted[^1]);
        Assert.Equal((id, 1, Severity.Critical, "f2", "site=site-b", 40L, T0.AddHours(6), 2L), (r.ChangeId, r.Revision, r.Severity, r.RootFindingId, r.RootScope, r.AffectedEvents, r.UpdatedAt, r.IngestSequence));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "site-b" }, r.RootSubgroup);
        Assert.Equal(["f2", "f1"], r.Members.Select(m => m.FindingId));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "site-a" }, r.Members[1].Subgroup);
        Assert.Equal("Root cause: feature:meanIntensity changed in site=site-b of cxr@1 since 2025-01-16 00:00Z (effect 1.2, 40 events); 1 consequence: feature:meanIntensity in *.", r.Summary);

        // Detected earlier than the change's latest detection: LastDetectedAt keeps the latest.
        var (third, thirdIsRoot) = tracker.Attach(At("f3", "sex=F", T0.AddHours(2), signal: "feature:imageQuality", effect: 0.1, detected: T0.AddHours(4)), 3);
        tracker.Flush();
        Assert.Equal((id, false), (third, thirdIsRoot));
        r = Assert.IsType<ChangeRevised>(emitted[^1]);
        Assert.Equal((2, "f2", T0.AddHours(4)), (r.Revision, r.RootFindingId, r.UpdatedAt));
        Assert.EndsWith("; 2 consequences: feature:meanIntensity in *, feature:imageQuality in sex=F.", r.Summary, StringComparison.Ordinal);
        Assert.Equal(T0.AddHours(6), state.Changes[0].LastDetectedAt);
        Assert.Equal(3, emitted.Count);
    }

    [Theory]
    // Same signal, overlapping (not nested) scope: from a horizon before the change's start…
    [InlineData(-24 * 60, true)]
    [InlineData(-24 * 60 - 1, false)]
    // …and whenever it starts while a member is open.
    [InlineData(20 * 24 * 60, true)]
    public void GivenAnOpenChange_WhenAnOverlappingScopeOfTheSameSignalStarts_ThenItJoinsFromAHorizonBeforeItsStart(int minutes, bool joins)
    {
        var (_, tracker, _) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);

        var (other, _) = tracker.Attach(At("f2", "sex=F", T0.AddMinutes(minutes)), 2);

        Assert.Equal(joins, other == id);
    }

    [Theory]
    // Every member resolved: the same signal joins up to a horizon after the latest detection (T0 + 2 h), not later.
    [InlineData(26 * 60, true)]
    [InlineData(26 * 60 + 1, false)]
    public void GivenAChangeWhoseMembersResolved_WhenTheSameSignalStartsInAnOverlappingScope_ThenItJoinsUntilAHorizonAfterTheLastDetection(int minutes, bool joins)
    {
        var (_, tracker, _) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);
        tracker.Resolved("f1", T0.AddHours(3), 2);

        var (other, _) = tracker.Attach(At("f2", "sex=F", T0.AddMinutes(minutes)), 3);

        Assert.Equal(joins, other == id);
    }

    [Theory]
    // Another signal in an overlapping scope joins only while it starts within a horizon of the change's start.
    [InlineData(24 * 60, true)]
    [InlineData(24 * 60 + 1, false)]
    [InlineData(-24 * 60, true)]
    [InlineData(-24 * 60 - 1, false)]
    public void GivenAnOpenChange_WhenAnotherSignalStartsInAnOverlappingScope_ThenItJoinsWithinAHorizonOfTheStart(int minutes, bool joins)
    {
        var (_, tracker, _) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);

        var (other, _) = tracker.Attach(At("f2", "sex=F", T0.AddMinutes(minutes), signal: "study:manufacturer"), 2);

        Assert.Equal(joins, other == id);
    }

    [Fact]
    public void GivenAnOverlappingScopeWhoseMemberResolved_WhenAnotherSignalStartsWithinTheHorizon_ThenItIsANewChange()
    {
        var (_, tracker, _) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);
        tracker.Resolved("f1", T0.AddHours(3), 2);

        var (other, _) = tracker.Attach(At("f2", "sex=F", T0.AddHours(1), signal: "study:manufacturer"), 3);

        Assert.NotEqual(id, other);
    }

    [Theory]
    // A nested scope (narrower or wider) of an open member joins whatever its signal and start.
    [InlineData("sex=F&site=site-b", "study:manufacturer", false, true)]
    [InlineData("*", "study:manufacturer", false, true)]
    // Once every member resolved, only the same signal in a nested scope rejoins (within the quiet period).
    [InlineData("sex=F&site=site-b", "study:manufacturer", true, false)]
    [InlineData("sex=F&site=site-b", Mean, true, true)]
    [InlineData("site=site-b", Mean, true, true)]
    [InlineData("site=site-c", Mean, true, false)]
    public void GivenAChangeAtASite_WhenANestedScopeAlarmsTenDaysLater_ThenItJoinsWhileAMemberIsOpenOrTheSameSignalReturns(string scope, string signal, bool resolved, bool joins)
    {
        var (_, tracker, _) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);
        if (resolved) tracker.Resolved("f1", T0.AddDays(9), 2);

        var (other, _) = tracker.Attach(At("f2", scope, T0.AddDays(10), signal: signal), 3);

        Assert.Equal(joins, other == id);
    }

    [Fact]
    public void GivenTwoMembers_WhenOneResolves_ThenTheChangeIsNotQuietUntilTheOtherResolvesAndAJoinEndsTheQuiet()
    {
        var (state, tracker, emitted) = New();
        var (id, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);
        tracker.Attach(At("f2", "*", T0.AddHours(1)), 2);
        tracker.Flush();
        var change = state.Changes[0];

        tracker.Resolved("unknown", T0.AddHours(5), 3);
        tracker.Resolved("f1", T0.AddHours(5), 3);
        Assert.Equal([false, true], change.Members.Select(m => m.Open));
        Assert.Null(change.QuietSince);

        tracker.Resolved("f2", T0.AddHours(6), 4);
        Assert.Equal(T0.AddHours(6), change.QuietSince);

        tracker.Attach(At("f3", "site=site-b", T0.AddHours(7)), 5);
        Assert.Null(change.QuietSince);
        tracker.Tick(T0.AddDays(30), 6);
        Assert.DoesNotContain(emitted, e => e is ChangeClosed);
        Assert.Equal(id, Assert.Single(state.Changes).Id);
    }

    [Fact]
    public void GivenTwoQuietChanges_WhenTheQuietPeriodEnds_ThenEachClosesOnceAtItsOwnTime()
    {
        var (state, tracker, emitted) = New();
        var (a, _) = tracker.Attach(At("f1", "site=site-b", T0), 1);
        var (b, _) = tracker.Attach(At("f2", "site=site-c", T0, signal: "study:manufacturer"), 2);
        var (c, _) = tracker.Attach(At("f3", "site=site-d", T0, signal: "study:viewPosition"), 3);
        tracker.Flush();
        emitted.Clear();
        tracker.Resolved("f1", T0.AddHours(10), 4);
        tracker.Resolved("f2", T0.AddHours(10), 5);

        tracker.Tick(T0.AddHours(10) + ChangeTracker.Quiet - TimeSpan.FromTicks(1), 6);
        Assert.Empty(emitted);
        tracker.Tick(T0.AddHours(10) + ChangeTracker.Quiet, 7);

        Assert.Equal([new ChangeClosed(b, T0.AddHours(10) + ChangeTracker.Quiet, 7), new ChangeClosed(a, T0.AddHours(10) + ChangeTracker.Quiet, 7)], emitted);
        Assert.Equal(c, Assert.Single(state.Changes).Id);
    }

    [Theory]
    [InlineData(Mean, Mean, true)]
    [InlineData("performance:sensitivity:consolidation", "performance:sensitivity:all-labels", true)]
    [InlineData("performance:sensitivity:all-labels", "performance:sensitivity:consolidation", true)]
    [InlineData("performance:sensitivity:consolidation", "performance:sensitivity:effusion", false)]
    [InlineData("performance:specificity:all-labels", "performance:sensitivity:consolidation", false)]
    [InlineData("performance:sensitivity", "performance:sensitivity:all-labels", false)]
    [InlineData("performance:sensitivity:all-labels", "performance:sensitivity", false)]
    [InlineData("estimated:sensitivity:all-labels", "performance:sensitivity:all-labels", false)]
    [InlineData("performance:sensitivity:all-labels", "estimated:sensitivity:all-labels", false)]
    public void GivenTwoSignals_WhenCompared_ThenOnlyTheSameOrALabelAndItsPooledMetricAreTheSame(string a, string b, bool same) =>
        Assert.Equal(same, ChangeTracker.SameSignal(a, b));

    [Theory]
    // The narrower scope must beat the wider by more than 1.3 times the effect…
    [InlineData(1.0, 1000, 1.3, 1000, "*")]
    [InlineData(1.0, 1000, 1.31, 1000, "site=site-b")]
    // …and account for at least 70 % of the wider one's excess (effect × reference size).
    [InlineData(0.5, 10_000, 1.0, 3_499, "*")]
    [InlineData(0.5, 10_000, 1.0, 3_501, "site=site-b")]
    // Sizes below one count as one.
    [InlineData(0.5, 0, 1.0, 0, "site=site-b")]
    // Effects are compared in absolute value (a shift down).
    [InlineData(-0.3, 40_000, -1.2, 10_000, "site=site-b")]
    public void GivenAPopulationAndASiteOfTheSameSignal_WhenBothAlarm_ThenTheSiteIsTheRootOnlyIfItConcentratesAndExplainsTheShift(
        double wideEffect, long wideSize, double narrowEffect, long narrowSize, string root)
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", "*", T0, effect: wideEffect, size: wideSize), 1);
        tracker.Attach(At("f2", "site=site-b", T0, effect: narrowEffect, size: narrowSize, events: 50), 2);

        Assert.Equal(root, RootOf(tracker, emitted));
    }

    [Fact]
    public void GivenAnotherSignalWithALargerEffect_WhenItJoins_ThenOnlyTheTriggerSignalsMembersCanBeTheRoot()
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", "*", T0, effect: 0.3), 1);
        var (_, isRoot) = tracker.Attach(At("f2", "site=site-b", T0, signal: "study:manufacturer", effect: 5), 2);

        Assert.False(isRoot);
        Assert.Equal("*", RootOf(tracker, emitted));
    }

    [Fact]
    public void GivenTheMonitorsCurrentEffects_WhenChoosingTheRoot_ThenTheyReplaceTheEffectsAtDetection()
    {
        var (_, tracker, emitted) = New();
        // At detection the site looked concentrated; the monitors now show the same effect everywhere (a ramp).
        tracker.CurrentEffect = (scope, _) => scope == "sex=M" ? null : 0.5;
        tracker.Attach(At("f1", "*", T0, effect: 0.3), 1);
        tracker.Attach(At("f2", "site=site-b", T0, effect: 1.2), 2);
        Assert.Equal("*", RootOf(tracker, emitted));

        // No current effect for sex=M: its own effect at detection counts (1.2 against the population's 0.5 now).
        tracker.Attach(At("f3", "sex=M", T0, effect: 1.2), 3);
        Assert.Equal("sex=M", RootOf(tracker, emitted));
    }

    [Theory]
    [InlineData(100, 0.5, "site=site-b")]
    [InlineData(101, 0.5, "*")]
    [InlineData(100, 0.500001, "*")]
    public void GivenAScopeWithTheSameEvidenceAsTheRoot_WhenItIsNarrower_ThenItNamesTheChange(long events, double effect, string root)
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", "*", T0, effect: 0.5, events: 100), 1);
        tracker.Attach(At("f2", "site=site-b", T0, effect: effect, events: events), 2);

        Assert.Equal(root, RootOf(tracker, emitted));
    }

    [Theory]
    // Holding at least 95 % of the group's 400 events since it appeared names the narrower scope.
    [InlineData(381, "site=site-b")]
    [InlineData(379, "*")]
    public void GivenANewGroup_WhenANarrowerScopeHoldsNearlyAllItsEvents_ThenItIsTheRoot(long held, string root)
    {
        var (state, tracker, emitted) = New();
        state.Monitors.NewGroupEvents["ageBand=0-17"] = new(StringComparer.Ordinal) { ["*"] = 400, ["site=site-b"] = held };
        tracker.Attach(At("f1", "*", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 1);
        tracker.Attach(At("f2", "site=site-b", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 2);

        Assert.Equal(root, RootOf(tracker, emitted));
    }

    [Fact]
    public void GivenANewGroupWithoutCountedEvents_WhenScopesSeeIt_ThenTheWidestIsTheRoot()
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", "site=site-b", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 1);
        tracker.Attach(At("f2", "*", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 2);
        // A member without a group never competes, however large its effect.
        tracker.Attach(At("f3", "sex=M&site=site-b", T0, signal: "subgroup:ageBand", effect: 9), 3);

        Assert.Equal("*", RootOf(tracker, emitted));
    }

    [Fact]
    public void GivenTwoScopesOfEqualWidthHoldingAllOfANewGroup_WhenBothAlarm_ThenTheOrdinallyFirstIsTheRoot()
    {
        var (state, tracker, emitted) = New();
        state.Monitors.NewGroupEvents["ageBand=0-17"] = new(StringComparer.Ordinal) { ["*"] = 400, ["site=site-b"] = 400, ["manufacturer=GE"] = 400 };
        tracker.Attach(At("f1", "*", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 1);
        tracker.Attach(At("f2", "site=site-b", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 2);
        tracker.Attach(At("f3", "manufacturer=GE", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 3);

        Assert.Equal("manufacturer=GE", RootOf(tracker, emitted));
    }

    [Fact]
    public void GivenTwoNewGroupsNeitherASite_WhenBothAlarm_ThenTheFirstToAlarmNamesTheChangeInTheSummary()
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", "site=site-b", T0, signal: "subgroup:manufacturer", newGroup: "manufacturer=Canon"), 1);
        tracker.Attach(At("f2", "site=site-b", T0, signal: "subgroup:ageBand", newGroup: "ageBand=0-17"), 2);
        tracker.Flush();

        var r = emitted.OfType<ChangeRevised>().Last();
        Assert.Equal(("f1", "site=site-b"), (r.RootFindingId, r.RootScope));
        Assert.Contains("site=site-b of cxr@1 since 2025-01-16 00:00Z: a group absent from the reference, manufacturer=Canon, appeared (effect 1, 100 events)", r.Summary, StringComparison.Ordinal);
    }

    [Theory]
    // A new site is the place that changed: the scope narrows to it and the summary does not repeat it.
    [InlineData("*", "site=site-e", "site=site-e", "site-e", "changed in site=site-e of")]
    [InlineData("sex=F", "site=site-e", "sex=F&site=site-e", "site-e", "changed in sex=F&site=site-e of")]
    // Any other new value is what changed in the member's scope, named in the summary.
    [InlineData("*", "manufacturer=Canon", "*", null, "changed in the whole population of cxr@1 since 2025-01-16 00:00Z: a group absent from the reference, manufacturer=Canon, appeared")]
    public void GivenAFindingThatNamesANewGroup_WhenItOpensAChange_ThenTheRootScopeIsItsCause(string scope, string group, string cause, string? site, string summary)
    {
        var (_, tracker, emitted) = New();
        tracker.Attach(At("f1", scope, T0, signal: "subgroup:x", newGroup: group), 1);
        tracker.Flush();

        var o = Assert.IsType<ChangeOpened>(Assert.Single(emitted));
        Assert.Equal((cause, site), (o.RootScope, o.Site));
        Assert.Contains(summary, o.Summary, StringComparison.Ordinal);
        if (site is not null) Assert.DoesNotContain("absent from the reference", o.Summary, StringComparison.Ordinal);
    }
}
