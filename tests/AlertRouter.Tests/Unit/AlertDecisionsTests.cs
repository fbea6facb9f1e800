using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

public class AlertDecisionsTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

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
          - name: mail
            email_configs: [{ from: "a@b.c", smarthost: "127.0.0.1:25" }]
        people:
          - name: alice
            email: alice@x.test
        schedules:
          - name: primary
            receiver: mail
            rotation: { start: "2026-01-01T00:00:00Z", shift: 24h, participants: [alice] }
        escalation_policies:
          - name: three-levels
            repeat: 1
            levels:
              - { schedules: [primary], receivers: [team], timeout: 10m }
              - { receivers: [safety], timeout: 20m }
              - { receivers: [cmio], timeout: 30m }
        clinical_safety:
          decision_deadline: 1h
        """, _ => null);

    private static Alert Raise(Severity severity, FindingKind kind = FindingKind.DistributionShift)
    {
        var finding = Findings.Detected("cxr", severity: severity, kind: kind);
        var clinical = AlertLabels.IsClinicalSafety(severity, kind);
        var events = AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding, AlertLabels.ForFinding(finding, clinical), finding.Summary, null,
            severity, clinical, finding, finding.DetectedAt, Config, T0);
        return AlertFold.Apply(new Alert(), events);
    }

    private static Alert Then(Alert alert, Outcome outcome) => AlertFold.Apply(alert, outcome.Events);

    private static Alert Then(Alert alert, IReadOnlyList<object> events) => AlertFold.Apply(alert, events);

    [Theory]
    [InlineData(Severity.Critical, FindingKind.DistributionShift, true)]
    [InlineData(Severity.Warning, FindingKind.PerformanceDecay, true)]
    [InlineData(Severity.Error, FindingKind.FairnessGap, true)]
    [InlineData(Severity.Info, FindingKind.FairnessGap, false)]
    [InlineData(Severity.Error, FindingKind.DistributionShift, false)]
    [InlineData(Severity.Error, FindingKind.EstimatedPerformanceDecay, false)]
    [InlineData(Severity.Critical, FindingKind.EstimatedPerformanceDecay, true)]
    public void ClinicalSafetyRule(Severity severity, FindingKind kind, bool expected) =>
        Assert.Equal(expected, AlertLabels.IsClinicalSafety(severity, kind));

    [Fact]
    public void GivenANewAlert_ThenTheFirstLevelIsPagedAtOnceIncludingWhoIsOnCall()
    {
        var alert = Raise(Severity.Warning);

        Assert.Equal(1, alert.EscalationLevel);
        Assert.Equal(T0.AddMinutes(10), alert.NextEscalationAt);
        Assert.Null(alert.DecisionDueAt);
        var targets = AlertDecisions.Targets(Config.EscalationPolicies["three-levels"].Levels[0], Config, T0);
        Assert.Contains(targets, t => t is { Receiver: "team", Person: null });
        Assert.Contains(targets, t => t is { Receiver: "mail", Person: "alice", Address: "alice@x.test", Schedule: "primary" });
    }

    [Fact]
    public void GivenOpenAlert_WhenNotAcknowledgedInTime_ThenEscalatesOneLevel()
    {
        var alert = Raise(Severity.Warning);

        Assert.Empty(AlertDecisions.Tick(alert, Config, T0.AddMinutes(10).AddTicks(-1)));
        var events = AlertDecisions.Tick(alert, Config, T0.AddMinutes(10));

        var escalated = Assert.IsType<AlertEscalated>(Assert.Single(events));
        Assert.Equal((2, 0, EscalationReason.NotAcknowledged), (escalated.Level, escalated.Cycle, escalated.Reason));
        Assert.Equal("safety", Assert.Single(escalated.Targets).Receiver);
        Assert.Equal(T0.AddMinutes(30), escalated.NextEscalationAt);
    }

    [Fact]
    public void GivenTheLastLevel_WhenNotAcknowledged_ThenThePolicyRepeatsOnceAndThenStops()
    {
        var alert = Raise(Severity.Warning);
        var now = T0;
        var levels = new List<(int, int)>();
        for (var i = 0; i < 10 && alert.NextEscalationAt is { } due; i++)
        {
            now = due;
            alert = Then(alert, AlertDecisions.Tick(alert, Config, now));
            levels.Add((alert.EscalationLevel, alert.EscalationCycle));
        }

        Assert.Equal([(2, 0), (3, 0), (1, 1), (2, 1), (3, 1)], levels);
        Assert.Null(alert.NextEscalationAt);
        Assert.Null(alert.NextDueAt);
    }

    [Fact]
    public void GivenAcknowledgedAlert_ThenNoEscalationForAcknowledgement()
    {
        var alert = Then(Raise(Severity.Warning), AlertDecisions.Acknowledge(Raise(Severity.Warning), "alice", "on it", T0.AddMinutes(1)));

        Assert.Equal(AlertStatus.Acknowledged, alert.Status);
        Assert.Null(alert.NextDueAt);
        Assert.Empty(AlertDecisions.Tick(alert, Config, T0.AddDays(1)));
    }

    [Fact]
    public void GivenClinicalAlertAcknowledgedButUndecided_WhenTheDecisionDeadlinePasses_ThenItEscalatesForTheDecision()
    {
        var alert = Raise(Severity.Critical);
        alert = Then(alert, AlertDecisions.Acknowledge(alert, "alice", null, T0.AddMinutes(2)));
        Assert.Equal(T0.AddHours(1), alert.DecisionDueAt);
        Assert.Equal(T0.AddHours(1), alert.NextDueAt);

        var events = AlertDecisions.Tick(alert, Config, T0.AddHours(1));

        var escalated = Assert.IsType<AlertEscalated>(Assert.Single(events));
        Assert.Equal((2, EscalationReason.DecisionOverdue), (escalated.Level, escalated.Reason));
        Assert.Null(escalated.NextEscalationAt);
        Assert.Equal(T0.AddHours(1).AddMinutes(20), escalated.DecisionDueAt);
    }

    [Fact]
    public void GivenClinicalAlert_WhenADecisionIsRecorded_ThenTheDecisionTimerStops()
    {
        var alert = Raise(Severity.Critical);
        alert = Then(alert, AlertDecisions.Acknowledge(alert, "alice", null, T0));
        alert = Then(alert, AlertDecisions.RecordDecision(alert, "sam", OversightDecision.ContinueWithCloserMonitoring, "CI overlaps floor", null, null, T0.AddMinutes(5)));

        Assert.Null(alert.NextDueAt);
        Assert.Empty(AlertDecisions.Tick(alert, Config, T0.AddDays(2)));
        Assert.Equal("sam", alert.Decision!.By);
    }

    [Fact]
    public void GivenClinicalAlert_WhenResolvedWithoutDecisionOrNote_ThenRefused()
    {
        var alert = Raise(Severity.Warning, FindingKind.PerformanceDecay);

        Assert.Equal("note", AlertDecisions.Resolve(alert, "alice", null, T0).Error!.Field);
        Assert.Null(AlertDecisions.Resolve(alert, "alice", "fixed", T0).Error!.Field); // conflict: no decision yet

        alert = Then(alert, AlertDecisions.RecordDecision(alert, "sam", OversightDecision.RollBack, "sensitivity below floor for F 65+", null, null, T0));
        var resolved = AlertDecisions.Resolve(alert, "sam", "rolled back to 2.3.0", T0);
        Assert.Null(resolved.Error);
        Assert.IsType<AlertResolved>(Assert.Single(resolved.Events));
    }

    [Fact]
    public void GivenARestrictDecision_WithoutSiteOrSubgroup_ThenRefusedNamingTheField()
    {
        var alert = Raise(Severity.Critical);

        Assert.Equal("site", AlertDecisions.RecordDecision(alert, "sam", OversightDecision.RestrictToSiteOrSubgroup, "x", null, null, T0).Error!.Field);
        Assert.Equal("rationale", AlertDecisions.RecordDecision(alert, "sam", OversightDecision.Continue, " ", null, null, T0).Error!.Field);
        Assert.Equal("decision", AlertDecisions.RecordDecision(alert, "sam", null, "x", null, null, T0).Error!.Field);
    }

    [Fact]
    public void GivenClinicalAlertWithoutDecision_WhenTheFindingRecovers_ThenItStaysOpenAwaitingTheDecision()
    {
        var alert = Raise(Severity.Critical);
        var recovered = AlertDecisions.FindingRecovered(alert, new DriftResolved { FindingId = alert.FindingIds[0], Evidence = Findings.Evidence(), ResolvedAt = T0 }, T0);

        Assert.IsType<AlertRecoveryObserved>(Assert.Single(recovered.Events));
        alert = Then(alert, recovered);
        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.True(alert.Recovered);
    }

    [Fact]
    public void GivenNonClinicalAlert_WhenTheFindingRecovers_ThenItResolvesAutomaticallyOnce()
    {
        var alert = Raise(Severity.Warning);
        var message = new DriftResolved { FindingId = alert.FindingIds[0], Evidence = Findings.Evidence(), ResolvedAt = T0 };

        alert = Then(alert, AlertDecisions.FindingRecovered(alert, message, T0.AddMinutes(3)));

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.True(alert.ResolvedAutomatically);
        Assert.Equal(AlertDecisions.DetectorActor, alert.ResolvedBy);
        Assert.Empty(AlertDecisions.FindingRecovered(alert, message, T0.AddMinutes(4)).Events);
    }

    [Fact]
    public void GivenARedeliveredUpdate_ThenNothingChanges_AndANewerOneRaisesSeverityToClinical()
    {
        var alert = Raise(Severity.Warning, FindingKind.AbruptChange);
        var update = new DriftUpdated { FindingId = alert.FindingIds[0], Severity = Severity.Critical, Evidence = Findings.Evidence(), Occurrences = 3, UpdatedAt = Findings.Epoch.AddHours(2) };

        alert = Then(alert, AlertDecisions.Update(alert, update, Config, T0));
        Assert.Empty(AlertDecisions.Update(alert, update, Config, T0.AddMinutes(1)).Events);
        Assert.True(alert.ClinicalSafety);
        Assert.Equal("critical", alert.Labels["severity"]);
        Assert.Equal(3, alert.Occurrences);
        Assert.Equal(T0.AddHours(1), alert.DecisionDueAt);
    }

    [Fact]
    public void GivenTheSameFindingAgain_ThenItIsNotCountedTwice()
    {
        var finding = Findings.Detected("cxr");
        var alert = Raise(Severity.Warning);
        var other = finding with { FindingId = "other" };

        alert = Then(alert, AlertDecisions.AddOccurrence(alert, other, Config, T0));
        Assert.Equal(2, alert.Occurrences);
        Assert.Empty(AlertDecisions.AddOccurrence(alert, other, Config, T0).Events);
    }

    [Fact]
    public void FingerprintIgnoresSeverityButNotSiteOrSubgroup()
    {
        var a = AlertLabels.ForFinding(Findings.Detected("cxr", severity: Severity.Warning), false);
        var b = AlertLabels.ForFinding(Findings.Detected("cxr", severity: Severity.Critical), true);
        var c = AlertLabels.ForFinding(Findings.Detected("cxr", site: "hospital-b"), false);
        var d = AlertLabels.ForFinding(Findings.Detected("cxr", subgroup: new Dictionary<string, string> { ["sex"] = "F" }), false);

        Assert.Equal(AlertLabels.Fingerprint(a), AlertLabels.Fingerprint(b));
        Assert.NotEqual(AlertLabels.Fingerprint(a), AlertLabels.Fingerprint(c));
        Assert.NotEqual(AlertLabels.Fingerprint(a), AlertLabels.Fingerprint(d));
    }

    [Fact]
    public void GivenClinicalAlertWithoutAnyPolicy_WhenTheDecisionIsOverdue_ThenTheOverdueDecisionIsStillRecorded()
    {
        var config = Config with { Root = Config.Root with { EscalationPolicy = null } };
        var finding = Findings.Detected("cxr", severity: Severity.Critical);
        var alert = AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding, AlertLabels.ForFinding(finding, true),
            finding.Summary, null, Severity.Critical, true, finding, finding.DetectedAt, config, T0));
        Assert.Null(alert.Escalation);

        var escalated = Assert.IsType<AlertEscalated>(Assert.Single(AlertDecisions.Tick(alert, config, T0.AddHours(1))));

        Assert.Equal((0, EscalationReason.DecisionOverdue), (escalated.Level, escalated.Reason));
        Assert.Equal(T0.AddHours(2), escalated.DecisionDueAt);
    }
}
