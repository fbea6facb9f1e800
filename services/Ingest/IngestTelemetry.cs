using System.Diagnostics;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;
using Prometheus;

namespace Monitoring.Ingest;

/// <summary>Trace source and prometheus-net metrics of the Ingest service.</summary>
public static class IngestTelemetry
{
    /// <summary>ActivitySource name (registered with OpenTelemetry by AddServiceDefaults).</summary>
    public const string SourceName = "Monitoring.Ingest";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>Items received, before validation, by kind and transport.</summary>
    internal static readonly Counter Received = Metrics.CreateCounter(
        "ingest_items_received_total", "Items received before validation.", "kind", "transport");

    /// <summary>Items accepted: published with a broker confirm (HTTP) or taken from the queue valid (AMQP).</summary>
    internal static readonly Counter Accepted = Metrics.CreateCounter(
        "ingest_items_accepted_total", "Items that passed validation and were accepted.", "kind", "transport");

    /// <summary>Items or messages rejected, by reason (schema, privacy, conflict, too_large, unparseable, unavailable, rate_limited).</summary>
    internal static readonly Counter Rejected = Metrics.CreateCounter(
        "ingest_items_rejected_total", "Items rejected, by reason.", "kind", "transport", "reason");

    /// <summary>Events appended to the store, and duplicates recognised and skipped.</summary>
    internal static readonly Counter Stored = Metrics.CreateCounter(
        "ingest_events_stored_total", "Events appended to the event store.", "kind", "outcome");

    /// <summary>Failed append transactions by class (transient: retried; permanent: one item refused) and reason (SQLSTATE or kind).</summary>
    internal static readonly Counter AppendFailures = Metrics.CreateCounter(
        "ingest_append_failures_total", "Failed appends: transient (the group commit is retried) or permanent (one item refused and sent to the error queue), by reason.",
        "class", "reason");

    /// <summary>
    /// Inferences appended, by model and site: the fleet's volume per deployment and hospital (on-call's first question when a
    /// site goes quiet). At most <see cref="MaxVolumeSeries"/> label sets; later pairs are counted under model and site "other",
    /// so a producer sending many distinct names cannot blow up the scrape.
    /// </summary>
    internal static readonly Counter InferencesStored = Metrics.CreateCounter(
        "ingest_inferences_stored_total", "Inferences appended to the event store, by model and site (label sets capped; beyond the cap \"other\").",
        "model", "site");

    /// <summary>Cap on the (model, site) label sets of <see cref="InferencesStored"/>.</summary>
    internal const int MaxVolumeSeries = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, string Site), Counter.Child> VolumeChildren = new();

    /// <summary><see cref="InferencesStored"/> for one model and site (or the "other" series once the cap is reached).</summary>
    internal static Counter.Child InferencesStoredCounter(string model, string site)
    {
        if (VolumeChildren.TryGetValue((model, site), out var child)) return child;
        if (VolumeChildren.Count >= MaxVolumeSeries) return VolumeChildren.GetOrAdd(("other", "other"), _ => InferencesStored.WithLabels("other", "other"));
        return VolumeChildren.GetOrAdd((model, site), k => InferencesStored.WithLabels(k.Model, k.Site));
    }

    /// <summary>Number of <see cref="AppendOutcome"/> values.</summary>
    internal const int Outcomes = 4;

    /// <summary>Items per HTTP request or AMQP message.</summary>
    internal static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "ingest_batch_size", "Items per HTTP request or AMQP message.",
        new HistogramConfiguration { LabelNames = ["transport"], Buckets = Histogram.ExponentialBuckets(1, 4, 9) });

    /// <summary>Duration of one append transaction (lookup of duplicates, append, commit).</summary>
    internal static readonly Histogram AppendSeconds = Metrics.CreateHistogram(
        "ingest_append_duration_seconds", "Duration of one append transaction.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    /// <summary>Events per append transaction.</summary>
    internal static readonly Histogram AppendBatchSize = Metrics.CreateHistogram(
        "ingest_append_batch_size", "Events per append transaction.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 4, 8) });

    // Labelled children resolved once: WithLabels allocates and looks up on every call, which the hot path avoids.
    private static readonly Counter.Child[] StoredChildren =
    [
        .. from kind in Enum.GetValues<EventKind>()
           from outcome in Enum.GetValues<AppendOutcome>()
           select Stored.WithLabels(EventWriter.Kind(kind), outcome.ToString().ToLowerInvariant()),
    ];

    private static readonly Counter.Child[] ReceivedAmqpChildren = [.. Enum.GetValues<EventKind>().Select(k => Received.WithLabels(EventWriter.Kind(k), "amqp"))];
    private static readonly Counter.Child[] AcceptedAmqpChildren = [.. Enum.GetValues<EventKind>().Select(k => Accepted.WithLabels(EventWriter.Kind(k), "amqp"))];

    /// <summary><see cref="BatchSize"/> for AMQP messages.</summary>
    internal static readonly Histogram.Child BatchSizeAmqp = BatchSize.WithLabels("amqp");

    /// <summary><see cref="Stored"/> for one kind and outcome.</summary>
    internal static Counter.Child StoredCounter(EventKind kind, AppendOutcome outcome) => StoredChildren[(int)kind * Outcomes + (int)outcome];

    /// <summary><see cref="Received"/> over AMQP for one kind.</summary>
    internal static Counter.Child ReceivedAmqp(EventKind kind) => ReceivedAmqpChildren[(int)kind];

    /// <summary><see cref="Accepted"/> over AMQP for one kind.</summary>
    internal static Counter.Child AcceptedAmqp(EventKind kind) => AcceptedAmqpChildren[(int)kind];
}
