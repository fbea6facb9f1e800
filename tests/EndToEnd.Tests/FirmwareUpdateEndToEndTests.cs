using System.Text.Json;
using System.Text.RegularExpressions;

namespace Monitoring.EndToEnd.Tests;

/// <summary>
/// The product as a hospital runs it, once: simulator → HTTP → Ingest → RabbitMQ → event store → DriftDetector → RabbitMQ →
/// AlertRouter → webhook and e-mail. Every assertion reads what a real part holds (stores, receivers), nothing is faked.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed partial class FirmwareUpdateEndToEndTests(FirmwareUpdateRun run) : IClassFixture<FirmwareUpdateRun>
{
    [Fact]
    public void EveryAcceptedEventIsStoredOnce()
    {
        Assert.True(run.Sent > 50_000, $"the scenario sent {run.Sent} events");
        Assert.Equal(run.Sent, run.Stored);
    }

    [Fact]
    public void TheInjectedChangeIsFoundOnceWithItsRootCause()
    {
        Assert.NotEmpty(run.Findings);
        Assert.Equal(run.Findings.Count, run.Findings.Select(f => f.Id).Distinct().Count());
        Assert.Equal(run.Changes.Count, run.Changes.Select(c => c.Id).Distinct().Count());

        // The simulator changed SIEMENS scanners at site-b: one change holding every finding, the injected scope among them.
        // Which member the root names is not asserted here: it depends on the order in which concurrent requests were stored
        // (seen: site-b & SIEMENS in most runs, ageBand=18-39 in one); root-cause accuracy is measured by bench/Detection.
        Assert.True(run.Changes.Count == 1, $"{run.Changes.Count} changes opened\n{run.Diagnosis}");
        var change = Assert.Single(run.Changes);
        Assert.All(run.Findings, f => Assert.Equal(change.Id, f.ChangeId));
        Assert.Contains(run.Findings, f => Normalize(f.Scope) is "manufacturer=SIEMENS&site=site-b" or "site=site-b");
    }

    [Fact]
    public void OneChangeIsOneIncidentHoldingEveryFinding()
    {
        var incidents = run.Alerts.Where(a => a.Source == "finding").ToList();
        Assert.True(incidents.Count == 1, $"{incidents.Count} incidents\n{run.Diagnosis}");
        var incident = Assert.Single(incidents);
        var change = Assert.Single(run.Changes);
        Assert.Equal(change.Id, incident.ChangeId);

        // Every finding reached the router once and joined that incident (links are unique per finding id).
        foreach (var f in run.Findings) Assert.Equal(incident.Id, run.FindingLinks[f.Id]);
        Assert.Equal(incident.Id, run.FindingLinks["change:" + change.Id]);
        Assert.Equal(run.Findings.Select(f => f.Id).Order(StringComparer.Ordinal), incident.FindingIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheIncidentIsNotifiedOnceByWebhookAndOnceByEmail()
    {
        var incident = Assert.Single(run.Alerts, a => a.Source == "finding");
        var firing = run.Webhooks.Where(w => w.Path == "/incidents")
            .SelectMany(w => w.Payload.GetProperty("alerts").EnumerateArray())
            .Where(a => a.GetProperty("status").GetString() == "firing")
            .Select(a => a.GetProperty("annotations").GetProperty("alert_id").GetString())
            .ToList();
        // At least once, as for e-mail: a repeated POST must be explained by a failed attempt the router recorded.
        Assert.Equal([incident.Id.ToString()], firing.Distinct());
        Assert.True(firing.Count <= 1 + run.FailedAttempts.Count(f => f.AlertId == incident.Id), $"{firing.Count} firing webhooks\n{run.Logs}");

        var mail = Assert.Single(IncidentMail(incident.Id));
        Assert.Contains("[FIRING:1]", Header(mail, "Subject"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The incident's one e-mail. SMTP delivery is at least once: an attempt whose reply did not come within the router's
    /// timeout is retried, and the server may already have stored it. Every copy must then be the same message (one
    /// Message-ID, the delivery's) and be explained by a failed attempt the router recorded; no other e-mail was sent.
    /// </summary>
    private IReadOnlyList<string> IncidentMail(Guid incidentId)
    {
        var mails = run.Emails.Where(m => Header(m, "X-Alert-Ids")?.Contains(incidentId.ToString(), StringComparison.Ordinal) == true).ToList();
        Assert.Equal(run.Emails.Count, mails.Count);
        var messageId = Assert.Single(mails.Select(m => Header(m, "Message-ID")?.Trim().Trim('<', '>')).Distinct());
        Assert.Matches("^[0-9a-f]{32}@e2e\\.invalid$", messageId);
        var retries = run.FailedAttempts.Count(f => f.AlertId == incidentId && messageId == $"{f.DeliveryId:N}@e2e.invalid");
        Assert.True(mails.Count <= 1 + retries, $"{mails.Count} copies of {messageId}, {retries} failed attempts recorded: {string.Join("; ", run.FailedAttempts)}\n{run.Logs}");
        return mails.Take(1).ToList();
    }

    [Fact]
    public void TheNotificationCarriesTheTraceOfTheRequestThatCompletedTheDetectingWindow()
    {
        var incident = Assert.Single(run.Alerts, a => a.Source == "finding");
        var change = Assert.Single(run.Changes);

        // The event that decided the change (completed its detecting window) was stored with its producer request's trace id ...
        var (streamId, storedTrace) = run.DecidingEvents[change.IngestSequence];
        Assert.NotNull(storedTrace);
        // ... which is the request that carried that event's inference, as the producer sent it.
        var request = run.Requests[storedTrace];
        Assert.Contains(streamId, request.InferenceIds);

        // The router raised the incident from a finding or change of this run; its trace is that of the deciding request of
        // the message that raised it (the root finding and the change open on the same event).
        Assert.NotNull(incident.TraceId);
        var raisedBy = run.Findings.Concat(run.Changes).Where(o => run.DecidingEvents[o.IngestSequence].TraceId == incident.TraceId).ToList();
        Assert.NotEmpty(raisedBy);
        Assert.Contains(run.DecidingEvents[raisedBy[0].IngestSequence].StreamId, run.Requests[incident.TraceId].InferenceIds);

        // The webhook: annotation and W3C traceparent header name that trace.
        var webhook = run.Webhooks.First(w => w.Path == "/incidents");
        var annotations = webhook.Payload.GetProperty("alerts")[0].GetProperty("annotations");
        Assert.Equal(incident.TraceId, annotations.GetProperty("trace_id").GetString());
        Assert.Equal(incident.TraceId, TraceIdOf(webhook.TraceParent));

        // The e-mail: traceparent and X-Trace-Ids headers.
        var mail = Assert.Single(IncidentMail(incident.Id));
        Assert.Equal(incident.TraceId, TraceIdOf(Header(mail, "traceparent")));
        Assert.Equal(incident.TraceId, Header(mail, "X-Trace-Ids"));
    }

    private static string? TraceIdOf(string? traceParent) =>
        traceParent is not null && TraceParent().Match(traceParent) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>A header of a delivered message, decoded (RFC 2047) by MimeKit.</summary>
    private static string? Header(string mail, string name)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(mail));
        return MimeKit.MimeMessage.Load(stream).Headers[name];
    }

    private static string Normalize(string scope) => string.Join("&", scope.Split('&').Order(StringComparer.Ordinal));

    [GeneratedRegex("^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParent();
}
