using JasperFx.Events;
using Marten;
using Monitoring.Contracts;

namespace Monitoring.EventStore;

/// <summary>
/// The Ingest event store's shape, an interface between services: one schema for events and documents, string stream
/// keys (the producer's <c>inferenceId</c>), the contract records stored as they are with Marten's default aliases
/// (<c>inference_recorded</c>, <c>ground_truth_recorded</c>, <c>reader_feedback_recorded</c>) and default serializer,
/// correlation id, causation id and headers enabled. The writer (Ingest) and every reader (DriftDetector) apply this
/// one definition, so they cannot drift apart; each chooses its own schema-migration policy.
/// </summary>
public static class IngestStoreShape
{
    /// <summary>Default schema name.</summary>
    public const string DefaultSchema = "ingest";

    /// <summary>
    /// The notification Marten's daemon listens for (channel <c>mt_events_appended</c>, the one Marten's own append path
    /// sends when <c>UseListenNotifyForEventAppends</c> is on). A writer that appends without a Marten session runs it
    /// after its commit so subscribers look at once.
    /// </summary>
    public static readonly string NotifyAppendedSql = $"select pg_notify('{Marten.Events.Daemon.HighWater.PostgresqlListenWakeup.DefaultChannel}', '')";

    /// <summary>Applies the shape to <paramref name="opts"/>, and turns off Marten's silent skipping of apply,
    /// serialization and unknown-event errors (a monitoring system must never skip a failure silently).</summary>
    public static void Apply(StoreOptions opts, string schema)
    {
        opts.DatabaseSchemaName = schema;
        opts.Events.DatabaseSchemaName = schema;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.AddEventType<InferenceRecorded>();
        opts.Events.AddEventType<GroundTruthRecorded>();
        opts.Events.AddEventType<ReaderFeedbackRecorded>();
        // Appends wake subscribers at once (PostgreSQL NOTIFY on Marten's channel) instead of waiting for the daemon's
        // next poll (up to 1 s when quiet); polling stays as the safety net. Writers that bypass SaveChanges (the
        // Ingest's COPY path) send the same notification themselves: see NotifyAppendedSql.
        opts.Events.UseListenNotifyForEventAppends = true;
        opts.Projections.Errors.SkipApplyErrors = false;
        opts.Projections.Errors.SkipSerializationErrors = false;
        opts.Projections.Errors.SkipUnknownEvents = false;
    }
}
