using System.Text.Json;
using Marten;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Alerts;

/// <summary>
/// What follows from alert events inside the same transaction: outbox entries for pages and PagerDuty
/// acknowledge/resolve, and the de-duplication index. After commit: metrics.
/// </summary>
public static class AlertEffects
{
    public static void Write(IDocumentSession session, Alert after, IReadOnlyList<object> events, RoutingConfig config, DateTimeOffset now)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case AlertEscalated escalated:
                    foreach (var target in escalated.Targets)
                    {
                        Enqueue(session, config, target.Receiver, DeliveryPurpose.Page, after.Id, now, d =>
                        {
                            d.Level = escalated.Level;
                            d.Person = target.Person;
                            d.Address = target.Address;
                        });
                    }

                    break;
                case AlertAcknowledged:
                    foreach (var receiver in after.PagedPagerDutyReceivers)
                    {
                        Enqueue(session, config, receiver, DeliveryPurpose.Acknowledge, after.Id, now, null, ReceiverKind.PagerDuty);
                    }

                    break;
                case AlertResolved:
                    session.Delete<OpenAlert>(after.Fingerprint);
                    foreach (var receiver in after.PagedPagerDutyReceivers)
                    {
                        Enqueue(session, config, receiver, DeliveryPurpose.Resolve, after.Id, now, null, ReceiverKind.PagerDuty);
                    }

                    break;
            }
        }
    }

    /// <summary>One outbox entry per integration of the receiver (optionally only integrations of one kind).</summary>
    public static void Enqueue(IDocumentSession session, RoutingConfig config, string receiverName, DeliveryPurpose purpose, Guid alertId,
        DateTimeOffset now, Action<PendingDelivery>? configure, ReceiverKind? only = null)
    {
        if (!config.Receivers.TryGetValue(receiverName, out var receiver))
        {
            return;
        }

        for (var i = 0; i < receiver.Integrations.Count; i++)
        {
            if (only is { } kind && receiver.Integrations[i].Kind != kind)
            {
                continue;
            }

            var delivery = new PendingDelivery
            {
                Id = Guid.CreateVersion7(),
                Receiver = receiverName,
                Integration = i,
                Purpose = purpose,
                AlertIds = [alertId],
                CreatedAt = now,
                DueAt = now,
            };
            configure?.Invoke(delivery);
            session.Store(delivery);
        }
    }

    public static void Observe(Alert after, IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case AlertAcknowledged ack:
                    AlertMetrics.TimeToAcknowledge.WithLabels(AlertLabels.SeverityName(after.Severity)).Observe(Math.Max(0, (ack.At - after.RaisedAt).TotalSeconds));
                    break;
                case OversightDecisionRecorded d:
                    AlertMetrics.TimeToDecision.WithLabels(d.Decision.ToString()).Observe(Math.Max(0, (d.At - after.RaisedAt).TotalSeconds));
                    break;
                case AlertEscalated x:
                    AlertMetrics.Escalations.WithLabels(x.Level.ToString(System.Globalization.CultureInfo.InvariantCulture), x.Reason.ToString()).Inc();
                    break;
            }
        }
    }

    /// <summary>A deep copy, so deciding on a copy never disturbs the instance Marten tracks.</summary>
    public static Alert Clone(Alert alert) => JsonSerializer.Deserialize<Alert>(JsonSerializer.SerializeToUtf8Bytes(alert))!;
}

/// <summary>Wakes the clock when there is new work, so a notification does not wait for the next tick.</summary>
public sealed class ClockSignal
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public void Wake()
    {
        try
        {
            if (signal.CurrentCount == 0)
            {
                signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => signal.WaitAsync(timeout, ct);
}

/// <summary>Appends decided events to an alert stream with optimistic concurrency, plus their effects, in one transaction.</summary>
public sealed class AlertWriter(IDocumentStore store, RoutingConfigProvider routing, ClockSignal clock, TimeProvider time)
{
    /// <summary>Null when the alert does not exist.</summary>
    public async Task<(Outcome Outcome, Alert After)?> ChangeAsync(Guid alertId, Func<Alert, RoutingConfig, DateTimeOffset, Outcome> decide, CancellationToken ct)
    {
        var config = routing.Require();
        var result = await Conflicts.RetryAsync(async () =>
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<Alert>(alertId, ct);
            if (stream.Aggregate is null)
            {
                return ((Outcome, Alert)?)null;
            }

            var now = time.GetUtcNow();
            var outcome = decide(AlertEffects.Clone(stream.Aggregate), config, now);
            if (outcome.Error is not null || outcome.Events.Count == 0)
            {
                return (outcome, stream.Aggregate);
            }

            stream.AppendMany(outcome.Events.ToArray());
            var after = AlertFold.Apply(AlertEffects.Clone(stream.Aggregate), outcome.Events);
            AlertEffects.Write(session, after, outcome.Events, config, now);
            await session.SaveChangesAsync(ct);
            return (outcome, after);
        }, ct);

        if (result is { } r && r.Item1.Events.Count > 0)
        {
            AlertEffects.Observe(r.Item2, r.Item1.Events);
            clock.Wake();
        }

        return result;
    }
}
