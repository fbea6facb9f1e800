using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// What the detector's and the health checks' messages do to an alert: which policy pages it, how its severity, clinical
/// status and decision deadline follow new evidence, when a redelivery is ignored and when it resolves by itself.
/// </summary>
public class AlertIntakeDecisionEdgeTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    // The root route names no policy: only the cardiology route pages, and clinical-safety alerts elsewhere take the
    // clinical_safety policy.
    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
          group_by: [model]
          routes:
            - matchers: ['model="cardio"']
              receiver: cardio
              group_by: [model]
              escalation_policy: cardio-policy
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
          - name: cardio
            webhook_configs: [{ url: "http://h/cardio" }]
          - name: safety
            webhook_configs: [{ url: "http://h/safety" }]
        escalation_policies:
          - name: cardio-policy
            repeat: 0
            levels:
              - { receivers: [cardio], timeout: 15m }
          - name: safety-policy
            repeat: 0
            levels:
              - { receivers: [safety], timeout: 5m }
              - { receivers: [team], timeout: 5m }
        clinical_safety:
          decision_deadline: 2h
          escalation_policy: safety-policy
        """, _ => null);

    private static IReadOnlyList<object> RaiseEvents(DriftDetected finding)
    {
        var clinical = AlertLabels.IsClinicalSafety(finding.Severity, finding.Kind);
        return AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding, AlertLabels.ForFinding(finding, clinical), finding.Summary, null,
            finding.Severity, clinical, finding, finding.DetectedAt, Config, T0);
    }

    private static Alert Raise(DriftDetected finding) => AlertFold.Apply(new Alert(), RaiseEvents(finding));

    private static Alert Then(Alert alert, Outcome outcome)
    {
        Assert.Null(outcome.Error);
        return AlertFold.Apply(alert, outcome.Events);
    }

    private static DriftUpdated UpdateOf(string findingId, Severity severity, DateTimeOffset at, int occurrences = 2) => new()
    {
        FindingId = findingId, Severity = severity, Evidence = Findings.Evidence(), Occurrences = occurrences, UpdatedAt = at,
    };

    [Fact]
    public void GivenNoPolicyOnTheRoute_ThenAPlainAlertPagesNobody_AndAClinicalOneTakesTheClinicalSafetyPolicy()
    {
        var plain = RaiseEvents(Findings.Detected("cxr", severity: Severity.Warning));
        var clinical = RaiseEvents(Findings.Detected("cxr", severity: Severity.Critical));

        var raised = Assert.IsType<AlertRaised>(Assert.Single(plain));
        Assert.Null(raised.Escalation);
        Assert.Null(raised.DecisionDueAt);
        Assert.Equal(2, clinical.Count);
        Assert.Equal("safety-policy", ((AlertRaised)clinical[0]).Escalation!.Policy);
        Assert.Equal(T0.AddHours(2), ((AlertRaised)clinical[0]).DecisionDueAt);
        var first = Assert.IsType<AlertEscalated>(clinical[1]);
        Assert.Equal((1, 0, EscalationReason.Initial), (first.Level, first.Cycle, first.Reason));
        Assert.Equal("safety", Assert.Single(first.Targets).Receiver);
        Assert.Equal(T0.AddMinutes(5), first.NextEscalationAt);
        Assert.Equal(T0.AddHours(2), first.DecisionDueAt);
    }

    [Fact]
    public void GivenARoutePolicy_ThenItPagesEvenAClinicalAlert_AndASingleLevelWithoutRepeatPagesOnlyOnce()
    {
        var events = RaiseEvents(Findings.Detected("cardio", severity: Severity.Critical));

        var raised = Assert.IsType<AlertRaised>(events[0]);
        Assert.Equal("cardio-policy", raised.Escalation!.Policy);
        Assert.Equal(["root.0"], raised.Routes);
        Assert.Equal(["root.0/cardio:{model=\"cardio\"}"], raised.GroupKeys);
        var first = Assert.IsType<AlertEscalated>(events[1]);
        Assert.Equal("cardio", Assert.Single(first.Targets).Receiver);
        Assert.Null(first.NextEscalationAt); // one level, repeat 0: nothing left to escalate to
    }

    [Fact]
    public void GivenAFindingAlert_ThenItCarriesTheFindingsScopeAndTheConfigVersion()
    {
        var finding = Findings.Detected("cxr", site: "hospital-b", subgroup: new Dictionary<string, string> { ["sex"] = "F" });

        var raised = (AlertRaised)RaiseEvents(finding)[0];

        Assert.Equal((finding.FindingId, "hospital-b", FindingKind.DistributionShift), (raised.FindingId, raised.Site, raised.Kind!.Value));
        Assert.Equal("F", raised.Subgroup["sex"]);
        Assert.Equal(finding.Model, raised.Model);
        Assert.Equal(Config.Version, raised.ConfigVersion);
        Assert.Equal((finding.DetectedAt, T0), (raised.DetectedAt, raised.RaisedAt));
    }

    [Fact]
    public void GivenAFindingWithAnEmptySite_ThenTheAlertKeepsTheFindingsSiteAsSent()
    {
        // The labels carry no site for "" (AlertLabels.ForFinding skips empty values), so an alert that took its site from
        // its labels would store null where the finding said "".
        var raised = (AlertRaised)RaiseEvents(Findings.Detected("cxr", site: ""))[0];
        Assert.Equal("", raised.Site);
        Assert.Null(((AlertRaised)RaiseEvents(Findings.Detected("cxr", site: null))[0]).Site);
    }

    [Fact]
    public void GivenAHealthAlert_ThenItsSiteComesFromTheLabels()
    {
        var condition = Findings.Health("ingest-stopped", "hospital-c", firing: true);
        var events = AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Health, AlertLabels.ForHealth(condition, false), "stopped",
            condition.Description, condition.Severity, false, null, condition.ObservedAt, Config, T0);

        var raised = Assert.IsType<AlertRaised>(Assert.Single(events));
        Assert.Equal("hospital-c", raised.Site);
        Assert.Empty(raised.Subgroup);
        Assert.Null(raised.FindingId);
    }

    [Fact]
    public void GivenAnOpenAlert_WhenAMoreSevereClinicalFindingJoins_ThenSeverityRises_AndTheDecisionClockStartsNow()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Warning));
        var decay = Findings.Detected("cxr", severity: Severity.Error, kind: FindingKind.PerformanceDecay, findingId: "decay",
            subgroup: new Dictionary<string, string> { ["ageBand"] = "65+" });

        var updated = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.AddOccurrence(alert, decay, Config, T0.AddMinutes(30)).Events));

        Assert.Equal((Severity.Error, true, 2), (updated.Severity, updated.ClinicalSafety, updated.Occurrences));
        Assert.Equal(T0.AddMinutes(30).AddHours(2), updated.DecisionDueAt);
        alert = AlertFold.Apply(alert, [updated]);
        var member = Assert.Single(alert.Members, m => m.FindingId == "decay");
        Assert.Equal((FindingKind.PerformanceDecay, "65+"), (member.Kind, member.Subgroup["ageBand"]));
    }

    [Fact]
    public void GivenAnOpenAlert_WhenALessSevereFindingJoins_ThenSeverityStays_AndItIsNotClinical()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Error));

        var updated = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.AddOccurrence(alert,
            Findings.Detected("cxr", severity: Severity.Info, findingId: "minor"), Config, T0).Events));

        Assert.Equal((Severity.Error, false), (updated.Severity, updated.ClinicalSafety));
        Assert.Null(updated.DecisionDueAt);
    }

    [Fact]
    public void GivenAResolvedAlert_ThenNeitherNewFindingsNorUpdatesReopenIt()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Warning));
        alert = Then(alert, AlertDecisions.Resolve(alert, "alice", null, T0));

        Assert.Empty(AlertDecisions.AddOccurrence(alert, Findings.Detected("cxr", findingId: "late"), Config, T0).Events);
        Assert.Empty(AlertDecisions.Update(alert, UpdateOf(alert.FindingIds[0], Severity.Critical, Findings.Epoch.AddDays(1)), Config, T0).Events);
    }

    [Fact]
    public void GivenAnUpdateWithTheSameEventTime_ThenItIsARedelivery_AndOneTickLaterIsNew()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Warning));
        var id = alert.FindingIds[0];

        Assert.Empty(AlertDecisions.Update(alert, UpdateOf(id, Severity.Error, Findings.Epoch), Config, T0).Events);
        Assert.Single(AlertDecisions.Update(alert, UpdateOf(id, Severity.Error, Findings.Epoch.AddTicks(1)), Config, T0).Events);
    }

    [Fact]
    public void GivenTwoFindings_ThenRedeliveryIsJudgedPerFinding_NotAgainstTheLatestMessageOfTheAlert()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Warning));
        var second = Findings.Detected("cxr", findingId: "second") with { DetectedAt = Findings.Epoch.AddMinutes(10) };
        alert = Then(alert, AlertDecisions.AddOccurrence(alert, second, Config, T0));
        alert = Then(alert, AlertDecisions.Update(alert, UpdateOf("second", Severity.Warning, Findings.Epoch.AddHours(3)), Config, T0));

        // The first finding's own update is newer than its last message though older than the alert's latest.
        var outcome = AlertDecisions.Update(alert, UpdateOf(alert.FindingIds[0], Severity.Warning, Findings.Epoch.AddHours(1), occurrences: 5), Config, T0);

        var updated = Assert.IsType<AlertUpdated>(Assert.Single(outcome.Events));
        Assert.Equal(5, updated.Occurrences);
        Assert.Equal(Findings.Epoch.AddHours(3), AlertFold.Apply(alert, outcome.Events).LastSourceTime); // never moves back
    }

    [Fact]
    public void GivenASingleFindingAlert_WhenItsSeverityDrops_ThenTheAlertFollows_ButOccurrencesNeverGoDown()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Error));
        alert = Then(alert, AlertDecisions.Update(alert, UpdateOf(alert.FindingIds[0], Severity.Error, Findings.Epoch.AddHours(1), occurrences: 4), Config, T0));

        var updated = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.Update(alert,
            UpdateOf(alert.FindingIds[0], Severity.Info, Findings.Epoch.AddHours(2), occurrences: 3), Config, T0).Events));

        Assert.Equal((Severity.Info, 4), (updated.Severity, updated.Occurrences));
    }

    [Fact]
    public void GivenAnIncidentOfSeveralFindings_WhenOneFindingsSeverityDrops_ThenTheIncidentKeepsItsHighestSeverity()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Error));
        alert = Then(alert, AlertDecisions.AddOccurrence(alert, Findings.Detected("cxr", severity: Severity.Info, findingId: "second"), Config, T0));
        Assert.Equal(2, alert.Members.Count);

        var down = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.Update(alert, UpdateOf("second", Severity.Info, Findings.Epoch.AddHours(1)), Config, T0).Events));
        var up = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.Update(alert, UpdateOf("second", Severity.Critical, Findings.Epoch.AddHours(1)), Config, T0).Events));

        Assert.Equal(Severity.Error, down.Severity);
        Assert.Equal(Severity.Critical, up.Severity);
    }

    [Fact]
    public void GivenAPerformanceDecayAlert_WhenAnUpdateReachesWarning_ThenItBecomesClinical_AndKeepsItsFirstDeadline()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Info, kind: FindingKind.PerformanceDecay));
        Assert.False(alert.ClinicalSafety);

        alert = Then(alert, AlertDecisions.Update(alert, UpdateOf(alert.FindingIds[0], Severity.Warning, Findings.Epoch.AddHours(1)), Config, T0));
        Assert.True(alert.ClinicalSafety);
        Assert.Equal(T0.AddHours(2), alert.DecisionDueAt);

        var later = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.Update(alert,
            UpdateOf(alert.FindingIds[0], Severity.Info, Findings.Epoch.AddHours(2)), Config, T0.AddMinutes(40)).Events));
        Assert.True(later.ClinicalSafety); // once clinical, stays clinical
        Assert.Equal(T0.AddHours(2), later.DecisionDueAt);
    }

    [Fact]
    public void GivenAnIncidentOfTwoFindings_ThenItResolvesOnlyWhenBothRecovered_WithANoteNamingTheLast()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Warning, findingId: "first"));
        alert = Then(alert, AlertDecisions.AddOccurrence(alert, Findings.Detected("cxr", findingId: "second"), Config, T0));
        DriftResolved Recovery(string id) => new() { FindingId = id, Evidence = Findings.Evidence(), ResolvedAt = Findings.Epoch.AddDays(1) };

        var one = AlertDecisions.FindingRecovered(alert, Recovery("first"), T0.AddDays(1));
        Assert.IsType<AlertRecoveryObserved>(Assert.Single(one.Events));
        alert = Then(alert, one);
        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.Empty(AlertDecisions.FindingRecovered(alert, Recovery("first"), T0.AddDays(1)).Events);

        var both = AlertDecisions.FindingRecovered(alert, Recovery("second"), T0.AddDays(1));
        var resolved = Assert.IsType<AlertResolved>(both.Events[1]);
        Assert.Equal(new AlertResolved(AlertDecisions.DetectorActor, true,
            "Finding second recovered (performance:sensitivity wilson = 0.71).", T0.AddDays(1)), resolved);
    }

    private static Alert RaiseHealth(HealthConditionChanged condition)
    {
        var clinical = AlertLabels.IsClinicalSafety(condition.Severity, null);
        return AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Health, AlertLabels.ForHealth(condition, clinical),
            "stopped", condition.Description, condition.Severity, clinical, null, condition.ObservedAt, Config, T0));
    }

    [Fact]
    public void GivenAFiringHealthAlert_WhenTheConditionClears_ThenItResolvesAutomaticallyWithTheDescription()
    {
        var firing = Findings.Health("ingest-stopped", "hospital-a", firing: true);
        var alert = RaiseHealth(firing);

        var outcome = AlertDecisions.HealthChanged(alert, Findings.Health("ingest-stopped", "hospital-a", firing: false), Config, T0.AddMinutes(31));

        Assert.Equal(new AlertResolved(AlertDecisions.HealthActor, true, "ingest-stopped cleared: ingest-stopped at hospital-a", T0.AddMinutes(31)),
            Assert.Single(outcome.Events));
    }

    [Fact]
    public void GivenAHealthAlert_WhenTheSameOrAnOlderObservationArrives_ThenNothingChanges()
    {
        var firing = Findings.Health("ingest-stopped", "hospital-a", firing: true);
        var alert = RaiseHealth(firing);

        Assert.Empty(AlertDecisions.HealthChanged(alert, firing with { Severity = Severity.Warning }, Config, T0).Events);
        Assert.Empty(AlertDecisions.HealthChanged(alert, firing with { Firing = false, ObservedAt = firing.ObservedAt.AddSeconds(-1) }, Config, T0).Events);
        Assert.Empty(AlertDecisions.HealthChanged(alert, firing with { ObservedAt = firing.ObservedAt.AddMinutes(1) }, Config, T0).Events); // nothing moved
    }

    [Fact]
    public void GivenAFiringHealthAlert_WhenItsSeverityOrDescriptionChanges_ThenAnUpdate()
    {
        var firing = Findings.Health("ingest-stopped", "hospital-a", firing: true);
        var alert = RaiseHealth(firing);
        var later = firing.ObservedAt.AddMinutes(1);

        var worse = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.HealthChanged(alert,
            firing with { Severity = Severity.Critical, ObservedAt = later }, Config, T0.AddMinutes(1)).Events));
        var reworded = Assert.IsType<AlertUpdated>(Assert.Single(AlertDecisions.HealthChanged(alert,
            firing with { Description = "no batches for 20 minutes", ObservedAt = later }, Config, T0.AddMinutes(1)).Events));

        Assert.Equal((Severity.Critical, true, T0.AddMinutes(1).AddHours(2), later), (worse.Severity, worse.ClinicalSafety, worse.DecisionDueAt, worse.SourceTime));
        Assert.Equal((Severity.Error, false, "no batches for 20 minutes"), (reworded.Severity, reworded.ClinicalSafety, reworded.Description));
        Assert.Null(reworded.FindingId);
        Assert.Equal("no batches for 20 minutes", AlertFold.Apply(alert, [reworded]).Description);
    }

    [Fact]
    public void GivenAClinicalHealthAlertAwaitingItsDecision_WhenTheConditionClears_ThenItStaysOpen()
    {
        var alert = RaiseHealth(Findings.Health("ingest-stopped", "hospital-a", firing: true, severity: Severity.Critical));
        Assert.True(alert.AwaitingDecision);

        Assert.Empty(AlertDecisions.HealthChanged(alert, Findings.Health("ingest-stopped", "hospital-a", firing: false), Config, T0).Events);

        alert = Then(alert, AlertDecisions.RecordDecision(alert, "sam", OversightDecision.Continue, "transient", null, null, T0));
        Assert.IsType<AlertResolved>(Assert.Single(AlertDecisions.HealthChanged(alert,
            Findings.Health("ingest-stopped", "hospital-a", firing: false), Config, T0).Events));
    }

    [Fact]
    public void GivenAResolvedHealthAlert_ThenALaterObservationChangesNothing()
    {
        var alert = RaiseHealth(Findings.Health("ingest-stopped", "hospital-a", firing: true));
        alert = Then(alert, AlertDecisions.Resolve(alert, "alice", null, T0));

        Assert.Empty(AlertDecisions.HealthChanged(alert, Findings.Health("ingest-stopped", "hospital-a", firing: true) with
        {
            Severity = Severity.Critical, ObservedAt = Findings.Epoch.AddHours(5),
        }, Config, T0).Events);
    }
}
