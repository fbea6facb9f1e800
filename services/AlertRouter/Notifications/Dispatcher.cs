using Marten;
using Microsoft.Extensions.Options;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.ServiceDefaults;
using Polly;
using Polly.Retry;

namespace Monitoring.AlertRouter.Notifications;

/// <summary>What the clock knows when it delivers: silences and unresolved alerts (for inhibition).</summary>
public sealed record MuteContext(IReadOnlyList<Silence> Silences, IReadOnlyList<Alert> OpenAlerts);

/// <summary>
/// Delivers one outbox entry: retries with exponential backoff and jitter (Polly), records every attempt on each
/// alert, and when all attempts failed hands the delivery to the receiver's fallback receiver.
/// </summary>
public sealed class Dispatcher
{
    private readonly IDocumentStore store;
    private readonly IReadOnlyDictionary<ReceiverKind, IReceiverSender> senders;
    private readonly AlertRouterOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<Dispatcher> logger;
    private readonly ResiliencePipeline pipeline;

    public Dispatcher(IDocumentStore store, IEnumerable<IReceiverSender> senders, IOptions<AlertRouterOptions> options, TimeProvider time, ILogger<Dispatcher> logger)
    {
        this.store = store;
        this.senders = senders.ToDictionary(s => s.Kind);
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        // Backoff waits on the real clock: it is transport behaviour, not domain time (a fake domain clock in tests must not stall it).
        var builder = new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System };
        if (this.options.DeliveryAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = this.options.DeliveryAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = this.options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(),
            });
        }

        pipeline = builder.AddTimeout(this.options.DeliveryTimeout).Build();
    }

    public async Task DeliverAsync(PendingDelivery delivery, RoutingConfig config, MuteContext mutes, CancellationToken ct)
    {
        var alerts = await LoadAlertsAsync(delivery.AlertIds, ct);
        if (alerts.Count == 0 || (delivery.Purpose == DeliveryPurpose.Page && alerts[0].Status == AlertStatus.Resolved))
        {
            await DeleteAsync(delivery, ct);
            return;
        }

        if (delivery.Purpose == DeliveryPurpose.Page
            && Muting.Evaluate(alerts[0], mutes.Silences, mutes.OpenAlerts, config.InhibitRules, time.GetUtcNow()) is { } mute)
        {
            AlertMetrics.Notifications.WithLabels(delivery.Receiver, "page", "muted").Inc();
            await RecordAsync(delivery, success: false, fallback: null, ct,
                alert => Muting.Record(alert, mute, mutes.Silences, time.GetUtcNow()));
            return;
        }

        var receiver = config.Receivers.GetValueOrDefault(delivery.Receiver);
        var integration = receiver?.Integrations.ElementAtOrDefault(delivery.Integration);
        var failures = new List<(int Attempt, string Error)>();
        var success = false;
        var attempts = 0;
        if (integration is null)
        {
            failures.Add((1, $"receiver {delivery.Receiver} (integration {delivery.Integration}) is not in the routing configuration in force"));
            attempts = 1;
        }
        else
        {
            var content = new DeliveryContent(delivery, integration, alerts, delivery.ResolvedAlertIds.ToHashSet(), options.ExternalUrl, options.MinGroupSize);
            var sender = senders[integration.Kind];
            // In the trace of the producer request behind the (first) alert: the webhook's traceparent and the e-mail's carry it.
            using var trace = TraceLink.Continue(alerts.Select(a => a.TraceId).FirstOrDefault(TraceLink.IsTraceId), "alertrouter.notify");
            try
            {
                await pipeline.ExecuteAsync(async token =>
                {
                    var attempt = Interlocked.Increment(ref attempts);
                    try
                    {
                        await sender.SendAsync(content, token);
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        failures.Add((attempt, ex is OperationCanceledException ? $"timed out after {options.DeliveryTimeout.TotalSeconds:0.#} s" : ex.Message));
                        AlertMetrics.Notifications.WithLabels(delivery.Receiver, integration.Kind.ToString(), "failed").Inc();
                        throw;
                    }
                }, ct);
                success = true;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning("Delivery {Delivery} to {Receiver} failed after {Attempts} attempts: {Error}", delivery.Id, delivery.Receiver, attempts, ex.Message);
            }
        }

        var kind = integration?.Kind ?? ReceiverKind.Webhook;
        AlertMetrics.Notifications.WithLabels(delivery.Receiver, kind.ToString(), success ? "sent" : "gave_up").Inc();
        var fallback = !success && !delivery.Fallback && receiver?.Fallback is { } fb && config.Receivers.ContainsKey(fb) ? config.Receivers[fb] : null;
        var now = time.GetUtcNow();
        var purpose = delivery.Purpose.ToString().ToLowerInvariant();
        var target = delivery.Address ?? delivery.Person;
        await RecordAsync(delivery, success, fallback, ct, alert =>
        {
            var events = new List<object>();
            foreach (var (attempt, error) in failures)
            {
                events.Add(new NotificationFailed(delivery.Id, delivery.Receiver, kind, purpose, delivery.Level, target, attempt,
                    Final: !success && attempt == attempts, error, now));
            }

            if (success)
            {
                events.Add(new NotificationSent(delivery.Id, delivery.Receiver, kind, purpose, delivery.Level, target, attempts, delivery.Fallback, now));
                if (alert.NotificationsSent == 0)
                {
                    AlertMetrics.FirstNotificationLatency.Observe(Math.Max(0, (now - alert.RaisedAt).TotalSeconds));
                }
            }

            return events;
        });
    }

    private async Task RecordAsync(PendingDelivery delivery, bool success, Receiver? fallback, CancellationToken ct,
        Func<Alert, IReadOnlyList<object>> eventsFor)
    {
        await Conflicts.RetryAsync(async () =>
        {
            await using var session = store.LightweightSession();
            foreach (var id in delivery.AlertIds)
            {
                var stream = await session.Events.FetchForWriting<Alert>(id, ct);
                if (stream.Aggregate is null)
                {
                    continue;
                }

                var events = eventsFor(stream.Aggregate);
                if (events.Count > 0)
                {
                    stream.AppendMany(events.ToArray());
                }
            }

            session.Delete<PendingDelivery>(delivery.Id);
            if (!success && fallback is not null)
            {
                for (var i = 0; i < fallback.Integrations.Count; i++)
                {
                    session.Store(new PendingDelivery
                    {
                        Id = Guid.CreateVersion7(),
                        Receiver = fallback.Name,
                        Integration = i,
                        Purpose = delivery.Purpose,
                        AlertIds = delivery.AlertIds,
                        ResolvedAlertIds = delivery.ResolvedAlertIds,
                        GroupKey = delivery.GroupKey,
                        GroupLabels = delivery.GroupLabels,
                        Level = delivery.Level,
                        Person = delivery.Person,
                        Address = fallback.Integrations[i].Kind == ReceiverKind.Email ? null : delivery.Address,
                        Fallback = true,
                        FallbackOf = delivery.Receiver,
                        CreatedAt = time.GetUtcNow(),
                        DueAt = time.GetUtcNow(),
                    });
                }
            }

            await session.SaveChangesAsync(ct);
            return true;
        }, ct);
    }

    private async Task DeleteAsync(PendingDelivery delivery, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Delete<PendingDelivery>(delivery.Id);
        await session.SaveChangesAsync(ct);
    }

    private async Task<IReadOnlyList<Alert>> LoadAlertsAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var loaded = await session.LoadManyAsync<Alert>(ct, ids);
        return ids.Select(id => loaded.FirstOrDefault(a => a.Id == id)).OfType<Alert>().ToList();
    }
}
