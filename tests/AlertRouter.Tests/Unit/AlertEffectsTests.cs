using System.Reflection;
using Marten;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// What an alert's events put in the outbox (one delivery per target and integration; PagerDuty acknowledge and
/// resolve only to the PagerDuty integrations that were paged) and in the de-duplication index. The session is a
/// recorder: these are the writes the transaction would commit, checked without a database.
/// </summary>
public class AlertEffectsTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }, { url: "http://h/team-backup" }]
          - name: oncall
            webhook_configs: [{ url: "http://h/oncall" }]
            pagerduty_configs: [{ routing_key: "k1" }]
        """, _ => null);

    private static Alert Alert(params string[] pagedPagerDuty)
    {
        var alert = new Alert { Id = Guid.NewGuid(), Fingerprint = "fp-1" };
        alert.PagedPagerDutyReceivers.AddRange(pagedPagerDuty);
        return alert;
    }

    [Fact]
    public void GivenAnEscalation_ThenEachTargetIsPagedOnEveryIntegrationOfItsReceiver_WithLevelPersonAndAddress()
    {
        var session = SessionRecorder.Create();
        var alert = Alert();
        var escalated = new AlertEscalated(2, 0, EscalationReason.NotAcknowledged,
            [new EscalationTarget("team", null, null, null), new EscalationTarget("oncall", "primary", "alice", "alice@x.test")], null, null, T0);

        AlertEffects.Write(session, alert, [escalated], Config, T0);

        var stored = SessionRecorder.Of(session).Stored.Cast<PendingDelivery>().ToList();
        Assert.Equal([("team", 0), ("team", 1), ("oncall", 0), ("oncall", 1)], stored.Select(d => (d.Receiver, d.Integration)));
        Assert.All(stored, d => Assert.Equal((DeliveryPurpose.Page, 2, alert.Id, T0, T0), (d.Purpose, d.Level!.Value, Assert.Single(d.AlertIds), d.CreatedAt, d.DueAt)));
        Assert.All(stored.Where(d => d.Receiver == "oncall"), d => Assert.Equal(("alice", "alice@x.test"), (d.Person, d.Address)));
        Assert.All(stored.Where(d => d.Receiver == "team"), d => Assert.Null(d.Person));
        Assert.Equal(4, stored.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void GivenAReceiverRemovedFromTheConfiguration_ThenItsTargetIsSkipped()
    {
        var session = SessionRecorder.Create();
        var escalated = new AlertEscalated(1, 0, EscalationReason.Initial, [new EscalationTarget("gone", null, null, null)], null, null, T0);

        AlertEffects.Write(session, Alert(), [escalated], Config, T0);

        Assert.Empty(SessionRecorder.Of(session).Stored);
    }

    [Fact]
    public void GivenAnAcknowledgement_ThenOnlyThePagedPagerDutyIntegrationsAreAcknowledged()
    {
        var session = SessionRecorder.Create();
        var alert = Alert("oncall");

        AlertEffects.Write(session, alert, [new AlertAcknowledged("alice", null, T0)], Config, T0);

        var delivery = Assert.IsType<PendingDelivery>(Assert.Single(SessionRecorder.Of(session).Stored));
        Assert.Equal(("oncall", 1, DeliveryPurpose.Acknowledge), (delivery.Receiver, delivery.Integration, delivery.Purpose));
        Assert.Empty(SessionRecorder.Of(session).Deleted);
    }

    [Fact]
    public void GivenAResolution_ThenTheFingerprintIsFreed_AndThePagedPagerDutyIntegrationsAreResolved()
    {
        var session = SessionRecorder.Create();
        var alert = Alert("oncall");

        AlertEffects.Write(session, alert, [new AlertResolved("alice", false, null, T0)], Config, T0);

        Assert.Equal(("OpenAlert", (object)"fp-1"), Assert.Single(SessionRecorder.Of(session).Deleted));
        var delivery = Assert.IsType<PendingDelivery>(Assert.Single(SessionRecorder.Of(session).Stored));
        Assert.Equal(("oncall", 1, DeliveryPurpose.Resolve), (delivery.Receiver, delivery.Integration, delivery.Purpose));
    }

    [Fact]
    public void GivenOtherEvents_ThenNothingIsWritten()
    {
        var session = SessionRecorder.Create();

        AlertEffects.Write(session, Alert("oncall"), [new AlertUpdated(null, Severity.Error, false, null, "x", 1, null, T0, T0)], Config, T0);

        Assert.Empty(SessionRecorder.Of(session).Stored);
        Assert.Empty(SessionRecorder.Of(session).Deleted);
    }

    [Fact]
    public async Task GivenWakesBeforeTheClockWaits_ThenItWakesOnce()
    {
        var clock = new ClockSignal();

        clock.Wake();
        clock.Wake();

        Assert.True(await clock.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await clock.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}

/// <summary>
/// Observed durations and escalation counts. Process-wide metrics, also fed by the in-process hosts of the integration
/// tests: this collection runs alone so the deltas are this test's own.
/// </summary>
[CollectionDefinition(nameof(AlertMetricsTests), DisableParallelization = true)]
[Collection(nameof(AlertMetricsTests))]
public class AlertMetricsTests
{
    [Fact]
    public void AcknowledgementDecisionAndEscalationAreMeasuredFromTheRaise()
    {
        var raised = Findings.Epoch;
        var alert = new Alert { RaisedAt = raised, Severity = Severity.Critical };
        var ack = AlertMetrics.TimeToAcknowledge.WithLabels("critical");
        var decision = AlertMetrics.TimeToDecision.WithLabels(nameof(OversightDecision.RollBack));
        var escalations = AlertMetrics.Escalations.WithLabels("3", nameof(EscalationReason.DecisionOverdue));
        var before = (ack.Count, ack.Sum, decision.Count, decision.Sum, escalations.Value);

        AlertEffects.Observe(alert,
        [
            new AlertAcknowledged("alice", null, raised.AddMinutes(2)),
            new OversightDecisionRecorded(OversightDecision.RollBack, "unsafe", null, null, "sam", raised.AddMinutes(30)),
            new AlertEscalated(3, 0, EscalationReason.DecisionOverdue, [], null, null, raised.AddHours(1)),
        ]);

        Assert.Equal((1L, 1L), (ack.Count - before.Item1, decision.Count - before.Item3));
        Assert.Equal(120.0, ack.Sum - before.Item2, 6);
        Assert.Equal(1800.0, decision.Sum - before.Item4, 6);
        Assert.Equal(1.0, escalations.Value - before.Item5, 6);
    }

    [Fact]
    public void AClockSkewedAcknowledgementCountsAsImmediate()
    {
        var alert = new Alert { RaisedAt = Findings.Epoch, Severity = Severity.Info };
        var ack = AlertMetrics.TimeToAcknowledge.WithLabels("info");
        var decision = AlertMetrics.TimeToDecision.WithLabels(nameof(OversightDecision.Continue));
        var before = (ack.Count, ack.Sum, decision.Sum);

        AlertEffects.Observe(alert,
        [
            new AlertAcknowledged("alice", null, Findings.Epoch.AddSeconds(-5)),
            new OversightDecisionRecorded(OversightDecision.Continue, "fine", null, null, "sam", Findings.Epoch.AddSeconds(-5)),
        ]);

        Assert.Equal(1L, ack.Count - before.Item1);
        Assert.Equal(0.0, ack.Sum - before.Item2, 6);
        Assert.Equal(0.0, decision.Sum - before.Item3, 6);
    }
}

/// <summary>Records what is stored and deleted through an <see cref="IDocumentSession"/>; every other call fails the test.</summary>
public class SessionRecorder : DispatchProxy
{
    public List<object> Stored { get; } = [];
    public List<(string Type, object Id)> Deleted { get; } = [];

    public static IDocumentSession Create() => Create<IDocumentSession, SessionRecorder>();

    public static SessionRecorder Of(IDocumentSession session) => (SessionRecorder)(object)session;

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        switch (method!.Name)
        {
            case "Store" when args is [Array entities]:
                Stored.AddRange(entities.Cast<object>());
                return null;
            case "Delete" when method.IsGenericMethod && args is [{ } id]:
                Deleted.Add((method.GetGenericArguments()[0].Name, id));
                return null;
            default:
                throw new InvalidOperationException($"unexpected session call {method.Name}");
        }
    }
}
