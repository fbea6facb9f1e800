using System.Diagnostics;
using System.Threading.Channels;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Options;
using Monitoring.Contracts;
using Monitoring.Ingest.Validation;
using Npgsql;

namespace Monitoring.Ingest.Storage;

/// <summary>What happened to one item at the store.</summary>
public enum AppendOutcome
{
    /// <summary>Appended now.</summary>
    Stored,

    /// <summary>Already in the store with the same content (a redelivery or a repeated send): nothing written.</summary>
    Duplicate,

    /// <summary>The inferenceId is already stored with different content: nothing written.</summary>
    Conflict,

    /// <summary>The store refused this item's data (a permanent error isolated by bisecting its group commit): nothing written.</summary>
    Refused,
}

/// <summary>The result for one item; <see cref="Reason"/> explains a conflict or a refusal.</summary>
public sealed record AppendResult(AppendOutcome Outcome, string? Reason = null);

/// <summary>Where an item came from, recorded as event metadata.</summary>
/// <param name="CorrelationId">Trace id of the producer's request (OpenTelemetry), or the message's correlation id.</param>
/// <param name="CausationId">Message id of the AMQP message that carried the item.</param>
/// <param name="Producer">Authenticated producer name (HTTP) or <c>amqp</c>.</param>
public sealed record ItemOrigin(string? CorrelationId, string? CausationId, string? Producer);

/// <summary>
/// Group commit into the event store. Consumers submit the items of one message together and await their outcomes;
/// one loop takes whatever is waiting (up to <see cref="IngestOptions.MaxAppendBatch"/> items; a larger message goes
/// alone), checks it for duplicates and conflicts against the store and within the batch, appends the rest and
/// completes every message. One writer per process means two batches never race for the same stream here; between
/// processes the stream-version unique key rejects one (23505) and that batch is re-checked and retried.
/// A failure is classified (<see cref="StoreErrors"/>): a transient one fails every message of the group commit, to be retried
/// with backoff; a permanent one (the data of one item) is isolated by bisecting the group commit, so that only the offending
/// item is refused (its message goes to the error queue with the reason, at once) and every other item is stored.
/// </summary>
public sealed class EventWriter(
    IDocumentStore store,
    NpgsqlDataSource dataSource,
    IOptions<IngestOptions> options,
    ILogger<EventWriter> logger) : BackgroundService
{
    private const int MaxConcurrencyRetries = 10;

    private readonly Channel<Submission> queue = Channel.CreateBounded<Submission>(
        new BoundedChannelOptions(20_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly string schema = options.Value.Schema;
    private readonly int maxBatch = options.Value.MaxAppendBatch;
    private long storedSinceStart;
    private bool statisticsRefreshed;

    /// <summary>Events written or found duplicate by this process after which the store's statistics are refreshed once (see <see cref="FlushAsync"/>).</summary>
    internal const int AnalyzeAfterEvents = 10_000;
    private readonly ExistingStreamAppender? setBased = options.Value.SetBasedAppend ? new ExistingStreamAppender(store, dataSource) : null;
    private readonly Dictionary<Type, string> typeNames = new()
    {
        [typeof(InferenceRecorded)] = ((Marten.Events.EventGraph)((StoreOptions)store.Options).Events).EventMappingFor(typeof(InferenceRecorded)).EventTypeName,
        [typeof(GroundTruthRecorded)] = ((Marten.Events.EventGraph)((StoreOptions)store.Options).Events).EventMappingFor(typeof(GroundTruthRecorded)).EventTypeName,
        [typeof(ReaderFeedbackRecorded)] = ((Marten.Events.EventGraph)((StoreOptions)store.Options).Events).EventMappingFor(typeof(ReaderFeedbackRecorded)).EventTypeName,
    };

    /// <summary>The items of one message, completed together (one task per message, not per item).</summary>
    private sealed class Submission(IReadOnlyList<ValidItem> items, ItemOrigin origin)
    {
        public IReadOnlyList<ValidItem> Items { get; } = items;

        public ItemOrigin Origin { get; } = origin;

        public TaskCompletionSource<AppendResult[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct Pending(ValidItem Item, ItemOrigin Origin);

    /// <summary>Queues <paramref name="item"/> for the next append transaction and waits for its outcome.</summary>
    public async Task<AppendResult> AppendAsync(ValidItem item, ItemOrigin origin, CancellationToken cancellationToken) =>
        (await AppendAllAsync([item], origin, cancellationToken))[0];

    /// <summary>Queues the items of one message for the next append transaction and waits for their outcomes, in order.</summary>
    public async Task<AppendResult[]> AppendAllAsync(IReadOnlyList<ValidItem> items, ItemOrigin origin, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return [];
        }

        var submission = new Submission(items, origin);
        await queue.Writer.WriteAsync(submission, cancellationToken);
        return await submission.Done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SetPlannerStatisticsAsync(stoppingToken);
        var submissions = new List<Submission>();
        var batch = new List<Pending>(maxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                submissions.Clear();
                batch.Clear();
                while (batch.Count < maxBatch && queue.Reader.TryPeek(out var next) &&
                       (batch.Count == 0 || batch.Count + next.Items.Count <= maxBatch) && queue.Reader.TryRead(out next))
                {
                    submissions.Add(next);
                    foreach (var item in next.Items)
                    {
                        batch.Add(new Pending(item, next.Origin));
                    }
                }

                await FlushAsync(submissions, batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever is still queued was never acknowledged to RabbitMQ and will be redelivered.
        }
        finally
        {
            queue.Writer.TryComplete();
            var stopped = new OperationCanceledException("Ingest is stopping");
            foreach (var s in submissions)
            {
                s.Done.TrySetException(stopped);
            }

            while (queue.Reader.TryRead(out var s))
            {
                s.Done.TrySetException(stopped);
            }
        }
    }

    /// <summary>
    /// At start (the store's tables exist: Marten applied its schema before this service started) and once more after
    /// <see cref="AnalyzeAfterEvents"/> events, the planner statistics of
    /// <see cref="Monitoring.EventStore.IngestStoreShape.PlannerStatisticsSql"/>. An optimisation only: a failure is logged.
    /// </summary>
    private async Task SetPlannerStatisticsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(Monitoring.EventStore.IngestStoreShape.PlannerStatisticsSql(schema));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not set the planner statistics of {Schema}.mt_events; duplicate checks may scan the table until the next start", schema);
        }
    }

    private async Task FlushAsync(List<Submission> submissions, List<Pending> batch, CancellationToken cancellationToken)
    {
        using var activity = IngestTelemetry.Source.StartActivity("ingest append");
        activity?.SetTag("ingest.batch_size", batch.Count);
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await AppendIsolatingAsync(batch, cancellationToken);
                var first = 0;
                foreach (var submission in submissions)
                {
                    submission.Done.TrySetResult(results[first..(first + submission.Items.Count)]);
                    first += submission.Items.Count;
                }

                CountStored(batch, results);
                storedSinceStart += batch.Count;
                if (!statisticsRefreshed && storedSinceStart >= AnalyzeAfterEvents)
                {
                    // A store created empty at start has no statistics until autovacuum first analyzes it (up to a minute), and
                    // until then PostgreSQL plans the duplicate check as a full scan: refresh them once the table holds data.
                    statisticsRefreshed = true;
                    _ = Task.Run(() => SetPlannerStatisticsAsync(CancellationToken.None), CancellationToken.None);
                }

                IngestTelemetry.AppendBatchSize.Observe(batch.Count);
                IngestTelemetry.AppendSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                return;
            }
            catch (Exception e) when (IsConcurrencyCollision(e) && attempt < MaxConcurrencyRetries)
            {
                // Another Ingest process appended to one of these streams between our check and our commit.
                logger.LogInformation("Append collided with a concurrent writer (attempt {Attempt}); re-checking the batch", attempt);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var (errorClass, reason) = StoreErrors.Classify(e);
                IngestTelemetry.AppendFailures.WithLabels("transient", reason).Inc();
                logger.LogWarning(e, "Append of {Count} events failed ({Class}, {Reason}); their messages will be retried", batch.Count, errorClass, reason);
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                foreach (var s in submissions)
                {
                    s.Done.TrySetException(e);
                }

                return;
            }
        }
    }

    /// <summary>One counter update per kind and outcome per batch, instead of a labelled lookup per event.</summary>
    private static void CountStored(List<Pending> batch, AppendResult[] results)
    {
        const int outcomes = IngestTelemetry.Outcomes;
        Span<int> counts = stackalloc int[3 * outcomes];
        Dictionary<(string, string), int>? volume = null;
        for (var i = 0; i < batch.Count; i++)
        {
            counts[(int)batch[i].Item.Kind * outcomes + (int)results[i].Outcome]++;
            if (results[i].Outcome == AppendOutcome.Stored && batch[i].Item.Event is InferenceRecorded r)
            {
                volume ??= [];
                var key = (r.Model.Id, r.Site);
                volume[key] = volume.GetValueOrDefault(key) + 1;
            }
        }

        foreach (var ((model, site), n) in volume ?? [])
        {
            IngestTelemetry.InferencesStoredCounter(model, site).Inc(n);
        }

        for (var cell = 0; cell < counts.Length; cell++)
        {
            if (counts[cell] > 0)
            {
                IngestTelemetry.StoredCounter((EventKind)(cell / outcomes), (AppendOutcome)(cell % outcomes)).Inc(counts[cell]);
            }
        }
    }

    /// <summary>
    /// Appends <paramref name="batch"/>; when the store refuses its data (a permanent error), appends each half on its own,
    /// down to the single item that is refused. Halves that were committed before a later half failed are found as
    /// duplicates if the batch is retried, so no split can store an item twice. A transient error or a collision fails the
    /// whole call (retried by <see cref="FlushAsync"/> or through the messages' redelivery).
    /// </summary>
    private async Task<AppendResult[]> AppendIsolatingAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        try
        {
            return await TryAppendAsync(batch, cancellationToken);
        }
        catch (Exception e) when (!IsConcurrencyCollision(e) && StoreErrors.Classify(e) is (StoreErrorClass.Permanent, var reason))
        {
            if (batch.Count == 1)
            {
                var item = batch[0].Item;
                IngestTelemetry.AppendFailures.WithLabels("permanent", reason).Inc();
                logger.LogWarning("The store refused {Kind} '{InferenceId}' ({Reason}: {Message}); only its message goes to the error queue",
                    Kind(item.Kind), item.InferenceId, reason, Innermost(e).Message);
                return [new AppendResult(AppendOutcome.Refused,
                    $"the store refused inferenceId '{item.InferenceId}' ({reason}: {Innermost(e).Message}); it was not stored and retrying cannot help")];
            }

            logger.LogInformation("Append of {Count} events refused ({Reason}); bisecting to isolate the offending item", batch.Count, reason);
            var half = batch.Count / 2;
            var left = await AppendIsolatingAsync(batch.GetRange(0, half), cancellationToken);
            var right = await AppendIsolatingAsync(batch.GetRange(half, batch.Count - half), cancellationToken);
            return [.. left, .. right];
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private async Task<AppendResult[]> TryAppendAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var (existing, versions) = await LoadExistingAsync(batch, cancellationToken);
        var results = new AppendResult[batch.Count];
        var toAppend = new List<int>(batch.Count);
        var perStream = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var item = batch[i].Item;
            var typeName = typeNames[item.Event.GetType()];
            if (!existing.TryGetValue(item.InferenceId, out var stored))
            {
                existing[item.InferenceId] = stored = [];
            }

            var match = stored.Find(s => s.Type == typeName && (s.Hash == item.ContentHash || item.Kind == EventKind.Inference));
            if (match is not null)
            {
                results[i] = match.Hash == item.ContentHash
                    ? new AppendResult(AppendOutcome.Duplicate)
                    : new AppendResult(AppendOutcome.Conflict,
                        $"inferenceId '{item.InferenceId}' is already stored with different content " +
                        $"(stored sha256 {match.Hash}, received sha256 {item.ContentHash}); an inferenceId identifies exactly one inference");
                continue;
            }

            // Later items of this batch see this one, so duplicates inside a batch are caught too.
            stored.Add(new StoredEvent(typeName, item.ContentHash, New: true));
            results[i] = new AppendResult(AppendOutcome.Stored);
            toAppend.Add(i);
            perStream[item.InferenceId] = perStream.GetValueOrDefault(item.InferenceId) + 1;
        }

        if (toAppend.Count == 0)
        {
            return results;
        }

        // A stream that does not exist yet and gets exactly one event (the usual inference) is written with
        // COPY, which costs several times less than Marten's per-stream append; everything else (ground truth or
        // feedback joining a stream, several events for one stream) goes through one set-based statement for the
        // whole batch (or, with SetBasedAppend off, a normal session append: one function call per stream).
        await using var session = store.LightweightSession();
        await using var bulkBuilder = store.LightweightSession(); // only builds the COPY streams; never saved
        var bulk = new List<StreamAction>();
        var rows = new List<AppendRow>();
        var appended = 0;
        foreach (var i in toAppend)
        {
            var (item, origin) = batch[i];
            var isNewSingle = perStream[item.InferenceId] == 1 && existing[item.InferenceId].All(s => s.New);
            if (!isNewSingle && setBased is not null)
            {
                // The version read with the duplicate check: a writer that appended since then collides on the
                // (stream_id, version) key, and the batch is re-checked.
                var version = versions[item.InferenceId] = versions.GetValueOrDefault(item.InferenceId) + 1;
                rows.Add(new AppendRow(item.InferenceId, version, item.Event, item.ContentHash, origin));
                continue;
            }

            var action = isNewSingle
                ? bulkBuilder.Events.StartStream(item.InferenceId, item.Event)
                : session.Events.Append(item.InferenceId, item.Event);
            var @event = action.Events[^1];
            @event.SetHeader(EventStoreSetup.ContentHashHeader, item.ContentHash);
            if (origin.Producer is not null)
            {
                @event.SetHeader(EventStoreSetup.ProducerHeader, origin.Producer);
            }

            @event.CorrelationId = origin.CorrelationId;
            @event.CausationId = origin.CausationId;
            if (isNewSingle)
            {
                bulk.Add(action);
            }
            else
            {
                appended++;
            }
        }

        // Two transactions when a batch has both kinds (BulkInsertEventsAsync opens its own connection and transaction:
        // Marten 9.58 has no overload that takes ours); safe because every item is re-checked on retry: if the second
        // fails, the whole batch fails, its messages are redelivered and the first part is found as duplicates.
        if (bulk.Count > 0)
        {
            await store.BulkInsertEventsAsync(bulk, bulk.Count, cancellationToken);

            // COPY bypasses Marten's unit of work, which is what sends the append notification: send it here, after
            // the commit, so the DriftDetector looks at once instead of at its next poll (polling remains the fallback).
            // The set-based append below sends it in its own transaction, committed after this one.
            if (rows.Count == 0)
            {
                await using var notify = dataSource.CreateCommand(Monitoring.EventStore.IngestStoreShape.NotifyAppendedSql);
                await notify.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (appended > 0)
        {
            await session.SaveChangesAsync(cancellationToken);
        }

        if (rows.Count > 0)
        {
            await setBased!.AppendAsync(rows, cancellationToken);
        }

        return results;
    }

    private sealed record StoredEvent(string Type, string? Hash, bool New = false);

    /// <summary>The stored events of the batch's streams, and each stream's highest event version.</summary>
    private async Task<(Dictionary<string, List<StoredEvent>> Events, Dictionary<string, long> Versions)> LoadExistingAsync(
        List<Pending> batch, CancellationToken cancellationToken)
    {
        var ids = batch.Select(p => p.Item.InferenceId).Distinct(StringComparer.Ordinal).ToArray();
        await using var command = dataSource.CreateCommand(
            $"select stream_id, type, headers ->> '{EventStoreSetup.ContentHashHeader}', version from \"{schema}\".mt_events where stream_id = any(@ids)");
        command.Parameters.AddWithValue("ids", ids);
        var existing = new Dictionary<string, List<StoredEvent>>(StringComparer.Ordinal);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var streamId = reader.GetString(0);
            if (!existing.TryGetValue(streamId, out var list))
            {
                existing[streamId] = list = [];
            }

            list.Add(new StoredEvent(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            versions[streamId] = Math.Max(versions.GetValueOrDefault(streamId), reader.GetInt64(3));
        }

        return (existing, versions);
    }

    internal static bool IsConcurrencyCollision(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            // A deadlock between two writers locking shared streams in different orders is a collision too: the
            // victim's transaction rolled back, and the re-check and retry are as safe as after a unique violation.
            if (current is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected } ||
                current.GetType().Name is "EventStreamUnexpectedMaxEventIdException" or "ExistingStreamIdCollisionException" or "ConcurrencyException")
            {
                return true;
            }
        }

        return false;
    }

    internal static string Kind(EventKind kind) => kind switch
    {
        EventKind.Inference => "inference",
        EventKind.GroundTruth => "ground-truth",
        _ => "reader-feedback",
    };
}
