using System.Net;
using System.Net.Http.Json;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;
using DetectorHealth = Monitoring.DriftDetector.Subscription.HealthConditions;

namespace Monitoring.AlertRouter.Tests.Integration;

public sealed class SuppressionFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_suppress", $$"""
            route:
              receiver: team
              group_by: ['...']
              group_wait: 0s
              group_interval: 1m
              repeat_interval: 4h
            inhibit_rules:
              # The rule both shipped routing files hold (deploy/alerting).
              - source_matchers: ['condition="subscription-stopped"']
                target_matchers: ['condition="detector-lag"']
                equal: [service]
            receivers:
              - name: team
                webhook_configs: [{ url: "{{Listener.Url("/team")}}" }]
            """);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

public class SuppressionTests(SuppressionFixture fixture) : IClassFixture<SuppressionFixture>
{
    private RouterHost Host => fixture.Host;

    private int NotificationsFor(Guid alertId, string status = "firing") => fixture.Listener.At("/team")
        .Count(r => r.Body.Contains(alertId.ToString(), StringComparison.Ordinal) && r.Json.GetProperty("status").GetString() == status);

    private async Task<Alert> RaiseAsync(DriftDetected finding)
    {
        await Host.PublishAsync(finding);
        return await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
    }

    /// <summary>The DriftDetector's own messages (<c>HealthConditions</c>, compiled into this project), as its LagMonitor publishes them.</summary>
    [Fact]
    public async Task GivenTheDetectorsSubscriptionStopped_ThenItsLagAlertIsInhibitedUntilTheSubscriptionRunsAgain()
    {
        const string problem = "the subscription is not running (start failed: connection refused)";
        await Host.PublishAsync(DetectorHealth.SubscriptionStoppedChanged(problem, needsPerson: false, Findings.Epoch));
        var stopped = await Host.AlertAsync(a => a.Source == AlertSource.Health && a.Labels["condition"] == DetectorHealth.SubscriptionStopped, "the stopped subscription is raised");
        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(stopped.Id) == 1), TimeSpan.FromSeconds(30), "the stopped subscription itself is notified");

        await Host.PublishAsync(DetectorHealth.DetectorLagChanged(lagging: true, lag: 250_000, bound: 100_000, Findings.Epoch.AddMinutes(5)));
        var lag = await Host.AlertAsync(a => a.Source == AlertSource.Health && a.Labels["condition"] == DetectorHealth.DetectorLag, "the lag is raised");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(lag.Id)).OfType<NotificationSuppressed>().Any(), TimeSpan.FromSeconds(30), "the inhibition is recorded");
        Assert.Equal(0, NotificationsFor(lag.Id));
        Assert.Equal(stopped.Id, (await Host.EventsAsync(lag.Id)).OfType<NotificationSuppressed>().Single().InhibitedBy);

        await Host.PublishAsync(DetectorHealth.SubscriptionStoppedChanged(null, needsPerson: false, Findings.Epoch.AddMinutes(30)));
        await Host.AlertAsync(a => a.Id == stopped.Id && a.Status == AlertStatus.Resolved, "the stopped subscription resolves when it runs again");
        await Host.AdvanceAsync(TimeSpan.FromMinutes(1));

        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(lag.Id) == 1), TimeSpan.FromSeconds(30), "the lag is notified once its cause is over");
    }

    [Fact]
    public async Task GivenASilence_ThenMatchingAlertsAreMutedAndNotifiedAfterItExpiresByItself()
    {
        var create = await Host.Client("oncall").PostAsJsonAsync("/silences", new
        {
            matchers = new[] { "model=\"silenced\"" },
            endsAt = Host.Clock.GetUtcNow().AddMinutes(30),
            reason = "scanner firmware rollout at site hospital-a",
        });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);

        var alert = await RaiseAsync(Findings.Detected("silenced"));
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<AlertSilenced>().Any(), TimeSpan.FromSeconds(30), "the silence is recorded on the alert");
        var silenced = (await Host.EventsAsync(alert.Id)).OfType<AlertSilenced>().Single();
        Assert.Equal("test-oncall", silenced.Author);
        await Host.AdvanceAsync(TimeSpan.FromMinutes(29));
        Assert.Equal(0, NotificationsFor(alert.Id));

        await Host.AdvanceAsync(TimeSpan.FromMinutes(2));

        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(alert.Id) == 1), TimeSpan.FromSeconds(30), "the alert is notified after the silence ended");
    }

    [Fact]
    public async Task GivenAnUnapprovedSilence_ThenAClinicalSafetyAlertIsStillNotified()
    {
        var create = await Host.Client("oncall").PostAsJsonAsync("/silences", new
        {
            matchers = new[] { "model=\"silenced-clinical\"" },
            endsAt = Host.Clock.GetUtcNow().AddHours(1),
            reason = "noisy model",
        });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);

        var alert = await RaiseAsync(Findings.Detected("silenced-clinical", severity: Severity.Critical, kind: FindingKind.FairnessGap));

        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(alert.Id) == 1), TimeSpan.FromSeconds(30), "the clinical-safety alert is notified");
        Assert.Empty((await Host.EventsAsync(alert.Id)).OfType<AlertSilenced>());
    }
}
