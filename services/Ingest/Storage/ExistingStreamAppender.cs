using System.Diagnostics;
using System.Collections.Concurrent;
using Marten;
using Monitoring.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace Monitoring.Ingest.Storage;

/// <summary>One event to append: its stream, the version it gets, the event and its metadata.</summary>
/// <param name="StreamKey">Stream key (the inferenceId).</param>
/// <param name="Version">Version of the event in its stream: the stream's version before this batch plus its position.</param>
/// <param name="Data">The contract record.</param>
/// <param name="ContentHash">Value of the <see cref="EventStoreSetup.ContentHashHeader"/> header.</param>
/// <param name="Origin">Correlation id, causation id and producer header.</param>
public readonly record struct AppendRow(string StreamKey, long Version, object Data, string ContentHash, ItemOrigin Origin);

/// <summary>
/// Appends the events of a batch to any number of streams, existing or not, in one statement (one round trip, one
/// implicit transaction together with the append notification), instead of Marten's one
/// <c>mt_quick_append_events</c> call per stream. It writes exactly the rows that function writes:
/// <list type="bullet">
/// <item><c>mt_streams</c>: a missing stream is created (type null, tenant <c>*DEFAULT*</c>, version = its event count,
/// timestamp and created <c>now()</c>), an existing one gets <c>version = greatest(version, new)</c>, <c>timestamp = now()</c>;</item>
/// <item><c>mt_events</c>: seq_id from <c>mt_events_sequence</c> (increasing in input order), a new event id, the
/// version given, data and headers serialized with the store's own serializer, Marten's type alias and .NET type name,
/// tenant <c>*DEFAULT*</c>, the store's <see cref="TimeProvider"/> timestamp, correlation and causation ids,
/// is_archived false.</item>
/// </list>
/// A missing correlation id becomes the current <see cref="Activity"/>'s root (trace) id and a missing causation id its
/// parent's id, as a Marten session created under that activity fills them in (null without an activity).
/// Versions are the caller's: it read each stream's version when it checked the batch for duplicates, so a concurrent
/// writer that appended to one of the streams since then makes the insert fail on the (stream_id, version) unique key
/// (23505), which the caller treats as a collision, re-checks and retries. That is stricter than Marten's function,
/// which reads the version itself and so only collides with a writer whose transaction is still open.
/// </summary>
public sealed class ExistingStreamAppender
{
    private const string Tenant = "*DEFAULT*";

    private readonly NpgsqlDataSource dataSource;
    private readonly ISerializer serializer;
    private readonly TimeProvider timeProvider;
    private readonly Marten.Events.EventGraph events;
    private readonly ConcurrentDictionary<Type, (string Alias, string DotNetType)> eventTypes = new();
    private readonly string appendSql;

    /// <summary>Takes the serializer, event type names and clock from <paramref name="store"/>.</summary>
    public ExistingStreamAppender(IDocumentStore store, NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        var options = (StoreOptions)store.Options;
        serializer = options.Serializer();
        timeProvider = options.Events.TimeProvider;
        events = (Marten.Events.EventGraph)options.Events;
        var schema = events.DatabaseSchemaName;
        // Stream rows are upserted in key order so that two writers lock shared streams in the same order. The event
        // insert reads unnest's rows in array order, so nextval hands out seq_ids in input order.
        appendSql = $"""
            with streams as (
                insert into "{schema}".mt_streams as s (id, type, version, timestamp, tenant_id)
                select u.id, null, u.version, now(), '{Tenant}'
                from unnest(@stream_ids, @stream_versions) as u(id, version)
                order by u.id
                on conflict (id) do update set version = greatest(s.version, excluded.version), timestamp = now()
            )
            insert into "{schema}".mt_events
                (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, causation_id, correlation_id, headers)
            select nextval('"{schema}".mt_events_sequence'), e.id, e.stream_id, e.version, e.data, e.type, '{Tenant}', e.ts, e.dotnet_type, false,
                   e.causation_id, e.correlation_id, e.headers
            from unnest(@ids, @event_stream_ids, @versions, @bodies, @types, @timestamps, @dotnet_types, @causation_ids, @correlation_ids, @headers)
                as e(id, stream_id, version, data, type, ts, dotnet_type, causation_id, correlation_id, headers)
            """;
    }

    /// <summary>
    /// Appends <paramref name="rows"/> in one transaction and sends the append notification with it. Each stream's rows
    /// must carry consecutive versions, the last of which becomes the stream's version.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<AppendRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var activity = Activity.Current;
        var (sessionCorrelation, sessionCausation) = (activity?.RootId, activity?.ParentId);
        var ids = new Guid[rows.Count];
        var streamIds = new string[rows.Count];
        var versions = new long[rows.Count];
        var bodies = new string[rows.Count];
        var types = new string[rows.Count];
        var timestamps = new DateTime[rows.Count];
        var dotnetTypes = new string[rows.Count];
        var causationIds = new string?[rows.Count];
        var correlationIds = new string?[rows.Count];
        var headers = new string[rows.Count];
        var finalVersions = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var type = eventTypes.GetOrAdd(row.Data.GetType(), static (t, graph) =>
            {
                var mapping = graph.EventMappingFor(t);
                return (mapping.EventTypeName, mapping.DotNetTypeName);
            }, events);

            ids[i] = Guid.NewGuid();
            streamIds[i] = row.StreamKey;
            versions[i] = row.Version;
            bodies[i] = serializer.ToJson(row.Data);
            types[i] = type.Alias;
            timestamps[i] = now;
            dotnetTypes[i] = type.DotNetType;
            causationIds[i] = row.Origin.CausationId ?? sessionCausation;
            correlationIds[i] = row.Origin.CorrelationId ?? sessionCorrelation;
            // The same dictionary type Marten's IEvent.SetHeader fills, serialized by the same serializer.
            var eventHeaders = new Dictionary<string, object> { [EventStoreSetup.ContentHashHeader] = row.ContentHash };
            if (row.Origin.Producer is not null)
            {
                eventHeaders[EventStoreSetup.ProducerHeader] = row.Origin.Producer;
            }

            headers[i] = serializer.ToJson(eventHeaders);
            finalVersions[row.StreamKey] = Math.Max(finalVersions.GetValueOrDefault(row.StreamKey), row.Version);
        }

        await using var batch = dataSource.CreateBatch();
        var append = new NpgsqlBatchCommand(appendSql);
        append.Parameters.Add(new NpgsqlParameter("stream_ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = finalVersions.Keys.ToArray() });
        append.Parameters.Add(new NpgsqlParameter("stream_versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = finalVersions.Values.ToArray() });
        append.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = ids });
        append.Parameters.Add(new NpgsqlParameter("event_stream_ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = streamIds });
        append.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions });
        append.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = bodies });
        append.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = types });
        append.Parameters.Add(new NpgsqlParameter("timestamps", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = timestamps });
        append.Parameters.Add(new NpgsqlParameter("dotnet_types", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = dotnetTypes });
        append.Parameters.Add(new NpgsqlParameter("causation_ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = causationIds });
        append.Parameters.Add(new NpgsqlParameter("correlation_ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = correlationIds });
        append.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = headers });
        batch.BatchCommands.Add(append);
        // Same implicit transaction: PostgreSQL delivers a notification only when (and if) the transaction commits.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestStoreShape.NotifyAppendedSql));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
