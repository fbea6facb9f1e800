using System.Security.Cryptography;
using System.Text;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;
using Monitoring.ServiceDefaults;

namespace Monitoring.DriftDetector.Publishing;

/// <summary>
/// Subscription on the detector's own store that publishes committed finding events to RabbitMQ as <see cref="DriftDetected"/>,
/// <see cref="DriftUpdated"/> and <see cref="DriftResolved"/>, and root-cause groups as <see cref="ChangeDetected"/>,
/// <see cref="ChangeUpdated"/> and <see cref="ChangeResolved"/> (same ledger and deterministic ids). At least once: the ledger row of a message is committed with the
/// subscription's progress after the broker confirmed it, so a crash in between publishes it again with the same deterministic
/// MessageId and the same FindingId; consumers de-duplicate on either.
/// </summary>
internal sealed class FindingPublisher : SubscriptionBase
{
    public const string SubscriptionName = "FindingPublisher";
    private readonly IServiceProvider services;

    public FindingPublisher(IServiceProvider services)
    {
        this.services = services;
        Name = SubscriptionName;
        IncludeType<FindingOpened>();
        IncludeType<FindingUpdated>();
        IncludeType<FindingResolved>();
        IncludeType<ChangeOpened>();
        IncludeType<ChangeRevised>();
        IncludeType<ChangeClosed>();
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var bus = services.GetRequiredService<IBus>();
        var messages = page.Events.Select(e => (Id: MessageId(e.Data), e.Data)).Where(m => m.Id is not null).ToList();
        if (messages.Count == 0) return NullChangeListener.Instance;
        var published = (await operations.LoadManyAsync<PublishedMessage>(cancellationToken, messages.Select(m => m.Id!).ToArray()))
            .Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        // The producer request behind each opening decision: its trace id travels with the finding to the notification.
        var deciding = messages.Where(m => !published.Contains(m.Id!)).Select(m => m.Data switch
        {
            FindingOpened o => o.IngestSequence,
            ChangeOpened c => c.IngestSequence,
            _ => 0L,
        }).Where(s => s > 0).Distinct().ToList();
        var traces = deciding.Count == 0 ? [] : await services.GetRequiredService<IngestStore>().TraceIdsAsync(deciding, cancellationToken);
        foreach (var (id, data) in messages)
        {
            if (!published.Add(id!)) continue;
            var messageId = System.Guid.Parse(id!);
            switch (data)
            {
                case FindingOpened o:
                {
                    var trace = traces.GetValueOrDefault(o.IngestSequence);
                    using var _ = TraceLink.Continue(trace, "drift.finding.publish");
                    await bus.Publish(ToContract(o) with { TraceId = trace }, ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
                }
                case FindingUpdated u:
                    await bus.Publish(new DriftUpdated { FindingId = u.FindingId, Severity = u.Severity, Evidence = u.Evidence, Occurrences = u.Occurrences, UpdatedAt = u.UpdatedAt },
                        ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
                case FindingResolved r:
                    await bus.Publish(new DriftResolved { FindingId = r.FindingId, Evidence = r.Evidence, ResolvedAt = r.ResolvedAt },
                        ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
                case ChangeOpened c:
                {
                    var trace = traces.GetValueOrDefault(c.IngestSequence);
                    using var _ = TraceLink.Continue(trace, "drift.finding.publish");
                    await bus.Publish(ToContract(c) with { TraceId = trace }, ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
                }
                case ChangeRevised c:
                    await bus.Publish(ToContract(c), ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
                case ChangeClosed c:
                    await bus.Publish(new ChangeResolved { ChangeId = c.ChangeId, ResolvedAt = c.ResolvedAt }, ctx => ctx.MessageId = messageId, cancellationToken);
                    break;
            }

            operations.Store(new PublishedMessage { Id = id! });
        }

        return NullChangeListener.Instance;
    }

    internal static DriftDetected ToContract(FindingOpened o) => new()
    {
        FindingId = o.FindingId, Kind = o.Kind, Severity = o.Severity, Model = o.Model, Site = o.Site, Subgroup = o.Subgroup,
        Summary = o.Summary, Evidence = o.Evidence, DetectedAt = o.DetectedAt, ChangeId = o.ChangeId, IsRootCause = o.IsRootCause,
    };

    internal static ChangeDetected ToContract(ChangeOpened c) => new()
    {
        ChangeId = c.ChangeId, Model = c.Model, Site = c.Site, RootScope = c.RootSubgroup, Kind = c.Kind, Severity = c.Severity, Summary = c.Summary,
        RootFindingId = c.RootFindingId, Members = c.Members, EstimatedStart = c.EstimatedStart, AffectedEvents = c.AffectedEvents, DetectedAt = c.DetectedAt,
    };

    internal static ChangeUpdated ToContract(ChangeRevised c) => new()
    {
        ChangeId = c.ChangeId, Severity = c.Severity, Summary = c.Summary, Members = c.Members, AffectedEvents = c.AffectedEvents, UpdatedAt = c.UpdatedAt,
        RootFindingId = c.RootFindingId, RootScope = c.RootSubgroup,
    };

    /// <summary>Deterministic message id (a GUID from SHA-256 of finding id, message type and occurrence).</summary>
    internal static string? MessageId(object data) => data switch
    {
        FindingOpened o => DeterministicGuid(o.FindingId + "|detected"),
        FindingUpdated u => DeterministicGuid($"{u.FindingId}|updated|{u.Occurrences}"),
        FindingResolved r => DeterministicGuid(r.FindingId + "|resolved"),
        ChangeOpened c => DeterministicGuid(c.ChangeId + "|change-detected"),
        ChangeRevised c => DeterministicGuid($"{c.ChangeId}|change-updated|{c.Revision}"),
        ChangeClosed c => DeterministicGuid(c.ChangeId + "|change-resolved"),
        _ => null,
    };

    private static string DeterministicGuid(string text) => new System.Guid(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16)).ToString();
}
