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

    /// <summary>
    /// Planner statistics for <c>mt_events.stream_id</c>: one stream per inference with a few events each (the inference,
    /// ground truth, reader feedback), so about 0.4 distinct values per row, and <c>n_distinct = -0.4</c> keeps that ratio
    /// as the table grows. Without it, statistics taken while the table was young (or none yet) make PostgreSQL estimate
    /// that <c>stream_id = any(@ids)</c> matches a large part of the table and scan all of it: the writer's duplicate check
    /// and the detector's late-label join ran as sequential scans (70–185 ms each at a million rows under 5,000 events/s,
    /// growing with the table) instead of index lookups. Takes effect at the next ANALYZE, which the statement runs.
    /// Statistics must also keep up with an append-only table growing by millions of rows a day: autovacuum analyzes after
    /// 10 % growth by default, so statistics taken at 10,000 rows made Marten's high-water query (a range on seq_id) scan the
    /// whole table at 200,000. The table is analyzed after 2 % growth (and 5,000 rows) instead.
    /// </summary>
    public static string PlannerStatisticsSql(string schema) =>
        $"alter table \"{schema}\".mt_events alter column stream_id set (n_distinct = -0.4); " +
        $"alter table \"{schema}\".mt_events set (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 5000); " +
        $"analyze \"{schema}\".mt_events";

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
