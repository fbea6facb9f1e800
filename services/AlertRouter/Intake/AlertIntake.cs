using Marten;
using MassTransit;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Grouping;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Intake;

/// <summary>A message that can never be processed; it goes to the error queue with this reason, without retries.</summary>
public sealed class InvalidMessageException(string reason) : Exception(reason);

/// <summary>
/// Turns findings and health conditions into alert events. Idempotent: a finding id is linked to its alert once
/// (in the same transaction as the alert's events), so redeliveries change nothing.
/// </summary>
public sealed class AlertIntake(IDocumentStore store, RoutingConfigProvider routing, AlertWriter writer, ClockSignal clock, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<AlertRouterOptions> options, EarlyMessages early, ChangeIntake changes)
{
    public async Task DetectedAsync(DriftDetected finding, CancellationToken ct)
    {
        Validate(finding);
        var config = routing.Require();
        var raised = await Conflicts.RetryAsync(async () =>
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<FindingLink>(finding.FindingId, ct) is not null)
            {
                return false;
            }

            var now = time.GetUtcNow();
            var clinical = AlertLabels.IsClinicalSafety(finding.Severity, finding.Kind);
            var labels = AlertLabels.ForFinding(finding, clinical, options.Value.FallbackWindow);
            var fingerprint = AlertLabels.Fingerprint(labels);
            // The incident of the finding's change may be resolved already (its OpenAlert gone): the change link still finds it.
            var changeLink = string.IsNullOrWhiteSpace(finding.ChangeId) ? null
                : await session.LoadAsync<FindingLink>(AlertLabels.ChangeKey(finding.ChangeId), ct);
            var openId = (await session.LoadAsync<OpenAlert>(fingerprint, ct))?.AlertId ?? changeLink?.AlertId;
            if (openId is { } existing)
            {
                // The same incident (change or fallback group): one more finding of it, an update, never a new page.
                var stream = await session.Events.FetchForWriting<Alert>(existing, ct);
                var outcome = AlertDecisions.AddOccurrence(AlertEffects.Clone(stream.Aggregate!), finding, config, now);
                stream.AppendMany(outcome.Events.ToArray());
                session.Insert(new FindingLink { Id = finding.FindingId, AlertId = existing });
                await session.SaveChangesAsync(ct);
                return false;
            }

            var alertId = Guid.CreateVersion7();
            var events = AlertDecisions.Raise(alertId, AlertSource.Finding, labels, finding.Summary, null, finding.Severity, clinical,
                finding, finding.DetectedAt, config, now);
            string[] links = string.IsNullOrWhiteSpace(finding.ChangeId) ? [finding.FindingId] : [finding.FindingId, AlertLabels.ChangeKey(finding.ChangeId)];
            await StartAsync(session, alertId, fingerprint, labels, events, config, now, ct, links);
            return true;
        }, ct);

        if (raised)
        {
            clock.Wake();
        }

        // Updates or a resolution of this finding (or of its change) that overtook it were parked: the links exist now.
        await DrainAsync(finding.FindingId, ct);
        if (!string.IsNullOrWhiteSpace(finding.ChangeId)) await changes.DrainAsync(finding.ChangeId, ct);
    }

    /// <summary>Applies the parked updates and resolution of <paramref name="findingId"/> (its link exists).</summary>
    private Task DrainAsync(string findingId, CancellationToken ct) => early.DrainAsync(findingId, (type, json) => type switch
    {
        nameof(DriftUpdated) => UpdatedAsync(System.Text.Json.JsonSerializer.Deserialize<DriftUpdated>(json)!, ct),
        nameof(DriftResolved) => ResolvedAsync(System.Text.Json.JsonSerializer.Deserialize<DriftResolved>(json)!, ct),
        _ => throw new InvalidOperationException($"A parked {type} for finding {findingId} is not a finding message"),
    }, ct);

    public async Task UpdatedAsync(DriftUpdated update, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(update.FindingId) || update.Evidence is null)
        {
            throw new InvalidMessageException("DriftUpdated needs findingId and evidence");
        }

        var occurrence = update.Occurrences.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await early.AlertOrParkAsync(update.FindingId, occurrence, update, update.UpdatedAt, () => DrainAsync(update.FindingId, ct), ct) is { } alertId)
        {
            await writer.ChangeAsync(alertId, (a, c, t) => AlertDecisions.Update(a, update, c, t), ct);
        }
    }

    public async Task ResolvedAsync(DriftResolved resolved, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(resolved.FindingId) || resolved.Evidence is null)
        {
            throw new InvalidMessageException("DriftResolved needs findingId and evidence");
        }

        if (await early.AlertOrParkAsync(resolved.FindingId, "resolved", resolved, resolved.ResolvedAt, () => DrainAsync(resolved.FindingId, ct), ct) is { } alertId)
        {
            await writer.ChangeAsync(alertId, (a, _, t) => AlertDecisions.FindingRecovered(a, resolved, t), ct);
        }
    }

    public async Task HealthAsync(HealthConditionChanged condition, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(condition.Condition) || string.IsNullOrWhiteSpace(condition.Service))
        {
            throw new InvalidMessageException("HealthConditionChanged needs condition and service");
        }

        var config = routing.Require();
        var labels = HealthLabels(condition);
        var fingerprint = AlertLabels.Fingerprint(labels);
        var raised = await Conflicts.RetryAsync(async () =>
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<OpenAlert>(fingerprint, ct) is { } open)
            {
                await writer.ChangeAsync(open.AlertId, (a, c, t) => AlertDecisions.HealthChanged(a, condition, c, t), ct);
                return false;
            }

            if (!condition.Firing)
            {
                return false;
            }

            var now = time.GetUtcNow();
            var events = RaiseHealth(Guid.CreateVersion7(), condition, config, now);
            await StartAsync(session, ((AlertRaised)events[0]).AlertId, fingerprint, labels, events, config, now, ct, []);
            return true;
        }, ct);

        if (raised)
        {
            clock.Wake();
        }
    }

    /// <summary>Labels of a health condition's alert (the clinical-safety rule applied to its severity).</summary>
    internal static Dictionary<string, string> HealthLabels(HealthConditionChanged condition) =>
        AlertLabels.ForHealth(condition, AlertLabels.IsClinicalSafety(condition.Severity, null));

    /// <summary>
    /// The events that raise the alert of a firing health condition. Pure, so that the tests of the shipped inhibit rules raise
    /// exactly the alerts this intake raises.
    /// </summary>
    internal static IReadOnlyList<object> RaiseHealth(Guid alertId, HealthConditionChanged condition, RoutingConfig config, DateTimeOffset now)
    {
        var site = string.IsNullOrEmpty(condition.Site) ? "" : $" at site {condition.Site}";
        return AlertDecisions.Raise(alertId, AlertSource.Health, HealthLabels(condition),
            $"{condition.Condition} reported by {condition.Service}{site}", condition.Description, condition.Severity,
            AlertLabels.IsClinicalSafety(condition.Severity, null), null, condition.ObservedAt, config, now);
    }

    /// <summary>Starts an alert stream with its de-duplication index, links (finding ids, change key) and notification groups.</summary>
    internal static async Task StartAsync(IDocumentSession session, Guid alertId, string fingerprint, Dictionary<string, string> labels,
        IReadOnlyList<object> events, RoutingConfig config, DateTimeOffset now, CancellationToken ct, IReadOnlyList<string> links)
    {
        session.Events.StartStream<Alert>(alertId, events.ToArray());
        session.Insert(new OpenAlert { Id = fingerprint, AlertId = alertId });
        foreach (var link in links)
        {
            session.Insert(new FindingLink { Id = link, AlertId = alertId });
        }

        foreach (var route in RouteTree.Match(config.Root, labels))
        {
            var (key, groupLabels) = RouteTree.GroupOf(route, labels);
            var group = await session.LoadAsync<NotificationGroup>(key, ct);
            if (group is null)
            {
                group = NotificationGroup.Create(key, route, groupLabels, now);
                group.AlertIds.Add(alertId);
                session.Insert(group);
            }
            else if (!group.AlertIds.Contains(alertId))
            {
                group.AlertIds.Add(alertId);
                session.Update(group);
            }
        }

        var after = AlertFold.Apply(new Alert(), events);
        AlertEffects.Write(session, after, events, config, now);
        await session.SaveChangesAsync(ct);
        AlertEffects.Observe(after, events);
    }

    private static void Validate(DriftDetected f)
    {
        var problem = f switch
        {
            { FindingId: null or "" } => "findingId is required",
            { FindingId.Length: > 200 } => "findingId is longer than 200 characters",
            { Model: null } => "model is required",
            { Model.Id: null or "" } => "model.id is required",
            { Evidence: null } => "evidence is required",
            { Summary: null or "" } => "summary is required",
            _ when !Enum.IsDefined(f.Severity) => "severity is not one of info, warning, error, critical",
            _ when !Enum.IsDefined(f.Kind) => "kind is not a known finding kind",
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidMessageException($"DriftDetected {f.FindingId}: {problem}");
        }
    }
}

public sealed class DriftDetectedConsumer(AlertIntake intake) : IConsumer<DriftDetected>
{
    public Task Consume(ConsumeContext<DriftDetected> context) => TransientErrors.ThroughOutageAsync(ct => intake.DetectedAsync(context.Message, ct), context.CancellationToken);
}

public sealed class DriftUpdatedConsumer(AlertIntake intake) : IConsumer<DriftUpdated>
{
    public Task Consume(ConsumeContext<DriftUpdated> context) => TransientErrors.ThroughOutageAsync(ct => intake.UpdatedAsync(context.Message, ct), context.CancellationToken);
}

public sealed class DriftResolvedConsumer(AlertIntake intake) : IConsumer<DriftResolved>
{
    public Task Consume(ConsumeContext<DriftResolved> context) => TransientErrors.ThroughOutageAsync(ct => intake.ResolvedAsync(context.Message, ct), context.CancellationToken);
}

public sealed class HealthConditionChangedConsumer(AlertIntake intake) : IConsumer<HealthConditionChanged>
{
    public Task Consume(ConsumeContext<HealthConditionChanged> context) => TransientErrors.ThroughOutageAsync(ct => intake.HealthAsync(context.Message, ct), context.CancellationToken);
}
