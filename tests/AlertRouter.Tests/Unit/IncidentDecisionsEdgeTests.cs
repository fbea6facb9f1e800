using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// An incident per detector change: what it shows when it opens, which later messages update it (and which are
/// redeliveries), that no member is ever dropped, and when it becomes clinical-safety or resolves.
/// </summary>
public class IncidentDecisionsEdgeTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
        clinical_safety:
          decision_deadline: 1h
        """, _ => null);

    private static Alert Open(ChangeDetected change) => AlertFold.Apply(new Alert(), IncidentDecisions.Open(Guid.NewGuid(), change, Config, T0));

    private static ChangeUpdated UpdateOf(ChangeDetected change, DateTimeOffset at) => new()
    {
        ChangeId = change.ChangeId, Severity = change.Severity, Summary = change.Summary, Members = change.Members, AffectedEvents = change.AffectedEvents,
        UpdatedAt = at,
    };

    private static Alert Then(Alert alert, Outcome outcome)
    {
        Assert.Null(outcome.Error);
        return AlertFold.Apply(alert, outcome.Events);
    }

    [Fact]
    public void GivenAChange_ThenTheIncidentShowsItsRootCauseScopeStartAndMembers()
    {
        var change = Findings.Change("chg-a", site: "site-b");

        var events = IncidentDecisions.Open(Guid.NewGuid(), change, Config, T0);
        var incident = AlertFold.Apply(new Alert(), events);

        Assert.IsType<AlertRaised>(events[0]);
        Assert.IsType<ChangeAttributed>(events[1]);
        Assert.Equal(("chg-a-root", "site-b"), (incident.FindingIds[0], incident.Site));
        Assert.Equal(new Dictionary<string, string> { ["manufacturer"] = "SIEMENS" }, incident.Subgroup);
        Assert.Equal(new Dictionary<string, string> { ["manufacturer"] = "SIEMENS", ["site"] = "site-b" }, incident.RootScope);
        Assert.Equal(Findings.Epoch.AddDays(-1), incident.EstimatedStart);
        Assert.Equal(["chg-a-root", "chg-a-c1", "chg-a-c2"], incident.FindingIds);
        Assert.Equal(["chg-a-root", "chg-a-c1", "chg-a-c2"], incident.Members.Select(m => m.FindingId));
        Assert.Null(incident.Evidence);
    }

    [Fact]
    public void GivenAChangeNamingItsSiteOnlyInItsScope_OrOnlyAsSite_ThenTheIncidentHasThatSite()
    {
        var change = Findings.Change("chg-a", site: "site-b");

        Assert.Equal("site-b", Open(change with { Site = null }).Site);
        Assert.Equal("site-b", Open(change with { RootScope = new Dictionary<string, string> { ["manufacturer"] = "SIEMENS" } }).Site);
    }

    [Fact]
    public void GivenAPlainChangeWithAClinicalMember_ThenTheIncidentIsClinicalFromTheStart()
    {
        var change = Findings.Change("chg-a", severity: Severity.Warning);
        change = change with { Members = [.. change.Members, new ChangeMember("decay", FindingKind.PerformanceDecay, "performance:sensitivity", new Dictionary<string, string>(), Severity.Warning)] };

        var incident = Open(change);

        Assert.True(incident.ClinicalSafety);
        Assert.Equal("true", incident.Labels["clinical_safety"]);
        Assert.Equal(T0.AddHours(1), incident.DecisionDueAt);
        Assert.False(Open(Findings.Change("chg-b", severity: Severity.Warning)).ClinicalSafety);
    }

    [Fact]
    public void GivenTheSameChangeAgain_ThenNothing()
    {
        var change = Findings.Change("chg-a");
        var incident = Open(change);

        Assert.Empty(IncidentDecisions.Absorb(incident, change, Config, T0.AddMinutes(5)).Events);
        Assert.Empty(IncidentDecisions.Absorb(incident, UpdateOf(change, Findings.Epoch.AddHours(1)) with { AffectedEvents = null }, Config, T0).Events);
        Assert.Empty(IncidentDecisions.Absorb(incident, UpdateOf(change, Findings.Epoch.AddHours(1)) with { Severity = Severity.Info }, Config, T0).Events);
    }

    [Theory]
    [InlineData("summary")]
    [InlineData("severity")]
    [InlineData("affected")]
    [InlineData("members")]
    [InlineData("clinical")]
    public void GivenOneThingMoved_ThenTheIncidentIsUpdated(string what)
    {
        var change = Findings.Change("chg-a", severity: Severity.Warning);
        var incident = Open(change);
        var update = UpdateOf(change, Findings.Epoch.AddHours(1));
        update = what switch
        {
            "summary" => update with { Summary = "reworded" },
            "severity" => update with { Severity = Severity.Error },
            "affected" => update with { AffectedEvents = 5000 },
            "members" => update with { Members = [.. change.Members.Take(2), change.Members[2] with { Severity = Severity.Warning }] },
            // The root turns out to be a performance decay at the same severity: only the clinical status moves.
            _ => update with { Members = [change.Members[0] with { Kind = FindingKind.PerformanceDecay }, .. change.Members.Skip(1)] },
        };

        var attributed = Assert.IsType<ChangeAttributed>(Assert.Single(IncidentDecisions.Absorb(incident, update, Config, T0).Events));

        Assert.Equal(what == "clinical", attributed.ClinicalSafety);
    }

    [Fact]
    public void GivenAnUpdateListingFewerMembers_ThenTheMissingOnesStayAsConsequences()
    {
        var change = Findings.Change("chg-a");
        var incident = Open(change);
        var update = UpdateOf(change, Findings.Epoch.AddHours(1)) with { Members = change.Members.Take(2).ToList(), Summary = "narrower" };

        incident = Then(incident, IncidentDecisions.Absorb(incident, update, Config, T0));

        Assert.Equal([("chg-a-root", true), ("chg-a-c1", false), ("chg-a-c2", false)], incident.Members.Select(m => (m.FindingId, m.Root)));
    }

    [Fact]
    public void GivenAnUpdate_ThenSeverityNeverDrops_ScopeAndCountsAreKept_AndTheSourceTimeOnlyMovesForward()
    {
        var change = Findings.Change("chg-a", severity: Severity.Error);
        var incident = Open(change);
        var newer = Findings.Epoch.AddHours(2);

        incident = Then(incident, IncidentDecisions.Absorb(incident, UpdateOf(change, newer) with { Severity = Severity.Info, Summary = "calmer", AffectedEvents = null }, Config, T0));
        Assert.Equal((Severity.Error, "calmer", 2462L, newer), (incident.Severity, incident.Summary, incident.AffectedEvents!.Value, incident.LastSourceTime));
        Assert.Equal(Findings.Epoch.AddDays(-1), incident.EstimatedStart);
        Assert.Equal("SIEMENS", incident.RootScope["manufacturer"]);
        Assert.Equal(("error", "false"), (incident.Labels["severity"], incident.Labels["clinical_safety"])); // what routes match on

        // A late copy of the change message with a revised start: shown, but the source time does not move back.
        var revised = change with { Summary = "revised", EstimatedStart = Findings.Epoch.AddDays(-2) };
        incident = Then(incident, IncidentDecisions.Absorb(incident, revised, Config, T0));
        Assert.Equal((Findings.Epoch.AddDays(-2), newer), (incident.EstimatedStart!.Value, incident.LastSourceTime));
    }

    [Fact]
    public void GivenAPlainIncident_WhenAClinicalMemberJoins_ThenItBecomesClinical_WithItsDeadlineFromNow()
    {
        var change = Findings.Change("chg-a", severity: Severity.Warning);
        var incident = Open(change);
        var update = UpdateOf(change, Findings.Epoch.AddHours(1)) with
        {
            Members = [.. change.Members, new ChangeMember("decay", FindingKind.PerformanceDecay, "performance:sensitivity", new Dictionary<string, string>(), Severity.Warning)],
        };

        incident = Then(incident, IncidentDecisions.Absorb(incident, update, Config, T0.AddMinutes(30)));

        Assert.True(incident.ClinicalSafety);
        Assert.Equal("true", incident.Labels["clinical_safety"]);
        Assert.Contains("decay", incident.FindingIds);
        Assert.Equal(T0.AddMinutes(90), incident.DecisionDueAt);
        Assert.Equal(T0.AddMinutes(90), incident.NextDueAt);
    }

    [Fact]
    public void GivenAClinicalIncident_ThenUpdatesKeepItsDeadline_UntilADecisionStopsIt()
    {
        var change = Findings.Change("chg-a", severity: Severity.Critical);
        var incident = Open(change);

        var kept = Assert.IsType<ChangeAttributed>(Assert.Single(IncidentDecisions.Absorb(incident, UpdateOf(change, Findings.Epoch.AddHours(1)) with { Summary = "more" }, Config, T0.AddMinutes(20)).Events));
        Assert.Equal(T0.AddHours(1), kept.DecisionDueAt);

        incident = Then(incident, AlertDecisions.RecordDecision(incident, "sam", OversightDecision.Continue, "monitoring", null, null, T0));
        var decided = Assert.IsType<ChangeAttributed>(Assert.Single(IncidentDecisions.Absorb(incident, UpdateOf(change, Findings.Epoch.AddHours(1)) with { Summary = "more" }, Config, T0.AddMinutes(20)).Events));
        Assert.Null(decided.DecisionDueAt);
        Assert.Null(Assert.IsType<ChangeAttributed>(Assert.Single(IncidentDecisions.Absorb(Open(Findings.Change("chg-b")),
            UpdateOf(Findings.Change("chg-b"), Findings.Epoch.AddHours(1)) with { Summary = "more" }, Config, T0).Events)).DecisionDueAt);
    }

    [Fact]
    public void GivenAResolvedIncident_ThenLaterChangeMessagesAndRecoveriesChangeNothing()
    {
        var change = Findings.Change("chg-a");
        var incident = Open(change);
        incident = Then(incident, AlertDecisions.Resolve(incident, "alice", null, T0));

        Assert.Empty(IncidentDecisions.Absorb(incident, UpdateOf(change, Findings.Epoch.AddHours(1)) with { Summary = "grew" }, Config, T0).Events);
        Assert.Empty(IncidentDecisions.Recovered(incident, new ChangeResolved { ChangeId = "chg-a", ResolvedAt = Findings.Epoch.AddDays(1) }, T0).Events);
    }

    [Fact]
    public void GivenAClinicalIncidentAwaitingItsDecision_ThenARepeatedRecoveryIsRecordedOnce()
    {
        var incident = Open(Findings.Change("chg-a", severity: Severity.Critical));
        var resolved = new ChangeResolved { ChangeId = "chg-a", ResolvedAt = Findings.Epoch.AddDays(1) };

        incident = Then(incident, IncidentDecisions.Recovered(incident, resolved, T0));

        Assert.Empty(IncidentDecisions.Recovered(incident, resolved, T0).Events);
    }

    [Fact]
    public void GivenAPlainIncident_WhenTheChangeRecovers_ThenTheResolutionNoteNamesTheChange()
    {
        var incident = Open(Findings.Change("chg-b"));

        var outcome = IncidentDecisions.Recovered(incident, new ChangeResolved { ChangeId = "chg-b", ResolvedAt = Findings.Epoch.AddDays(1) }, T0);

        Assert.Equal(new AlertResolved(AlertDecisions.DetectorActor, true, "Change chg-b recovered: every member finding cleared.", T0), outcome.Events[1]);
    }
}
