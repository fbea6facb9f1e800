using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Marten subscription on the Ingest store. The async daemon does what it is good at: ordered, gap-aware sequence ranges up to
/// its high-water mark, progress tracking, and stopping (pausing the agent) when a range fails. It does not load the payloads:
/// its event-type filter names <see cref="RangeOnly"/>, a type that is never stored, so each page arrives empty with its bounds
/// (<see cref="EventRange.SequenceFloor"/>, <see cref="EventRange.SequenceCeiling"/>], and the <see cref="DetectorRunner"/>
/// reads exactly that range's inference, ground-truth and reader-feedback events itself with <see cref="IngestRangeReader"/>
/// (same filter as the daemon's, fewer columns, parallel chunks, source-generated JSON). An exception makes the daemon pause the
/// agent (reported as <c>subscription-stopped</c>); nothing is skipped.
/// </summary>
internal sealed class IngestSubscription : SubscriptionBase
{
    private readonly IServiceProvider services;

    public IngestSubscription(IServiceProvider services, int pageSize)
    {
        this.services = services;
        Name = Storage.Stores.SubscriptionName;
        IncludeType<RangeOnly>();
        Options.BatchSize = pageSize;
        Options.MaximumHopperSize = pageSize * 4;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<DetectorRunner>().ProcessRangeAsync(page.SequenceFloor, page.SequenceCeiling, cancellationToken);
        return NullChangeListener.Instance;
    }

    /// <summary>Never stored: the daemon's type filter on it makes the daemon hand out ranges without loading payloads.</summary>
    internal sealed record RangeOnly;
}
