using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// What people do to an alert (acknowledge, decide, resolve) and what the timer does when they do not: the refusals
/// they see, the text that is recorded, and who is paged when.
/// </summary>
public class AlertCommandsAndTimerEdgeTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
          escalation_policy: two-levels
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
          - name: safety
            webhook_configs: [{ url: "http://h/safety" }]
          - name: mail
            email_configs: [{ from: "a@b.c", smarthost: "127.0.0.1:25" }]
        people:
          - name: alice
            email: alice@x.test
          - name: bob
        schedules:
          - name: primary
            receiver: mail
            rotation: { start: "2026-01-01T00:00:00Z", shift: 24h, participants: [bob] }
        escalation_policies:
          - name: two-levels
            repeat: 1
            levels:
              - { receivers: [team], timeout: 10m }
              - { schedules: [primary], receivers: [safety], timeout: 20m }
        clinical_safety:
          decision_deadline: 1h
        """, _ => null);

    private static Alert Raise(Severity severity, FindingKind kind = FindingKind.DistributionShift)
    {
        var finding = Findings.Detected("cxr", severity: severity, kind: kind);
        var clinical = AlertLabels.IsClinicalSafety(severity, kind);
        return AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding, AlertLabels.ForFinding(finding, clinical),
            finding.Summary, null, severity, clinical, finding, finding.DetectedAt, Config, T0));
    }

    private static Alert Then(Alert alert, Outcome outcome)
    {
        Assert.Null(outcome.Error);
        return AlertFold.Apply(alert, outcome.Events);
    }

    private static Alert Then(Alert alert, IReadOnlyList<object> events) => AlertFold.Apply(alert, events);

    [Fact]
    public void GivenAnAcknowledgedAlert_WhenAcknowledgedAgain_ThenRefusedNamingWhoTookIt()
    {
        var alert = Raise(Severity.Warning);
        var ack = Assert.IsType<AlertAcknowledged>(Assert.Single(AlertDecisions.Acknowledge(alert, "alice", "  on it  ", T0).Events));
        Assert.Equal(new AlertAcknowledged("alice", "on it", T0), ack);
        alert = Then(alert, [ack]);

        Assert.Equal(new OutcomeError(null, "the alert was already acknowledged by alice"), AlertDecisions.Acknowledge(alert, "bob", null, T0).Error);
        Assert.Null(Assert.IsType<AlertAcknowledged>(Assert.Single(AlertDecisions.Acknowledge(Raise(Severity.Warning), "bob", "   ", T0).Events)).Note);
    }

    [Fact]
    public void GivenAResolvedAlert_ThenAcknowledgeDecideAndResolveAreConflicts()
    {
        var alert = Raise(Severity.Warning);
        alert = Then(alert, AlertDecisions.Resolve(alert, "alice", null, T0));

        Assert.Equal(new OutcomeError(null, "the alert is resolved"), AlertDecisions.Acknowledge(alert, "bob", null, T0).Error);
        Assert.Equal(new OutcomeError(null, "the alert is resolved"),
            AlertDecisions.RecordDecision(alert, "bob", OversightDecision.Continue, "fine", null, null, T0).Error);
        Assert.Equal(new OutcomeError(null, "the alert is already resolved"), AlertDecisions.Resolve(alert, "bob", "again", T0).Error);
    }

    [Fact]
    public void GivenARestrictDecision_WithASiteOrASubgroup_ThenRecordedTrimmed()
    {
        var alert = Raise(Severity.Critical);
        var subgroup = new Dictionary<string, string> { ["ageBand"] = "65+" };

        var bySite = Assert.IsType<OversightDecisionRecorded>(Assert.Single(AlertDecisions.RecordDecision(alert, "sam",
            OversightDecision.RestrictToSiteOrSubgroup, "  sensitivity low at b  ", " hospital-b ", new Dictionary<string, string>(), T0).Events));
        var bySubgroup = Assert.IsType<OversightDecisionRecorded>(Assert.Single(AlertDecisions.RecordDecision(alert, "sam",
            OversightDecision.RestrictToSiteOrSubgroup, "low for 65+", "  ", subgroup, T0).Events));

        Assert.Equal(("sensitivity low at b", "hospital-b", "sam", T0), (bySite.Rationale, bySite.RestrictToSite, bySite.By, bySite.At));
        Assert.Null(bySite.RestrictToSubgroup);
        Assert.Null(bySubgroup.RestrictToSite);
        Assert.Equal("65+", bySubgroup.RestrictToSubgroup!["ageBand"]);
        Assert.Equal(new OutcomeError("site", "restrict-to-site-or-subgroup needs a site or a subgroup"),
            AlertDecisions.RecordDecision(alert, "sam", OversightDecision.RestrictToSiteOrSubgroup, "x", " ", new Dictionary<string, string>(), T0).Error);
    }

    [Fact]
    public void GivenADecisionWithoutItsKindOrRationale_ThenTheRefusalSaysWhatIsMissing()
    {
        var alert = Raise(Severity.Critical);

        Assert.Equal(new OutcomeError("decision",
            "decision is required: continue, continue-with-closer-monitoring, restrict-to-site-or-subgroup, suspend-model or roll-back"),
            AlertDecisions.RecordDecision(alert, "sam", null, "x", null, null, T0).Error);
        Assert.Equal(new OutcomeError("rationale", "a rationale is required"),
            AlertDecisions.RecordDecision(alert, "sam", OversightDecision.Continue, "  ", null, null, T0).Error);
    }

    [Fact]
    public void GivenADecisionOtherThanRestrict_ThenNoSiteIsNeeded()
    {
        var alert = Raise(Severity.Critical);

        var recorded = Assert.IsType<OversightDecisionRecorded>(Assert.Single(
            AlertDecisions.RecordDecision(alert, "sam", OversightDecision.SuspendModel, "unsafe", null, null, T0).Events));

        Assert.Equal(OversightDecision.SuspendModel, recorded.Decision);
        Assert.Null(recorded.RestrictToSite);
    }

    [Fact]
    public void GivenAPlainAlert_ThenItResolvesWithoutANote_AndANoteIsTrimmed()
    {
        var alert = Raise(Severity.Warning);

        Assert.Equal(new AlertResolved("alice", false, null, T0), Assert.Single(AlertDecisions.Resolve(alert, "alice", "  ", T0).Events));
        Assert.Equal(new AlertResolved("alice", false, "restarted the feed", T0),
            Assert.Single(AlertDecisions.Resolve(alert, "alice", " restarted the feed ", T0).Events));
    }

    [Fact]
    public void GivenAClinicalAlert_WhenResolvedWithABlankNote_ThenRefusedNamingTheNote()
    {
        var alert = Raise(Severity.Critical);
        alert = Then(alert, AlertDecisions.RecordDecision(alert, "sam", OversightDecision.Continue, "ok", null, null, T0));

        Assert.Equal(new OutcomeError("note", "resolving a clinical-safety alert needs a note"), AlertDecisions.Resolve(alert, "sam", "  ", T0).Error);
        Assert.Equal(new OutcomeError(null, "a clinical-safety alert needs a recorded oversight decision before it is resolved"),
            AlertDecisions.Resolve(Raise(Severity.Critical), "sam", "note", T0).Error);
    }

    [Fact]
    public void GivenAResolvedAlert_ThenTheTimerDoesNothing()
    {
        var alert = Raise(Severity.Critical);
        alert = Then(alert, AlertDecisions.RecordDecision(alert, "sam", OversightDecision.Continue, "ok", null, null, T0));
        alert = Then(alert, AlertDecisions.Resolve(alert, "sam", "done", T0));
        alert.NextEscalationAt = T0; // a stale timer read before the resolution must still page nobody

        Assert.Empty(AlertDecisions.Tick(alert, Config, T0.AddDays(1)));
    }

    [Fact]
    public void GivenAnOpenClinicalAlert_WhenBothTimersAreDue_ThenTheDecisionReasonWins_AndTheAckTimerMovesOn()
    {
        var alert = Raise(Severity.Critical);
        alert = Then(alert, AlertDecisions.Tick(alert, Config, T0.AddMinutes(10))); // level 2 by not acknowledging
        Assert.Equal(2, alert.EscalationLevel);

        var escalated = Assert.IsType<AlertEscalated>(Assert.Single(AlertDecisions.Tick(alert, Config, T0.AddHours(1))));

        // Already at the last level: the overdue decision pages the last level again, in the same cycle.
        Assert.Equal((2, 0, EscalationReason.DecisionOverdue), (escalated.Level, escalated.Cycle, escalated.Reason));
        Assert.Equal(T0.AddHours(1).AddMinutes(20), escalated.NextEscalationAt);
        Assert.Equal(T0.AddHours(1).AddMinutes(20), escalated.DecisionDueAt);
    }

    [Fact]
    public void GivenAnOpenClinicalAlert_WhenTheAckTimerFiresBeforeTheDeadline_ThenTheDeadlineIsKept()
    {
        var alert = Raise(Severity.Critical);

        var escalated = Assert.IsType<AlertEscalated>(Assert.Single(AlertDecisions.Tick(alert, Config, T0.AddMinutes(10))));

        Assert.Equal((2, EscalationReason.NotAcknowledged), (escalated.Level, escalated.Reason));
        Assert.Equal(T0.AddHours(1), escalated.DecisionDueAt);
    }

    [Fact]
    public void GivenALevelThatAlreadyPagedUpToTheBudget_ThenTheEscalationIsRecordedAsWithheld_AndTheTimersStop()
    {
        var alert = Raise(Severity.Warning); // level 1 paged once at raise

        var next = Assert.IsType<AlertEscalated>(Assert.Single(AlertDecisions.Tick(alert, Config, T0.AddMinutes(10), pagesPerLevel: 1)));
        Assert.False(next.Withheld); // level 2 has not paged yet
        Assert.NotEmpty(next.Targets);
        alert = Then(alert, [next]);
        // Not acknowledged at level 2 either: the policy wraps to level 1 (cycle 1), whose one page is spent.
        var withheld = Assert.IsType<AlertEscalated>(Assert.Single(AlertDecisions.Tick(alert, Config, T0.AddMinutes(30), pagesPerLevel: 1)));

        Assert.Equal((1, 1, EscalationReason.NotAcknowledged, true), (withheld.Level, withheld.Cycle, withheld.Reason, withheld.Withheld));
        Assert.Empty(withheld.Targets);
        Assert.Null(withheld.NextEscalationAt);
        alert = Then(alert, [withheld]);
        Assert.Null(alert.NextDueAt);
        Assert.Equal(1, alert.PagesAt(1));
    }

    [Fact]
    public void GivenALevelWithASchedule_ThenThePersonOnCallIsPagedThroughTheSchedulesReceiver_EvenWithoutAnAddress()
    {
        var level = Config.EscalationPolicies["two-levels"].Levels[1];

        var targets = AlertDecisions.Targets(level, Config, T0);

        Assert.Equal([new EscalationTarget("safety", null, null, null), new EscalationTarget("mail", "primary", "bob", null)], targets);
    }

    [Fact]
    public void GivenALevelNamingAScheduleThatNoLongerExists_ThenItsReceiversAreStillPaged()
    {
        var level = new EscalationLevel(1, ["team"], ["gone", "primary"], TimeSpan.FromMinutes(5));

        var targets = AlertDecisions.Targets(level, Config, T0);

        Assert.Equal(["team", "mail"], targets.Select(t => t.Receiver));
    }
}
