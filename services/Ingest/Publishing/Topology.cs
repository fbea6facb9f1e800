using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Publishing;

/// <summary>
/// RabbitMQ names. Producers (Ingest's HTTP API and non-.NET producers alike) publish plain JSON to the durable
/// fanout exchanges; each is bound to one queue consumed by Ingest. Faulted messages go to <c>&lt;queue&gt;_error</c>.
/// </summary>
public static class Topology
{
    /// <summary>Exchange for <c>InferenceRecorded</c> items.</summary>
    public const string InferencesExchange = "monitoring.inferences";

    /// <summary>Exchange for <c>GroundTruthRecorded</c> items.</summary>
    public const string GroundTruthExchange = "monitoring.ground-truth";

    /// <summary>Exchange for <c>ReaderFeedbackRecorded</c> items.</summary>
    public const string ReaderFeedbackExchange = "monitoring.reader-feedback";

    /// <summary>Queue bound to <see cref="InferencesExchange"/>.</summary>
    public const string InferencesQueue = "ingest-inferences";

    /// <summary>Queue bound to <see cref="GroundTruthExchange"/>.</summary>
    public const string GroundTruthQueue = "ingest-ground-truth";

    /// <summary>Queue bound to <see cref="ReaderFeedbackExchange"/>.</summary>
    public const string ReaderFeedbackQueue = "ingest-reader-feedback";

    public static string Exchange(EventKind kind) => kind switch
    {
        EventKind.Inference => InferencesExchange,
        EventKind.GroundTruth => GroundTruthExchange,
        _ => ReaderFeedbackExchange,
    };

    public static string Queue(EventKind kind) => kind switch
    {
        EventKind.Inference => InferencesQueue,
        EventKind.GroundTruth => GroundTruthQueue,
        _ => ReaderFeedbackQueue,
    };
}
