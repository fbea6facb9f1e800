using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// The alert as the console and the timer see it after its events: findings and members, evidence, labels, the
/// durable timer (<see cref="Alert.NextDueAt"/>), silences, inhibitions and deliveries.
/// </summary>
public class AlertFoldEdgeTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    private static RoutingConfig Config(string deadline = "1h", string policy = "  escalation_policy: one-level") => RoutingConfigParser.Parse($$"""
        route:
          receiver: team
        {{policy}}
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
        escalation_policies:
          - name: one-level
            repeat: 1
            levels:
              - { receivers: [team], timeout: 10m }
        clinical_safety:
          decision_deadline: {{deadline}}
        """, _ => null);

    [Theory]
    [InlineData(null, null, FindingKind.DistributionShift)] // an alert recorded before kinds were: the fallback
    [InlineData(null, FindingKind.FairnessGap, FindingKind.FairnessGap)]
    [InlineData(FindingKind.PerformanceDecay, FindingKind.FairnessGap, FindingKind.PerformanceDecay)]
    public void GivenAnUpdateWithANewFinding_ThenTheMemberTakesTheUpdatesKind_ElseTheAlertsKind_ElseDistributionShift(
        FindingKind? updateKind, FindingKind? alertKind, FindingKind expected)
    {
        var alert = new Alert { Id = Guid.NewGuid(), Kind = alertKind };

        alert.Apply(new AlertUpdated("f-new", Severity.Warning, false, Findings.Evidence(signal: "score:pneumothorax"), "x", 2, null, T0, T0, updateKind));

        var member = Assert.Single(alert.Members);
        Assert.Equal(("f-new", expected, "score:pneumothorax", false), (member.FindingId, member.Kind, member.Signal, member.Root));
    }

    private static readonly RoutingConfig Default = Config();

    private static Alert Raise(DriftDetected finding, RoutingConfig? config = null)
    {
        var clinical = AlertLabels.IsClinicalSafety(finding.Severity, finding.Kind);
        return AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding, AlertLabels.ForFinding(finding, clinical, TimeSpan.FromDays(1)),
            finding.Summary, null, finding.Severity, clinical, finding, finding.DetectedAt, config ?? Default, T0));
    }

    private static Alert RaiseHealth(HealthConditionChanged condition) =>
        AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Health, AlertLabels.ForHealth(condition, false), "stopped",
            condition.Description, condition.Severity, false, null, condition.ObservedAt, Default, T0));

    private static Alert Then(Alert alert, Outcome outcome)
    {
        Assert.Null(outcome.Error);
        return AlertFold.Apply(alert, outcome.Events);
    }

    [Fact]
    public void GivenAHealthAlert_ThenItHasNoFindingsOrMembers_EvenAfterAnUpdate()
    {
        var condition = Findings.Health("ingest-stopped", "hospital-a", firing: true);
        var alert = RaiseHealth(condition);

        alert = Then(alert, AlertDecisions.HealthChanged(alert, condition with { Severity = Severity.Warning, ObservedAt = condition.ObservedAt.AddMinutes(1) }, Default, T0));

        Assert.Empty(alert.FindingIds);
        Assert.Empty(alert.Members);
        Assert.Equal(Severity.Warning, alert.Severity);
        Assert.Equal(("warning", "false"), (alert.Labels["severity"], alert.Labels["clinical_safety"])); // what routes match on
    }

    [Fact]
    public void GivenAFindingAlert_ThenItsFindingIsTheRootMember_AndItsRedeliveryIsNotASecondOccurrence()
    {
        var finding = Findings.Detected("cxr", subgroup: new Dictionary<string, string> { ["sex"] = "F" });
        var alert = Raise(finding);

        var member = Assert.Single(alert.Members);
        Assert.Equal((finding.FindingId, FindingKind.DistributionShift, "feature:meanIntensity", true), (member.FindingId, member.Kind, member.Signal, member.Root));
        Assert.Equal("F", member.Subgroup["sex"]);
        Assert.Empty(AlertDecisions.AddOccurrence(alert, finding, Default, T0).Events);
    }

    [Fact]
    public void GivenASecondFinding_ThenItJoinsOnceAsANonRootMember_AndItsUpdatesDoNotDuplicateIt()
    {
        var alert = Raise(Findings.Detected("cxr", findingId: "first"));
        var second = Findings.Detected("cxr", findingId: "second", signal: "feature:noiseLevel");

        alert = Then(alert, AlertDecisions.AddOccurrence(alert, second, Default, T0));
        alert = Then(alert, AlertDecisions.Update(alert, new DriftUpdated
        {
            FindingId = "second", Severity = Severity.Warning, Evidence = Findings.Evidence(signal: "feature:noiseLevel", currentSize: 900), Occurrences = 3,
            UpdatedAt = Findings.Epoch.AddHours(1),
        }, Default, T0));

        Assert.Equal(["first", "second"], alert.FindingIds);
        Assert.Equal([("first", true), ("second", false)], alert.Members.Select(m => (m.FindingId, m.Root)));
        Assert.Equal(900, alert.Evidence!.CurrentSize); // the latest evidence is shown
        Assert.Equal(900, alert.MemberEvidence["second"].CurrentSize);
    }

    [Fact]
    public void GivenAClinicalAlertWithoutAnyPolicy_ThenItsDecisionDeadlineIsTheDurableTimerFromTheStart()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Critical), Config(policy: ""));

        Assert.Null(alert.Escalation);
        Assert.Equal(T0.AddHours(1), alert.NextDueAt);
    }

    [Theory]
    [InlineData("5m", 5)] // the decision is due before the first escalation
    [InlineData("1h", 10)] // the escalation comes first
    public void GivenBothTimers_ThenTheDurableTimerIsTheEarlier(string deadline, int minutes)
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Critical), Config(deadline));

        Assert.Equal(T0.AddMinutes(minutes), alert.NextDueAt);
    }

    [Fact]
    public void GivenAnUpdateThatMakesTheAlertClinical_ThenItsLabelsAndTimerFollow()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Info, kind: FindingKind.PerformanceDecay), Config(policy: ""));
        Assert.Equal(("info", "false"), (alert.Labels["severity"], alert.Labels["clinical_safety"]));
        Assert.Null(alert.NextDueAt);

        var update = new DriftUpdated { FindingId = alert.FindingIds[0], Severity = Severity.Warning, Evidence = Findings.Evidence(), Occurrences = 2, UpdatedAt = Findings.Epoch.AddHours(1) };
        alert = Then(alert, AlertDecisions.Update(alert, update, Default, T0));

        Assert.Equal(("warning", "true"), (alert.Labels["severity"], alert.Labels["clinical_safety"]));
        Assert.Equal(T0.AddHours(1), alert.NextDueAt);
    }

    [Fact]
    public void GivenAClinicalIncidentAwaitingItsDecision_WhenAMemberRecovers_ThenItsRecoveryEvidenceIsShown()
    {
        var alert = Raise(Findings.Detected("cxr", severity: Severity.Critical, findingId: "first"));
        var recovery = Findings.Evidence(currentSize: 777);

        alert = Then(alert, AlertDecisions.FindingRecovered(alert, new DriftResolved { FindingId = "first", Evidence = recovery, ResolvedAt = Findings.Epoch.AddDays(1) }, T0));

        Assert.Equal(AlertStatus.Open, alert.Status);
        Assert.Equal(["first"], alert.RecoveredFindingIds);
        Assert.Same(recovery, alert.MemberEvidence["first"]);
        Assert.Same(recovery, alert.Evidence);
    }

    [Fact]
    public void GivenAFindingAlertOfAChange_WhenTheChangeRecovers_ThenTheLastEvidenceIsKept()
    {
        var finding = Findings.Detected("cxr", severity: Severity.Critical) with { ChangeId = "chg-a" };
        var alert = Raise(finding);

        alert = Then(alert, IncidentDecisions.Recovered(alert, new ChangeResolved { ChangeId = "chg-a", ResolvedAt = Findings.Epoch.AddDays(1) }, T0));

        Assert.True(alert.Recovered);
        Assert.Equal(["change:chg-a"], alert.RecoveredFindingIds);
        Assert.Same(finding.Evidence, alert.Evidence);
    }

    [Fact]
    public void GivenAnAlertWithAPendingEscalation_WhenResolved_ThenNoTimerIsLeft()
    {
        var alert = Raise(Findings.Detected("cxr"));
        Assert.Equal(T0.AddMinutes(10), alert.NextDueAt);

        alert = Then(alert, AlertDecisions.Resolve(alert, "alice", null, T0));

        Assert.Null(alert.NextEscalationAt);
        Assert.Null(alert.NextDueAt);
    }

    [Fact]
    public void SilencesAndInhibitionsAreListedOnce()
    {
        var (silence, inhibitor) = (Guid.NewGuid(), Guid.NewGuid());
        var alert = AlertFold.Apply(Raise(Findings.Detected("cxr")),
        [
            new AlertSilenced(silence, "alice", null, "maintenance", T0), new AlertSilenced(silence, "alice", null, "maintenance", T0),
            new NotificationSuppressed(inhibitor, "ingest-stopped", T0), new NotificationSuppressed(inhibitor, "ingest-stopped", T0),
        ]);

        Assert.Equal([silence], alert.SilencedBy);
        Assert.Equal([inhibitor], alert.InhibitedBy);
    }

    [Fact]
    public void DeliveriesAreCounted_AndEachPagerDutyReceiverIsRememberedOnce_ForItsAcknowledgeAndResolve()
    {
        NotificationSent Sent(string receiver, ReceiverKind kind) => new(Guid.NewGuid(), receiver, kind, "page", 1, null, 1, false, T0);
        var alert = AlertFold.Apply(Raise(Findings.Detected("cxr")),
        [
            Sent("mlops-pd", ReceiverKind.PagerDuty), Sent("mlops-pd", ReceiverKind.PagerDuty), Sent("team", ReceiverKind.Webhook),
            new NotificationFailed(Guid.NewGuid(), "mail", ReceiverKind.Email, "page", 1, null, 1, true, "refused", T0),
        ]);

        Assert.Equal((3, 1), (alert.NotificationsSent, alert.NotificationsFailed));
        Assert.Equal(["mlops-pd"], alert.PagedPagerDutyReceivers);
    }
}
