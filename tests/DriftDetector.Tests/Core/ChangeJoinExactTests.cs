using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Which change a new finding joins, clause by clause of <see cref="ChangeTracker.Attach"/>: each test builds changes whose
/// members are open or resolved, nested or merely overlapping with the new finding's scope, and whose times sit at the
/// horizon, so that exactly one clause (or the order of two) decides.
/// </summary>
public sealed class ChangeJoinExactTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 16, 0, 0, 0, TimeSpan.Zero);
    private const string S = "feature:meanIntensity";

    private static ChangeMemberState Member(string scope, string signal, bool open) =>
        new() { FindingId = "f-" + scope + signal, Scope = scope, Signal = signal, Open = open, Size = 100 };

    private static ChangeState Change(string id, DateTimeOffset start, DateTimeOffset last, params ChangeMemberState[] members) => new()
    {
        Id = id, Start = start, LastDetectedAt = last, TriggerSignal = members[0].Signal, Members = [.. members],
        QuietSince = members.All(m => !m.Open) ? last : null,
    };

    private static string Join(DateTimeOffset start, string scope, string signal, params ChangeState[] changes)
    {
        var state = new DeploymentState { Key = "cxr@1", Model = new ModelRef("cxr", "1") };
        state.Changes.AddRange(changes);
        var tracker = new ChangeTracker(state, []);
        return tracker.Attach(new ChangeCandidate("new", FindingKind.DistributionShift, signal, scope, Severity.Warning, 0.5, 10, start, start.AddHours(1), null, 0, 100), 1).ChangeId;
    }

    [Fact]
    public void GivenAResolvedOverlappingMemberOfTheSameSignal_WhenTheFindingStartsExactlyAHorizonBeforeTheChange_ThenItJoins() =>
        Assert.Equal("x", Join(T0 - ChangeTracker.Horizon, "site=a", S, Change("x", T0, T0.AddHours(2), Member("sex=F", S, open: false))));

    [Fact]
    public void GivenAResolvedOverlappingMemberOfTheSameSignal_WhenTheFindingStartsWithinAHorizonOfTheLatestDetection_ThenItJoins() =>
        Assert.Equal("x", Join(T0.AddDays(2), "site=a", S, Change("x", T0, T0.AddDays(3), Member("sex=F", S, open: false))));

    [Fact]
    public void GivenOneOverlappingMemberAmongOthers_WhenTheSameSignalCrosses_ThenOneOverlapIsEnough() =>
        Assert.Equal("x", Join(T0.AddDays(2), "site=a", S, Change("x", T0, T0.AddDays(3), Member("sex=F", S, open: false), Member("site=b", S, open: false))));

    [Fact]
    public void GivenOneOpenMemberAmongResolvedOnes_WhenTheSameSignalCrossesLongAfter_ThenItStillJoins() =>
        Assert.Equal("x", Join(T0.AddDays(5), "site=a", S, Change("x", T0, T0.AddHours(1), Member("sex=F", S, open: true), Member("site=b", S, open: false))));

    [Fact]
    public void GivenAnOpenOverlappingMemberAmongResolvedOnes_WhenAnotherSignalCrossesWithinTheHorizon_ThenItJoins() =>
        Assert.Equal("x", Join(T0.AddHours(1), "site=a", "study:manufacturer",
            Change("x", T0, T0.AddHours(1), Member("sex=F", S, open: true), Member("site=b", "score:p", open: false))));

    [Fact]
    public void GivenAnOpenNestedMemberAmongResolvedOnes_WhenAnotherSignalCrossesLongAfter_ThenItJoins() =>
        Assert.Equal("x", Join(T0.AddDays(5), "site=a&sex=F", "study:manufacturer",
            Change("x", T0, T0.AddHours(1), Member("site=a", S, open: true), Member("site=b", "score:p", open: false))));

    [Fact]
    public void GivenAQuietChangeWithOneRelatedMemberOfTheSameSignal_WhenItCrossesAgainLongAfter_ThenItRejoins() =>
        Assert.Equal("x", Join(T0.AddDays(5), "site=a", S,
            Change("x", T0, T0.AddHours(1), Member("site=a", S, open: false), Member("site=b", "score:p", open: false))));

    [Fact]
    public void GivenAChangeOfTheSameSignalAndAnotherThatBeganWithTheFinding_WhenBothCouldTakeIt_ThenTheSameSignalWins() =>
        Assert.Equal("y", Join(T0.AddHours(1), "site=a", S,
            Change("x", T0, T0.AddHours(1), Member("sex=F", "score:p", open: true)),
            Change("y", T0.AddDays(-10), T0, Member("sex=F", S, open: true))));

    [Fact]
    public void GivenAChangeThatBeganWithTheFindingAndAnOlderNestedOne_WhenBothCouldTakeIt_ThenTheOneThatBeganWithItWins() =>
        Assert.Equal("x", Join(T0.AddHours(1), "site=a", S,
            Change("x", T0, T0.AddHours(1), Member("sex=F", "score:p", open: true)),
            Change("y", T0.AddDays(-10), T0.AddDays(-10), Member("site=a&sex=F", "score:p", open: true))));

    [Fact]
    public void GivenAnOpenNestedChangeAndAQuietOneOfTheSameSignal_WhenBothCouldTakeIt_ThenTheOpenOneWins() =>
        Assert.Equal("x", Join(T0, "site=a", S,
            Change("y", T0.AddDays(-10), T0.AddDays(-10), Member("site=a", S, open: false)),
            Change("x", T0.AddDays(-10), T0.AddDays(-10), Member("site=a&sex=F", "score:p", open: true))));

    [Fact]
    public void GivenNothingRelated_WhenAFindingArrives_ThenItOpensItsOwnChange() =>
        Assert.NotEqual("x", Join(T0.AddDays(5), "site=a", S, Change("x", T0, T0.AddHours(1), Member("site=b", S, open: false))));

    [Fact]
    public void GivenARootWithTwoConsequencesInThePopulation_WhenSummarized_ThenTheyArePluralAndThePopulationIsNamed()
    {
        var state = new DeploymentState { Key = "cxr@1", Model = new ModelRef("cxr", "1") };
        var emitted = new List<object>();
        var tracker = new ChangeTracker(state, emitted);
        ChangeCandidate Candidate(string id, string scope, string signal, double effect) =>
            new(id, FindingKind.DistributionShift, signal, scope, Severity.Warning, effect, 10, T0, T0.AddHours(1), null, 0, 100);

        tracker.Attach(Candidate("f1", "", S, 2.0), 1);
        tracker.Attach(Candidate("f2", "site=a", "study:manufacturer", 0.1), 2);
        tracker.Attach(Candidate("f3", "site=b", "study:manufacturer", 0.1), 3);
        tracker.Flush();

        var revised = emitted.OfType<ChangeRevised>().Last();
        Assert.Contains("changed in the whole population of cxr@1", revised.Summary, StringComparison.Ordinal);
        Assert.EndsWith("; 2 consequences: study:manufacturer in site=a, study:manufacturer in site=b.", revised.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenFreshChangeState_WhenCreated_ThenItsTextFieldsAreEmptyNotNull()
    {
        var c = new ChangeState();
        var m = new ChangeMemberState();
        Assert.Equal(("", ""), (c.Id, c.TriggerSignal));
        Assert.Equal(("", "", "", true), (m.FindingId, m.Signal, m.Scope, m.Open));
    }

    [Fact]
    public void GivenANewSiteNamedByAPopulationMember_WhenItsCauseIsRead_ThenItIsTheSiteAlone()
    {
        Assert.Equal("site=site-e", new ChangeMemberState { Scope = "", NewGroup = "site=site-e" }.Cause);
        Assert.Equal("site=site-e", new ChangeMemberState { Scope = "*", NewGroup = "site=site-e" }.Cause);
        Assert.Equal("sex=F&site=site-e", new ChangeMemberState { Scope = "sex=F", NewGroup = "site=site-e" }.Cause);
        Assert.Equal("site=b", new ChangeMemberState { Scope = "site=b", NewGroup = "ageBand=0-17" }.Cause);
    }
}
