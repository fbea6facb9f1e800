using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Marten subscription on the Ingest store: ordered pages of inference, ground-truth and reader-feedback events. The page is
/// handed to the <see cref="DetectorRunner"/>, which commits its decisions to the detector's own store; an exception makes the
/// daemon retry the page and, when retries are exhausted, pause the agent (reported as <c>subscription-stopped</c>).
/// </summary>
internal sealed class IngestSubscription : SubscriptionBase
{
    private readonly IServiceProvider services;

    public IngestSubscription(IServiceProvider services, int pageSize)
    {
        this.services = services;
        Name = Storage.Stores.SubscriptionName;
        IncludeType<InferenceRecorded>();
        IncludeType<GroundTruthRecorded>();
        IncludeType<ReaderFeedbackRecorded>();
        Options.BatchSize = pageSize;
        Options.MaximumHopperSize = pageSize * 4;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<DetectorRunner>().ProcessAsync(page.Events, page.SequenceCeiling, cancellationToken);
        return NullChangeListener.Instance;
    }
}
