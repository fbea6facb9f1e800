using Marten;
using Microsoft.Extensions.Options;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Grouping;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;

namespace Monitoring.AlertRouter.Escalation;

/// <summary>
/// The durable timers. Every tick (or when woken) it reads from the database what is due by the
/// <see cref="TimeProvider"/>: escalations and decision deadlines (<see cref="Alert.NextDueAt"/>), group flushes
/// (<see cref="NotificationGroup.NextFlushAt"/>) and outbox entries. Nothing is held in memory, so a restart loses
/// nothing; an escalation is an event appended with optimistic concurrency by an idempotent decision, so it fires once.
/// </summary>
public sealed class AlertClock(
    IDocumentStore store, RoutingConfigProvider routing, AlertWriter writer, Dispatcher dispatcher, ClockSignal signal,
    IOptions<AlertRouterOptions> options, TimeProvider time, ILogger<AlertClock> logger) : BackgroundService
{
    private long ticks;
    private DateTimeOffset lastGaugeRefresh = DateTimeOffset.MinValue;

    /// <summary>Completed passes (tests wait on it instead of sleeping).</summary>
    public long Ticks => Interlocked.Read(ref ticks);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Alert clock pass failed; retrying on the next tick");
            }

            Interlocked.Increment(ref ticks);
            try
            {
                await signal.WaitAsync(options.Value.TickInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: escalations, group flushes, deliveries.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        var config = routing.Current;
        if (config is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        await EscalateAsync(config, now, ct);
        MuteContext? mutes = null;
        var groups = await DueGroupsAsync(now, ct);
        if (groups.Count > 0)
        {
            mutes = await MutesAsync(config, now, ct);
            foreach (var id in groups)
            {
                await FlushAsync(id, config, mutes, ct);
            }
        }

        await DeliverAsync(config, mutes, ct);
        if (DateTimeOffset.UtcNow - lastGaugeRefresh > TimeSpan.FromSeconds(5))
        {
            await RefreshGaugesAsync(ct);
            lastGaugeRefresh = DateTimeOffset.UtcNow;
        }
    }

    private async Task EscalateAsync(RoutingConfig config, DateTimeOffset now, CancellationToken ct)
    {
        IReadOnlyList<Guid> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<Alert>().Where(a => a.NextDueAt != null && a.NextDueAt <= now)
                .OrderBy(a => a.NextDueAt).Select(a => a.Id).Take(200).ToListAsync(ct);
        }

        foreach (var id in due)
        {
            await writer.ChangeAsync(id, (a, c, t) => Outcome.Ok([.. AlertDecisions.Tick(a, c, t, options.Value.PagesPerLevel)]), ct);
        }
    }

    private async Task<IReadOnlyList<string>> DueGroupsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.Query<NotificationGroup>().Where(g => g.NextFlushAt <= now).OrderBy(g => g.NextFlushAt)
            .Select(g => g.Id).Take(200).ToListAsync(ct);
    }

    private async Task<MuteContext> MutesAsync(RoutingConfig config, DateTimeOffset now, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var silences = await query.Query<Silence>().Where(s => s.ExpiredAt == null && s.EndsAt > now).ToListAsync(ct);
        IReadOnlyList<Alert> open = config.InhibitRules.Count == 0
            ? []
            : await query.Query<Alert>().Where(a => a.Status != AlertStatus.Resolved).ToListAsync(ct);
        return new MuteContext(silences, open);
    }

    private async Task FlushAsync(string groupId, RoutingConfig config, MuteContext mutes, CancellationToken ct)
    {
        var muted = new List<(Guid, MuteReason)>();
        await Conflicts.RetryAsync(async () =>
        {
            muted.Clear();
            await using var session = store.LightweightSession();
            var group = await session.LoadAsync<NotificationGroup>(groupId, ct);
            var now = time.GetUtcNow();
            if (group is null || group.NextFlushAt > now)
            {
                return false;
            }

            var alerts = await session.LoadManyAsync<Alert>(ct, group.AlertIds);
            var members = new List<GroupMember>();
            foreach (var alert in alerts)
            {
                var mute = alert.Status == AlertStatus.Resolved ? null : Muting.Evaluate(alert, mutes.Silences, mutes.OpenAlerts, config.InhibitRules, now);
                if (mute is not null)
                {
                    muted.Add((alert.Id, mute));
                }

                members.Add(new GroupMember(alert.Id, alert.Status == AlertStatus.Resolved, mute is not null));
            }

            var decision = GroupDecisions.Flush(group, members, now, options.Value.PagesPerLevel - 1);
            if (decision.Send)
            {
                var receiverName = config.Receivers.ContainsKey(group.Receiver) ? group.Receiver : config.Root.Receiver;
                var receiver = config.Receivers[receiverName];
                for (var i = 0; i < receiver.Integrations.Count; i++)
                {
                    if (decision.Firing.Count == 0 && !receiver.Integrations[i].SendResolved)
                    {
                        continue;
                    }

                    session.Store(new PendingDelivery
                    {
                        Id = Guid.CreateVersion7(),
                        Receiver = receiverName,
                        Integration = i,
                        Purpose = DeliveryPurpose.Notify,
                        AlertIds = [.. decision.Firing, .. decision.Resolved],
                        ResolvedAlertIds = [.. decision.Resolved],
                        GroupKey = group.Id,
                        GroupLabels = group.GroupLabels,
                        CreatedAt = now,
                        DueAt = now,
                    });
                }

                group.LastSentAt = now;
                group.LastSentHash = decision.Hash;
            }

            group.Repeats = decision.Repeats;
            group.AlertIds = [.. decision.Remaining];
            group.NotifiedFiring = [.. decision.NotifiedFiring];
            group.NextFlushAt = decision.NextFlushAt;
            if (group.AlertIds.Count == 0)
            {
                session.Delete(group);
            }
            else
            {
                session.Update(group);
            }

            await session.SaveChangesAsync(ct);
            return true;
        }, ct);

        foreach (var (alertId, reason) in muted)
        {
            await writer.ChangeAsync(alertId, (a, _, t) => Outcome.Ok([.. Muting.Record(a, reason, mutes.Silences, t)]), ct);
        }
    }

    private async Task DeliverAsync(RoutingConfig config, MuteContext? mutes, CancellationToken ct)
    {
        IReadOnlyList<PendingDelivery> due;
        var now = time.GetUtcNow();
        await using (var query = store.QuerySession())
        {
            due = await query.Query<PendingDelivery>().Where(d => d.DueAt <= now).OrderBy(d => d.CreatedAt).Take(100).ToListAsync(ct);
        }

        if (due.Count == 0)
        {
            return;
        }

        mutes ??= await MutesAsync(config, now, ct);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Value.DeliveryParallelism, CancellationToken = ct },
            async (delivery, token) =>
            {
                try
                {
                    await dispatcher.DeliverAsync(delivery, config, mutes, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    logger.LogError(ex, "Recording delivery {Delivery} failed; it stays in the outbox", delivery.Id);
                }
            });
    }

    private async Task RefreshGaugesAsync(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var open = await query.Query<Alert>().Where(a => a.Status != AlertStatus.Resolved)
            .Select(a => new { a.SeverityName, a.Status, a.ClinicalSafety }).ToListAsync(ct);
        foreach (var severity in Enum.GetValues<Contracts.Severity>())
        {
            foreach (var state in new[] { AlertStatus.Open, AlertStatus.Acknowledged })
            {
                foreach (var clinical in new[] { true, false })
                {
                    AlertMetrics.OpenAlerts.WithLabels(AlertLabels.SeverityName(severity), state.ToString().ToLowerInvariant(), clinical ? "true" : "false")
                        .Set(open.Count(o => o.SeverityName == AlertLabels.SeverityName(severity) && o.Status == state && o.ClinicalSafety == clinical));
                }
            }
        }
    }
}
