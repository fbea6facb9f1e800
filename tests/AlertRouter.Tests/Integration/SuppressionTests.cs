using System.Net;
using System.Net.Http.Json;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

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
              - source_matchers: ['condition="ingest-stopped"']
                target_matchers: ['source="finding"']
                equal: [site]
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

    [Fact]
    public async Task GivenASiteWideIngestOutage_ThenThatSitesDriftAlertsAreInhibitedUntilItClears()
    {
        await Host.PublishAsync(Findings.Health("ingest-stopped", "site-x", firing: true));
        var outage = await Host.AlertAsync(a => a.Source == AlertSource.Health && a.Site == "site-x", "the outage alert is raised");
        Assert.Equal("ingest-stopped", outage.Labels["condition"]);
        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(outage.Id) == 1), TimeSpan.FromSeconds(30), "the outage itself is notified");

        var atX = await RaiseAsync(Findings.Detected("inhibit", site: "site-x"));
        var atY = await RaiseAsync(Findings.Detected("inhibit", site: "site-y"));
        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(atY.Id) == 1), TimeSpan.FromSeconds(30), "the other site's drift is notified");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(atX.Id)).OfType<NotificationSuppressed>().Any(), TimeSpan.FromSeconds(30), "the inhibition is recorded");
        Assert.Equal(0, NotificationsFor(atX.Id));
        Assert.Equal(outage.Id, (await Host.EventsAsync(atX.Id)).OfType<NotificationSuppressed>().Single().InhibitedBy);

        await Host.PublishAsync(Findings.Health("ingest-stopped", "site-x", firing: false));
        await Host.AlertAsync(a => a.Id == outage.Id && a.Status == AlertStatus.Resolved, "the outage resolves when the condition clears");
        await Host.AdvanceAsync(TimeSpan.FromMinutes(1));

        await Eventually.HoldsAsync(() => Task.FromResult(NotificationsFor(atX.Id) == 1), TimeSpan.FromSeconds(30), "the drift alert is notified once the outage is over");
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
