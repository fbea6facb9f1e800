using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;

namespace Monitoring.AlertRouter.Tests.Integration;

/// <summary>Two real SMTP servers that each stall once, after storing the first message: one before its reply to DATA, one before its reply to QUIT.</summary>
public sealed class StalledSmtpFixture : IAsyncLifetime
{
    /// <summary>The router's per-attempt timeout here; each server stalls well past it.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    public SmtpSink? DataStall { get; private set; }
    public SmtpSink? QuitStall { get; private set; }
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (SmtpSink.Unavailable() is null)
        {
            DataStall = await SmtpSink.StartAsync(SmtpSink.Stall.DataReply, AttemptTimeout * 3);
            QuitStall = await SmtpSink.StartAsync(SmtpSink.Stall.QuitReply, AttemptTimeout * 3);
        }

        Host = await RouterHost.StartAsync("ar_stall", $$"""
            route:
              receiver: data
              group_by: ['...']
              group_wait: 0s
              routes:
                - matchers: ['model=~"quit.*"']
                  receiver: quit
            receivers:
              - name: data
                email_configs: [{ to: safety@hospital.test, from: alert-router@hospital.test, smarthost: "127.0.0.1:{{DataStall?.Port ?? 9}}" }]
              - name: quit
                email_configs: [{ to: safety@hospital.test, from: alert-router@hospital.test, smarthost: "127.0.0.1:{{QuitStall?.Port ?? 9}}" }]
            """, new Dictionary<string, string?> { ["AlertRouter:DeliveryTimeout"] = AttemptTimeout.ToString() });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (DataStall is not null) await DataStall.DisposeAsync();
        if (QuitStall is not null) await QuitStall.DisposeAsync();
    }
}

/// <summary>
/// E-mail is delivered at least once: a reply that never comes in time is a failed attempt, retried. What the router owes the
/// reader is that a copy is recognisably the same message (one Message-ID per delivery), that every copy is explained by a
/// recorded failed attempt, and that a message the server acknowledged is never sent again.
/// </summary>
public class StalledSmtpTests(StalledSmtpFixture fixture) : IClassFixture<StalledSmtpFixture>
{
    [NeedsAiosmtpdFact]
    public async Task GivenTheServerStoresTheMessageButRepliesToDataTooLate_ThenTheRetryIsACopyWithTheSameMessageId_AndTheTimeoutIsRecorded()
    {
        var alert = await RaiseAsync("data-1");
        var events = await DeliveredAsync(alert);

        var failed = Assert.Single(events.OfType<NotificationFailed>());
        Assert.Equal((1, false), (failed.Attempt, failed.Final));
        Assert.Equal($"timed out after {StalledSmtpFixture.AttemptTimeout.TotalSeconds:0} s", failed.Error);
        var sent = Assert.Single(events.OfType<NotificationSent>());
        Assert.Equal((2, failed.DeliveryId), (sent.Attempt, sent.DeliveryId));

        var copies = Copies(fixture.DataStall!, alert);
        Assert.Equal(2, copies.Count);
        Assert.Equal($"{sent.DeliveryId:N}@hospital.test", copies[0].MessageId);
        Assert.Equal(copies[0].MessageId, copies[1].MessageId);
        Assert.Equal(copies[0].Subject, copies[1].Subject);
    }

    [NeedsAiosmtpdFact]
    public async Task GivenTheServerAcknowledgesTheMessageButRepliesToQuitTooLate_ThenTheDeliverySucceededOnce()
    {
        var alert = await RaiseAsync("quit-1");
        var events = await DeliveredAsync(alert);

        Assert.Empty(events.OfType<NotificationFailed>());
        Assert.Equal(1, Assert.Single(events.OfType<NotificationSent>()).Attempt);
        // Longer than the stall: a retry, had there been one, would have arrived by now.
        await Task.Delay(StalledSmtpFixture.AttemptTimeout * 4);
        Assert.Single(Copies(fixture.QuitStall!, alert));
        Assert.Single((await fixture.Host.EventsAsync(alert.Id)).OfType<NotificationSent>());
    }

    private async Task<Alert> RaiseAsync(string model)
    {
        var finding = Findings.Detected(model);
        await fixture.Host.PublishAsync(finding);
        return await fixture.Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
    }

    private async Task<IReadOnlyList<object>> DeliveredAsync(Alert alert)
    {
        await Eventually.HoldsAsync(async () => (await fixture.Host.EventsAsync(alert.Id)).Any(e => e is NotificationSent or NotificationFailed { Final: true }),
            TimeSpan.FromSeconds(60), "the email delivery is recorded");
        return await fixture.Host.EventsAsync(alert.Id);
    }

    private static List<MimeKit.MimeMessage> Copies(SmtpSink smtp, Alert alert) => smtp.Messages()
        .Select(m => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m))))
        .Where(m => m.Headers["X-Alert-Ids"]?.Contains(alert.Id.ToString(), StringComparison.Ordinal) == true)
        .ToList();
}
