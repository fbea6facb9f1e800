using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Integration;

/// <summary>Skips when Debian's aiosmtpd is not installed, saying so.</summary>
public sealed class NeedsAiosmtpdFactAttribute : FactAttribute
{
    public NeedsAiosmtpdFactAttribute() => Skip = SmtpSink.Unavailable();
}

public sealed class DeliveryFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public SmtpSink? Smtp { get; private set; }
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Smtp = SmtpSink.Unavailable() is null ? await SmtpSink.StartAsync() : null;
        Host = await RouterHost.StartAsync("ar_delivery", Routing(Listener, Smtp?.Port ?? 9));
    }

    public static string Routing(WebhookListener listener, int smtpPort) => $$"""
        route:
          receiver: flaky
          group_by: ['...']
          group_wait: 0s
          routes:
            - matchers: ['model=~"mail.*"']
              receiver: mail
            - matchers: ['model=~"pd.*"']
              receiver: pd
            - matchers: ['model=~"oncall.*"']
              receiver: backup
              escalation_policy: oncall
        people:
          - { name: alice, email: alice@hospital.test }
          - { name: bob, email: bob@hospital.test }
          - { name: carol, email: carol@hospital.test }
        schedules:
          - name: primary
            receiver: mail
            rotation: { start: "2026-01-01T08:00:00Z", shift: 24h, participants: [alice, bob] }
            overrides:
              - { start: "2026-03-02T00:00:00Z", end: "2026-03-03T00:00:00Z", person: carol }
        escalation_policies:
          - name: oncall
            levels:
              - { schedules: [primary], timeout: 10m }
        receivers:
          - name: flaky
            webhook_configs: [{ url: "{{listener.Url("/fail/flaky")}}" }]
            fallback: backup
          - name: backup
            webhook_configs: [{ url: "{{listener.Url("/backup")}}" }]
          - name: mail
            email_configs:
              - to: clinical-safety@hospital.test
                from: alert-router@hospital.test
                smarthost: 127.0.0.1:{{smtpPort}}
          - name: pd
            pagerduty_configs:
              - routing_key: rk-test
                url: {{listener.Url("/pd")}}
        """;

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
        if (Smtp is not null)
        {
            await Smtp.DisposeAsync();
        }
    }
}

public class DeliveryTests(DeliveryFixture fixture) : IClassFixture<DeliveryFixture>
{
    private RouterHost Host => fixture.Host;

    private async Task<Alert> RaiseAsync(DriftDetected finding)
    {
        await Host.PublishAsync(finding);
        return await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
    }

    [Fact]
    public async Task GivenAFailingReceiver_ThenItIsRetriedWithBackoffThenTheFallbackGetsIt_AndEveryAttemptIsRecorded()
    {
        var alert = await RaiseAsync(Findings.Detected("flaky"));

        await Eventually.HoldsAsync(() => Task.FromResult(fixture.Listener.At("/backup").Any(r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the fallback receiver got the notification");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(), TimeSpan.FromSeconds(10), "the fallback delivery is recorded");

        var events = await Host.EventsAsync(alert.Id);
        var failed = events.OfType<NotificationFailed>().ToList();
        Assert.Equal([1, 2, 3], failed.Select(f => f.Attempt));
        Assert.All(failed, f => Assert.Equal("flaky", f.Receiver));
        Assert.All(failed, f => Assert.Contains("503", f.Error, StringComparison.Ordinal));
        Assert.Equal([false, false, true], failed.Select(f => f.Final));
        var sent = events.OfType<NotificationSent>().Single();
        Assert.Equal(("backup", true, 1), (sent.Receiver, sent.Fallback, sent.Attempt));
        Assert.Equal(3, fixture.Listener.At("/fail/flaky").Count(r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal)));
    }

    [NeedsAiosmtpdFact]
    public async Task GivenAnEmailReceiver_ThenARealSmtpServerReceivesTheEvidenceAndALink()
    {
        var alert = await RaiseAsync(Findings.Detected("mail-1", severity: Severity.Critical, kind: FindingKind.PerformanceDecay,
            subgroup: new Dictionary<string, string> { ["sex"] = "F", ["ageBand"] = "65+" }));

        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).Any(e => e is NotificationSent or NotificationFailed { Final: true }),
            TimeSpan.FromSeconds(30), "the email delivery is recorded");
        var failure = (await Host.EventsAsync(alert.Id)).OfType<NotificationFailed>().FirstOrDefault();
        Assert.True(failure is null, $"email delivery failed: {failure?.Error}");
        var message = await Eventually.ReturnsAsync(() => Task.FromResult(fixture.Smtp!.Messages().FirstOrDefault(m => m.Contains(alert.Id.ToString(), StringComparison.Ordinal))),
            m => m is not null, TimeSpan.FromSeconds(30), "the SMTP server received the email");

        Assert.Contains("Subject: [FIRING:1] [CLINICAL SAFETY]", message, StringComparison.Ordinal);
        Assert.Contains("To: clinical-safety@hospital.test", message, StringComparison.Ordinal);
        Assert.Contains("evidence: feature:meanIntensity by wilson", message, StringComparison.Ordinal);
        Assert.Contains("subgroup=ageBand=65+,sex=F", message, StringComparison.Ordinal);
        Assert.Contains($"http://alerts.test/console/incidents/{alert.Id}", message, StringComparison.Ordinal);
        Assert.Contains("oversight decision due by", message, StringComparison.Ordinal);
    }

    [NeedsAiosmtpdFact]
    public async Task GivenAnOnCallSchedule_ThenThePersonOnCallByTheOverrideIsPagedByEmail()
    {
        var alert = await RaiseAsync(Findings.Detected("oncall-1"));

        var message = await Eventually.ReturnsAsync(() => Task.FromResult(fixture.Smtp!.Messages().FirstOrDefault(m => m.Contains(alert.Id.ToString(), StringComparison.Ordinal))),
            m => m is not null, TimeSpan.FromSeconds(30), "the on-call person got the page");

        Assert.Contains("To: carol@hospital.test", message, StringComparison.Ordinal);
        Assert.Contains("[ESCALATION L1]", message, StringComparison.Ordinal);
        Assert.Contains("carol, you are on call for this.", message, StringComparison.Ordinal);
        var escalated = (await Host.EventsAsync(alert.Id)).OfType<AlertEscalated>().Single();
        Assert.Equal(("primary", "carol", "carol@hospital.test"), (escalated.Targets[0].Schedule, escalated.Targets[0].Person, escalated.Targets[0].Address));
    }

    [Fact]
    public async Task GivenAPagerDutyReceiver_ThenTriggerAcknowledgeAndResolveShareTheDedupKey()
    {
        var alert = await RaiseAsync(Findings.Detected("pd-1", severity: Severity.Error));
        IReadOnlyList<JsonElement> Events() => fixture.Listener.At("/pd").Select(r => r.Json)
            .Where(j => j.GetProperty("dedup_key").GetString() == alert.Id.ToString()).ToList();
        await Eventually.HoldsAsync(() => Task.FromResult(Events().Count == 1), TimeSpan.FromSeconds(30), "PagerDuty got the trigger");
        await Eventually.HoldsAsync(async () => (await Host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(), TimeSpan.FromSeconds(10), "the trigger is recorded");

        Assert.Equal(HttpStatusCode.OK, (await Host.Client("oncall").PostAsJsonAsync($"/alerts/{alert.Id}/acknowledge", new { })).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(Events().Count == 2), TimeSpan.FromSeconds(30), "PagerDuty got the acknowledge");
        Assert.Equal(HttpStatusCode.OK, (await Host.Client("oncall").PostAsJsonAsync($"/alerts/{alert.Id}/resolve", new { note = "reference updated" })).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(Events().Count == 3), TimeSpan.FromSeconds(30), "PagerDuty got the resolve");

        var events = Events();
        Assert.Equal(["trigger", "acknowledge", "resolve"], events.Select(e => e.GetProperty("event_action").GetString()));
        Assert.All(events, e => Assert.Equal("rk-test", e.GetProperty("routing_key").GetString()));
        var trigger = events[0].GetProperty("payload");
        Assert.Equal("error", trigger.GetProperty("severity").GetString());
        Assert.Equal("pd-1@2.3.1", trigger.GetProperty("source").GetString());
    }

    [Fact]
    public async Task GivenAnInvalidRoutingFile_WhenReloaded_ThenItIsRefusedWithTheLineAndTheLastGoodConfigurationStays()
    {
        var before = await Host.Client("auditor").GetFromJsonAsync<JsonElement>("/routing");
        var good = await File.ReadAllTextAsync(Host.RoutingFile);
        try
        {
            await File.WriteAllTextAsync(Host.RoutingFile, good.Replace("group_wait: 0s", "group_wait: soonish", StringComparison.Ordinal));

            var response = await Host.Client("admin").PostAsync("/routing/reload", null);

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(4, problem.GetProperty("line").GetInt32());
            Assert.Contains("group_wait", problem.GetProperty("reason").GetString(), StringComparison.Ordinal);
            var after = await Host.Client("auditor").GetFromJsonAsync<JsonElement>("/routing");
            Assert.Equal(before.GetProperty("version").GetString(), after.GetProperty("version").GetString());
            Assert.Equal(4, after.GetProperty("rejectedLine").GetInt32());
            var history = await Host.Client("auditor").GetFromJsonAsync<JsonElement>("/routing/history");
            Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "routing_config_rejected"
                && e.GetProperty("data").GetProperty("by").GetString() == "test-admin");
            Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "routing_config_loaded"
                && e.GetProperty("data").GetProperty("version").GetString() == before.GetProperty("version").GetString());

            // Routing still works with the configuration in force.
            var alert = await RaiseAsync(Findings.Detected("pd-after-refusal"));
            await Eventually.HoldsAsync(() => Task.FromResult(fixture.Listener.At("/pd").Any(r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "alerts are still routed");
        }
        finally
        {
            await File.WriteAllTextAsync(Host.RoutingFile, good);
            await Host.Client("admin").PostAsync("/routing/reload", null);
        }
    }

    [Fact]
    public async Task GivenAFindingWithoutId_ThenItGoesToTheErrorQueueWithTheReason()
    {
        await Host.PublishAsync(Findings.Detected("bad") with { FindingId = "" });

        await Eventually.HoldsAsync(async () => await TestInfrastructure.QueueMessageCountAsync(Host.VirtualHost, "alert-router_error") >= 1,
            TimeSpan.FromSeconds(60), "the bad finding is in alert-router_error");
    }
}
