using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>One incident per change: grouping keys, updates that never page, the notification budget per level.</summary>
public class IncidentDecisionsTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);
    private static readonly TimeSpan Window = TimeSpan.FromDays(1);

    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
          escalation_policy: three-levels
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
          - name: safety
            webhook_configs: [{ url: "http://h/safety" }]
          - name: cmio
            webhook_configs: [{ url: "http://h/cmio" }]
        escalation_policies:
          - name: three-levels
            repeat: 3
            levels:
              - { receivers: [team], timeout: 10m }
              - { receivers: [safety], timeout: 20m }
              - { receivers: [cmio], timeout: 30m }
        clinical_safety:
          decision_deadline: 1h
        """, _ => null);

    private static Alert Open(ChangeDetected change) => AlertFold.Apply(new Alert(), IncidentDecisions.Open(Guid.NewGuid(), change, Config, T0));

    [Fact]
    public void GivenTwoIndependentChangesInOneDeployment_ThenTwoIncidents()
    {
        var a = Open(Findings.Change("chg-a"));
        var b = Open(Findings.Change("chg-b"));

        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.Equal("chg-a", a.ChangeId);
        Assert.Equal(3, a.Members.Count);
        Assert.True(a.Members[0].Root);
        Assert.Equal(2462, a.AffectedEvents);
    }

    [Fact]
    public void GivenFindingsOfOneChange_ThenTheyShareTheChangeIncident_WhateverTheirSignalOrSubgroup()
    {
        var change = Findings.Change("chg-a");
        var opened = Open(change);
        var member = Findings.Detected("cxr", site: "site-b", signal: "feature:noiseLevel", subgroup: new Dictionary<string, string> { ["sex"] = "F" }) with { ChangeId = "chg-a" };
        var labels = AlertLabels.ForFinding(member, false, Window);

        Assert.Equal(opened.Fingerprint, AlertLabels.Fingerprint(labels));
    }

    [Fact]
    public void GivenFindingsWithoutChangeId_ThenGroupedByDeploymentSiteAndWindow()
    {
        var key = (DriftDetected f) => AlertLabels.Fingerprint(AlertLabels.ForFinding(f, false, Window));
        var first = Findings.Detected("cxr", site: "site-b", signal: "feature:meanIntensity");
        var otherSignal = Findings.Detected("cxr", site: "site-b", signal: "score:pneumothorax", subgroup: new Dictionary<string, string> { ["sex"] = "F" });
        var otherSite = Findings.Detected("cxr", site: "site-c");
        var nextWindow = first with { FindingId = "later", DetectedAt = first.DetectedAt.AddDays(1) };
        var otherVersion = first with { FindingId = "v2", Model = new ModelRef("cxr", "2.4.0") };

        Assert.Equal(key(first), key(otherSignal));
        Assert.NotEqual(key(first), key(otherSite));
        Assert.NotEqual(key(first), key(nextWindow));
        Assert.NotEqual(key(first), key(otherVersion));
    }

    [Fact]
    public void GivenOpenIncident_WhenTheChangeGrows_ThenAnUpdateAndNoPage()
    {
        var change = Findings.Change("chg-a");
        var incident = Open(change);
        var update = new ChangeUpdated
        {
            ChangeId = "chg-a",
            Severity = Severity.Error,
            Summary = change.Summary + " (more consequences)",
            Members = [.. change.Members, new ChangeMember("chg-a-c9", FindingKind.DistributionShift, "feature:kvp", new Dictionary<string, string>(), Severity.Info)],
            AffectedEvents = 3000,
            UpdatedAt = Findings.Epoch.AddHours(2),
        };

        var outcome = IncidentDecisions.Absorb(incident, update, Config, T0.AddMinutes(1));

        var attributed = Assert.IsType<ChangeAttributed>(Assert.Single(outcome.Events));
        Assert.Equal(4, attributed.Members.Count);
        Assert.DoesNotContain(outcome.Events, e => e is AlertEscalated);
        var after = AlertFold.Apply(incident, outcome.Events);
        Assert.Equal(Severity.Error, after.Severity);
        Assert.Empty(IncidentDecisions.Absorb(after, update, Config, T0.AddMinutes(2)).Events); // redelivery
        Assert.Empty(IncidentDecisions.Absorb(after, change, Config, T0.AddMinutes(2)).Events.OfType<AlertEscalated>());
    }

    [Fact]
    public void GivenClinicalIncidentNobodyActsOn_ThenAtMostOnePageAndOneReminderPerLevel()
    {
        var incident = Open(Findings.Change("chg-a", severity: Severity.Critical));
        var now = T0;
        for (var i = 0; i < 200 && incident.NextDueAt is { } due; i++)
        {
            now = due;
            incident = AlertFold.Apply(incident, AlertDecisions.Tick(incident, Config, now, pagesPerLevel: 2));
        }

        Assert.Null(incident.NextDueAt); // the budget stops the timers instead of paging forever
        Assert.All(new[] { 1, 2, 3 }, level => Assert.InRange(incident.PagesAt(level), 1, 2));
        Assert.Equal(2, incident.PagesAt(3)); // the last level got its reminder; the repeat policy (3 cycles) would have paged it more
        Assert.True(incident.AwaitingDecision);
    }

    [Fact]
    public void GivenChangeResolved_WhenClinicalAndUndecided_ThenStaysOpen_OtherwiseResolves()
    {
        var clinical = Open(Findings.Change("chg-a", severity: Severity.Critical));
        var plain = Open(Findings.Change("chg-b", severity: Severity.Warning));
        var resolved = new ChangeResolved { ChangeId = "chg-a", ResolvedAt = Findings.Epoch.AddDays(2) };

        Assert.DoesNotContain(IncidentDecisions.Recovered(clinical, resolved, T0).Events, e => e is AlertResolved);
        var outcome = IncidentDecisions.Recovered(plain, resolved with { ChangeId = "chg-b" }, T0);
        Assert.Contains(outcome.Events, e => e is AlertResolved { Automatic: true });
        Assert.Empty(IncidentDecisions.Recovered(AlertFold.Apply(plain, outcome.Events), resolved with { ChangeId = "chg-b" }, T0).Events);
    }

    [Fact]
    public void GivenIncident_WhenAcknowledgedAndDecided_ThenTheWholeIncidentStopsEscalating()
    {
        var incident = Open(Findings.Change("chg-a", severity: Severity.Critical));
        incident = AlertFold.Apply(incident, AlertDecisions.Acknowledge(incident, "alice", null, T0).Events);
        incident = AlertFold.Apply(incident, AlertDecisions.RecordDecision(incident, "alice", OversightDecision.ContinueWithCloserMonitoring, "watching", null, null, T0).Events);

        Assert.Null(incident.NextDueAt);
        Assert.Empty(AlertDecisions.Tick(incident, Config, T0.AddDays(1), 2));
    }
}
