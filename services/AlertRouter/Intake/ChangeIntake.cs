using Marten;
using MassTransit;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Intake;

/// <summary>
/// Turns the detector's changes (root-cause groups) into incidents: one incident per change id, paged once; every later
/// message of the change (and every finding that names it) updates that incident. Idempotent: the change id is linked to
/// its incident (<c>change:ID</c> in <see cref="FindingLink"/>) in the same transaction as the incident's first events,
/// and a message that moves nothing appends nothing.
/// </summary>
public sealed class ChangeIntake(IDocumentStore store, RoutingConfigProvider routing, AlertWriter writer, ClockSignal clock, TimeProvider time, EarlyMessages early)
{
    public async Task DetectedAsync(ChangeDetected change, CancellationToken ct)
    {
        Validate(change);
        var config = routing.Require();
        var key = AlertLabels.ChangeKey(change.ChangeId);
        var existing = await Conflicts.RetryAsync(async () =>
        {
            await using var session = store.LightweightSession();
            // A finding of this change may have opened the incident first (it carries the same change id).
            var known = (await session.LoadAsync<FindingLink>(key, ct))?.AlertId;
            if (known is not null)
            {
                return known;
            }

            var now = time.GetUtcNow();
            var alertId = Guid.CreateVersion7();
            var events = IncidentDecisions.Open(alertId, change, config, now);
            var raised = (AlertRaised)events[0];
            await AlertIntake.StartAsync(session, alertId, raised.Fingerprint, raised.Labels.ToDictionary(), events, config, now, ct, [key]);
            return (Guid?)null;
        }, ct);

        if (existing is { } id)
        {
            await writer.ChangeAsync(id, (a, c, t) => IncidentDecisions.Absorb(a, change, c, t), ct);
        }
        else
        {
            clock.Wake();
        }

        await DrainAsync(change.ChangeId, ct);
    }

    /// <summary>Applies the parked updates and resolution of change <paramref name="changeId"/> (its incident exists now).</summary>
    public Task DrainAsync(string changeId, CancellationToken ct) => early.DrainAsync(AlertLabels.ChangeKey(changeId), (type, json) => type switch
    {
        nameof(ChangeUpdated) => UpdatedAsync(System.Text.Json.JsonSerializer.Deserialize<ChangeUpdated>(json)!, ct),
        nameof(ChangeResolved) => ResolvedAsync(System.Text.Json.JsonSerializer.Deserialize<ChangeResolved>(json)!, ct),
        _ => throw new InvalidOperationException($"A parked {type} for change {changeId} is not a change message"),
    }, ct);

    public async Task UpdatedAsync(ChangeUpdated update, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(update.ChangeId) || update.Members is null || update.Members.Count == 0 || string.IsNullOrWhiteSpace(update.Summary))
        {
            throw new InvalidMessageException("ChangeUpdated needs changeId, summary and at least one member");
        }

        var revision = update.UpdatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await early.AlertOrParkAsync(AlertLabels.ChangeKey(update.ChangeId), revision, update, update.UpdatedAt, () => DrainAsync(update.ChangeId, ct), ct) is { } id)
        {
            await writer.ChangeAsync(id, (a, c, t) => IncidentDecisions.Absorb(a, update, c, t), ct);
        }
    }

    public async Task ResolvedAsync(ChangeResolved resolved, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(resolved.ChangeId))
        {
            throw new InvalidMessageException("ChangeResolved needs changeId");
        }

        if (await early.AlertOrParkAsync(AlertLabels.ChangeKey(resolved.ChangeId), "resolved", resolved, resolved.ResolvedAt, () => DrainAsync(resolved.ChangeId, ct), ct) is { } id)
        {
            await writer.ChangeAsync(id, (a, _, t) => IncidentDecisions.Recovered(a, resolved, t), ct);
        }
    }

    private static void Validate(ChangeDetected c)
    {
        var problem = c switch
        {
            { ChangeId: null or "" } => "changeId is required",
            { ChangeId.Length: > 200 } => "changeId is longer than 200 characters",
            { Model: null } => "model is required",
            { Model.Id: null or "" } => "model.id is required",
            { Summary: null or "" } => "summary is required",
            { RootFindingId: null or "" } => "rootFindingId is required",
            { Members: null or { Count: 0 } } => "members must hold at least the root finding",
            { RootScope: null } => "rootScope is required (empty for everyone)",
            _ when !Enum.IsDefined(c.Severity) => "severity is not one of info, warning, error, critical",
            _ when !Enum.IsDefined(c.Kind) => "kind is not a known finding kind",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidMessageException($"ChangeDetected {c.ChangeId}: {problem}");
        }
    }
}

public sealed class ChangeDetectedConsumer(ChangeIntake intake) : IConsumer<ChangeDetected>
{
    public Task Consume(ConsumeContext<ChangeDetected> context) => TransientErrors.ThroughOutageAsync(ct => intake.DetectedAsync(context.Message, ct), context.CancellationToken);
}

public sealed class ChangeUpdatedConsumer(ChangeIntake intake) : IConsumer<ChangeUpdated>
{
    public Task Consume(ConsumeContext<ChangeUpdated> context) => TransientErrors.ThroughOutageAsync(ct => intake.UpdatedAsync(context.Message, ct), context.CancellationToken);
}

public sealed class ChangeResolvedConsumer(ChangeIntake intake) : IConsumer<ChangeResolved>
{
    public Task Consume(ConsumeContext<ChangeResolved> context) => TransientErrors.ThroughOutageAsync(ct => intake.ResolvedAsync(context.Message, ct), context.CancellationToken);
}
