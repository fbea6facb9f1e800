using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Notifications;

/// <summary>Everything a sender needs for one delivery attempt.</summary>
public sealed record DeliveryContent(PendingDelivery Delivery, Integration Integration, IReadOnlyList<Alert> Alerts,
    IReadOnlySet<Guid> Resolved, string ExternalUrl, int MinGroupSize);

/// <summary>Sends one delivery over one kind of integration; throws on failure.</summary>
public interface IReceiverSender
{
    ReceiverKind Kind { get; }

    Task SendAsync(DeliveryContent content, CancellationToken ct);
}

/// <summary>POSTs the Alertmanager webhook payload (version 4).</summary>
public sealed class WebhookSender(IHttpClientFactory clients) : IReceiverSender
{
    public const string ClientName = "alert-notifications";

    public ReceiverKind Kind => ReceiverKind.Webhook;

    public async Task SendAsync(DeliveryContent c, CancellationToken ct)
    {
        var d = c.Delivery;
        var groupKey = d.GroupKey ?? $"escalation/{d.AlertIds[0]}/level-{d.Level}";
        var groupLabels = d.GroupKey is null ? c.Alerts[0].Labels : d.GroupLabels;
        var payload = Payloads.Alertmanager(d.Receiver, groupKey, groupLabels, c.Alerts, c.Resolved, c.ExternalUrl, c.MinGroupSize, d.Level);
        using var response = await clients.CreateClient(ClientName).PostAsJsonAsync(c.Integration.Url, payload, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"webhook answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}

/// <summary>Sends PagerDuty Events API v2 events, one per alert, with the alert id as dedup_key.</summary>
public sealed class PagerDutySender(IHttpClientFactory clients) : IReceiverSender
{
    public ReceiverKind Kind => ReceiverKind.PagerDuty;

    public async Task SendAsync(DeliveryContent c, CancellationToken ct)
    {
        var client = clients.CreateClient(WebhookSender.ClientName);
        foreach (var alert in c.Alerts)
        {
            var action = c.Delivery.Purpose switch
            {
                DeliveryPurpose.Acknowledge => "acknowledge",
                DeliveryPurpose.Resolve => "resolve",
                _ => c.Resolved.Contains(alert.Id) ? "resolve" : "trigger",
            };
            var body = Payloads.PagerDuty(c.Integration.RoutingKey!, action, alert, c.ExternalUrl, c.MinGroupSize, c.Delivery.Level);
            using var response = await client.PostAsJsonAsync(c.Integration.Url, body, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"PagerDuty answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
    }
}

/// <summary>Sends an email over SMTP with MailKit; a paged on-call person's address replaces the receiver's.</summary>
public sealed class EmailSender : IReceiverSender
{
    public ReceiverKind Kind => ReceiverKind.Email;

    public async Task SendAsync(DeliveryContent c, CancellationToken ct)
    {
        var i = c.Integration;
        var to = c.Delivery.Address ?? i.To;
        if (string.IsNullOrWhiteSpace(to))
        {
            throw new InvalidOperationException($"receiver {c.Delivery.Receiver} has no 'to' address and the page names no person with an email");
        }

        var (subject, text) = Payloads.Email(c.Delivery.Receiver, c.Alerts, c.Resolved, c.ExternalUrl, c.MinGroupSize, c.Delivery.Level, c.Delivery.Person);
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text } };
        message.From.Add(MailboxAddress.Parse(i.From ?? "alert-router@localhost"));
        foreach (var address in to.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        // One Message-ID per delivery, the same on every attempt: when an attempt ends without the server's reply (a timeout
        // after the message was sent), the retry is a copy a mail client or archive recognises as the same message.
        var from = message.From.Mailboxes.First();
        message.MessageId = $"{c.Delivery.Id:N}@{(string.IsNullOrEmpty(from.Domain) ? "alert-router" : from.Domain)}";
        message.Headers.Add("X-Alert-Ids", string.Join(",", c.Alerts.Select(a => a.Id)));
        // Mail has no trace propagation of its own: the W3C header names the trace (the Dispatcher's activity), X-Trace-Ids every alert's.
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C, Id: { } traceParent }) message.Headers.Add("traceparent", traceParent);
        if (c.Alerts.Select(a => a.TraceId).OfType<string>().Distinct().ToList() is { Count: > 0 } traces) message.Headers.Add("X-Trace-Ids", string.Join(",", traces));
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(i.SmtpHost ?? "localhost", i.SmtpPort, i.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
        if (!string.IsNullOrEmpty(i.Username))
        {
            await smtp.AuthenticateAsync(i.Username, i.Password ?? "", ct);
        }

        await smtp.SendAsync(message, ct);
        // Accepted (250 after DATA): delivered. MailKit's QUIT ignores a reply that fails or comes too late (pinned by
        // StalledSmtpTests), so a slow goodbye never turns a delivered message into a failed attempt and a second copy.
        await smtp.DisconnectAsync(true, ct);
    }
}
