using System.Text.Json;
using Marten;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Integration;

public sealed class IntakeFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_intake", $$"""
            route:
              receiver: team
              group_by: [alertname, model]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 4h
              routes:
                - matchers: ['model=~"nowait.*"']
                  receiver: team
                  group_wait: 0s
            receivers:
              - name: team
                webhook_configs:
                  - url: {{Listener.Url("/team")}}
            """);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

public class IntakeAndWebhookTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private RouterHost Host => fixture.Host;
    private WebhookListener Listener => fixture.Listener;

    private IReadOnlyList<JsonElement> PayloadsFor(string model) =>
        Listener.At("/team").Select(r => r.Json).Where(j => j.GetProperty("alerts").EnumerateArray()
            .Any(a => a.GetProperty("labels").GetProperty("model").GetString() == model)).ToList();

    [Fact]
    public async Task GivenAFinding_WhenPublished_ThenAnAlertIsRaisedAndTheAlertmanagerV4PayloadReachesTheWebhook()
    {
        var finding = Findings.Detected("nowait", severity: Severity.Error);

        await Host.PublishAsync(finding);

        var alert = await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
        Assert.Equal(AlertStatus.Open, alert.Status);
        await Eventually.HoldsAsync(() => Task.FromResult(PayloadsFor("nowait").Count > 0), TimeSpan.FromSeconds(30), "the webhook received the notification");
        var payload = PayloadsFor("nowait").Single();
        Assert.Equal("4", payload.GetProperty("version").GetString());
        Assert.Equal("team", payload.GetProperty("receiver").GetString());
        Assert.Equal("firing", payload.GetProperty("status").GetString());
        Assert.Equal("http://alerts.test", payload.GetProperty("externalURL").GetString());
        var a = payload.GetProperty("alerts")[0];
        Assert.Equal(alert.Fingerprint, a.GetProperty("fingerprint").GetString());
        Assert.Equal("error", a.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Equal($"http://alerts.test/console/incidents/{alert.Id}", a.GetProperty("generatorURL").GetString());
        Assert.Contains("feature:meanIntensity by wilson", a.GetProperty("annotations").GetProperty("evidence").GetString(), StringComparison.Ordinal);

        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(), TimeSpan.FromSeconds(10), "the delivery is recorded");
        var sent = (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Single();
        Assert.Equal(("team", "notify", 1), (sent.Receiver, sent.Purpose, sent.Attempt));
    }

    [Fact]
    public async Task GivenTwoFindingsOfOneGroup_WhenGroupWaitPasses_ThenOneNotificationCarriesBoth()
    {
        var a = Findings.Detected("grouped", site: "hospital-a");
        var b = Findings.Detected("grouped", site: "hospital-b");
        await Host.PublishAsync(a);
        await Host.PublishAsync(b);
        await Host.AlertAsync(x => x.FindingIds.Contains(a.FindingId), "the first alert is raised");
        await Host.AlertAsync(x => x.FindingIds.Contains(b.FindingId), "the second alert is raised");
        await Host.WaitTicksAsync();
        Assert.Empty(PayloadsFor("grouped"));

        await Host.AdvanceAsync(TimeSpan.FromSeconds(30));

        await Eventually.HoldsAsync(() => Task.FromResult(PayloadsFor("grouped").Count > 0), TimeSpan.FromSeconds(30), "the group notification arrived");
        await Host.WaitTicksAsync();
        var payload = Assert.Single(PayloadsFor("grouped"));
        Assert.Equal(2, payload.GetProperty("alerts").GetArrayLength());
        Assert.Equal("grouped", payload.GetProperty("groupLabels").GetProperty("model").GetString());
        Assert.False(payload.GetProperty("commonLabels").TryGetProperty("site", out _));
    }

    [Fact]
    public async Task GivenTheSameFindingTwiceAndAnotherWithTheSameFingerprint_ThenOneAlertWithTwoOccurrences()
    {
        var first = Findings.Detected("dedup");
        var again = Findings.Detected("dedup");
        await Host.PublishAsync(first);
        await Host.PublishAsync(first);
        await Host.PublishAsync(again);

        var alert = await Host.AlertAsync(x => x.FindingIds.Contains(again.FindingId), "the second finding joins the alert");

        Assert.Contains(first.FindingId, alert.FindingIds);
        Assert.Equal(2, alert.Occurrences);
        await using var session = Host.Store.QuerySession();
        var all = await session.Query<Alert>().Where(x => x.Model!.Id == "dedup").ToListAsync();
        Assert.Single(all);
        Assert.Equal(2, (await Host.EventsAsync(alert.Id)).OfType<AlertUpdated>().Count() + 1);
    }

    [Fact]
    public async Task GivenAResolvedFinding_WhenTheDetectorResolvesIt_ThenTheAlertResolvesAndTheGroupReportsIt()
    {
        var finding = Findings.Detected("nowait-resolve");
        await Host.PublishAsync(finding);
        var alert = await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(), TimeSpan.FromSeconds(30), "the firing notification is sent");

        await Host.PublishAsync(new DriftResolved { FindingId = finding.FindingId, Evidence = Findings.Evidence(), ResolvedAt = Findings.Epoch.AddHours(3) });
        await Host.AlertAsync(a => a.Id == alert.Id && a.Status == AlertStatus.Resolved, "the alert resolves automatically");
        await Host.AdvanceAsync(TimeSpan.FromMinutes(5));

        await Eventually.HoldsAsync(() => Task.FromResult(Listener.At("/team").Any(r => r.Json.GetProperty("status").GetString() == "resolved"
            && r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal))), TimeSpan.FromSeconds(30), "the resolved notification arrived");
    }

    [Fact]
    public async Task GivenAnUpdateAndAResolutionThatOvertookTheirFinding_WhenTheFindingArrives_ThenBothApplyToItsAlertAndNothingIsLeftParked()
    {
        // Consumers run concurrently and retry: after a restart a finding's later messages can be consumed before it.
        var finding = Findings.Detected("nowait-early");
        await Host.PublishAsync(new DriftUpdated { FindingId = finding.FindingId, Severity = Severity.Error, Evidence = Findings.Evidence(currentSize: 777), Occurrences = 2, UpdatedAt = finding.DetectedAt.AddHours(1) });
        await Host.PublishAsync(new DriftResolved { FindingId = finding.FindingId, Evidence = Findings.Evidence(), ResolvedAt = finding.DetectedAt.AddHours(2) });
        await Eventually.HoldsAsync(async () => await ParkedAsync(finding.FindingId) == 2, TimeSpan.FromSeconds(30), "both early messages are parked, not dead-lettered");

        await Host.PublishAsync(finding);
        var alert = await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId) && a.Status == AlertStatus.Resolved, "the parked resolution resolved the alert");
        var events = await Host.EventsAsync(alert.Id);
        Assert.Equal(777, Assert.Single(events.OfType<AlertUpdated>()).Evidence!.CurrentSize); // the update applied before the resolution
        Assert.Equal(Severity.Error, alert.Severity);
        Assert.Single(events.OfType<AlertResolved>());
        // Each parked message is deleted in its own commit right after it was applied: wait for the last delete.
        await Eventually.HoldsAsync(async () => await ParkedAsync(finding.FindingId) == 0, TimeSpan.FromSeconds(30), "the applied early messages are deleted");

        // A redelivered resolution after that changes nothing and parks nothing.
        await Host.PublishAsync(new DriftResolved { FindingId = finding.FindingId, Evidence = Findings.Evidence(), ResolvedAt = finding.DetectedAt.AddHours(2) });
        await Host.WaitTicksAsync();
        // Deliveries of the resolved notification are recorded on the stream whenever the dispatcher gets to them: not the intake's.
        static int Intake(IReadOnlyList<object> all) => all.Count(e => e is not (NotificationSent or NotificationFailed));
        Assert.Equal(Intake(events), Intake(await Host.EventsAsync(alert.Id)));
        Assert.Equal(0, await ParkedAsync(finding.FindingId));
    }

    private async Task<int> ParkedAsync(string key)
    {
        await using var session = Host.Store.QuerySession();
        return await session.Query<Monitoring.AlertRouter.Intake.EarlyMessage>().CountAsync(m => m.Key == key);
    }

    [Fact]
    public async Task GivenAlertsOfSeveralSeverities_WhenListedWithFilters_ThenOnlyMatchingOnesAreReturned()
    {
        var critical = Findings.Detected("filter-model", site: "filter-a", severity: Severity.Critical);
        var warning = Findings.Detected("filter-model", site: "filter-b", severity: Severity.Warning);
        await Host.PublishAsync(critical);
        await Host.PublishAsync(warning);
        await Host.AlertAsync(a => a.FindingIds.Contains(critical.FindingId), "the critical alert is raised");
        await Host.AlertAsync(a => a.FindingIds.Contains(warning.FindingId), "the warning alert is raised");
        var client = Host.Client("auditor");

        async Task<List<string?>> Sites(string query) => (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(client, $"/alerts?model=filter-model&{query}"))
            .EnumerateArray().Select(a => a.GetProperty("site").GetString()).Order().ToList();

        Assert.Equal(["filter-a"], await Sites("severity=critical&status=unresolved"));
        Assert.Equal(["filter-b"], await Sites("severity=warning"));
        Assert.Equal(["filter-a"], await Sites("clinicalSafety=true"));
        Assert.Equal(["filter-a", "filter-b"], await Sites("status=open"));
        Assert.Empty(await Sites("status=resolved"));
        Assert.Equal(["filter-b"], await Sites("site=filter-b"));
    }

    [Fact]
    public async Task GivenNotificationsWereSent_ThenTheMetricsAreExported()
    {
        var finding = Findings.Detected("nowait-metrics");
        await Host.PublishAsync(finding);
        var alert = await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(), TimeSpan.FromSeconds(30), "the notification is sent");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(Host.Client("oncall"), $"/alerts/{alert.Id}/acknowledge", new { })).StatusCode);

        var text = await Host.Client(null).GetStringAsync("/metrics");

        Assert.Contains("alertrouter_notifications_total{receiver=\"team\",kind=\"Webhook\",outcome=\"sent\"}", text, StringComparison.Ordinal);
        Assert.Contains("alertrouter_time_to_acknowledge_seconds_count{severity=\"warning\"}", text, StringComparison.Ordinal);
        Assert.Contains("alertrouter_open_alerts{", text, StringComparison.Ordinal);
        Assert.Contains("alertrouter_first_notification_seconds_count", text, StringComparison.Ordinal);
    }
}
