using System.Text.Json;
using Marten;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Telemetry;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Runs the pure <see cref="Detector"/> over subscription pages and persists what it decided. Exactly-once in effect: the
/// detector's own checkpoint (<see cref="DetectorCheckpoint"/>) is written in the same transaction as the finding events and
/// the state snapshot; on start the subscription is moved back to that checkpoint, and events at or below it are ignored.
/// </summary>
internal sealed class DetectorRunner(
    IngestRangeReader reader, InferenceJoin inferences, DriftStore drift, DriftDetectorOptions options, DriftMetrics metrics, ILogger<DetectorRunner> logger)
{
    internal static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.General)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly SemaphoreSlim gate = new(1, 1);
    private Detector? detector;
    private readonly HashSet<string> unsaved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> referenceSavedFrozen = new(StringComparer.Ordinal);
    private long persistedSequence;
    private long lastSequence;
    private long lastPageEnded;
    private volatile bool stopRequested;
    private Task? pendingCommit;

    /// <summary>Last ingest sequence applied in memory.</summary>
    public long LastSequence => Interlocked.Read(ref lastSequence);

    /// <summary>Last ingest sequence persisted.</summary>
    public long PersistedSequence => Interlocked.Read(ref persistedSequence);

    /// <summary>Set when a page failed; cleared by the next successful page.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Loads the recorded policy history and the last snapshot.</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        if (pendingCommit is { } commit)
        {
            // Reloading after a failure: the commit in flight either lands (and is loaded below) or failed (and is re-derived).
            pendingCommit = null;
            try
            {
                await commit;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A snapshot commit failed; reloading the last committed snapshot");
            }
        }

        await using var session = drift.Store.QuerySession();
        var versions = (await session.Events.QueryRawEventDataOnly<PolicyActivated>().ToListAsync(ct))
            .Select(p => new PolicyVersion(p.Deployment, p.Version, p.EffectiveAfterSequence,
                JsonSerializer.Deserialize<MonitoringPolicy>(p.PolicyJson, PolicyLoader.Json)!, p.Profile, p.Hash))
            .ToList();
        var state = new DetectorState();
        var checkpoint = await session.LoadAsync<DetectorCheckpoint>(Stores.DetectorCheckpointId, ct);
        if (checkpoint is not null)
        {
            state = JsonSerializer.Deserialize<DetectorState>(checkpoint.Json, StateJson)!;
            foreach (var snapshot in await session.Query<DeploymentSnapshot>().ToListAsync(ct))
            {
                var deployment = JsonSerializer.Deserialize<DeploymentState>(snapshot.Json, StateJson)!;
                var reference = await session.LoadAsync<ReferenceSnapshot>(snapshot.Id, ct);
                deployment.Reference = reference is null ? new ReferenceState() : JsonSerializer.Deserialize<ReferenceState>(reference.Json, StateJson)!;
                state.Deployments[deployment.Key] = deployment;
                referenceSavedFrozen[deployment.Key] = deployment.Reference.Frozen;
            }
        }

        detector = new Detector(new PolicyHistory(versions), state, new DetectorLimits(options.MaxPendingLateEvents));
        unsaved.Clear();
        inferences.Clear();
        Interlocked.Exchange(ref lastSequence, state.LastSequence);
        Interlocked.Exchange(ref persistedSequence, state.LastSequence);
        logger.LogInformation("Detector initialized at sequence {Sequence} with {Versions} policy version(s)", state.LastSequence, versions.Count);
    }

    /// <summary>
    /// Applies the events of the sequence range (<paramref name="floor"/>, <paramref name="ceiling"/>] that the daemon handed out,
    /// chunk by chunk in sequence order (the next chunks are read while the current one is decided), and persists whenever
    /// something was decided. Events at or below the detector's checkpoint are not read again. Stops between chunks when
    /// <see cref="RequestStop"/> was called (the state stays consistent at the chunk boundary; the rest of the range is read
    /// again after the restart, from the checkpoint).
    /// </summary>
    public async Task ProcessRangeAsync(long floor, long ceiling, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        var stoppedAtBoundary = false;
        try
        {
            var d = detector ?? throw new InvalidOperationException("The detector is not initialized.");
            var from = Math.Max(floor, d.State.LastSequence);
            if (from < ceiling)
            {
                await foreach (var chunk in reader.ReadAsync(from, ceiling, ct))
                {
                    await ApplyChunkAsync(d, chunk, ct);
                    if (stopRequested)
                    {
                        await WaitForCommitAsync();
                        stoppedAtBoundary = true;
                        throw new OperationCanceledException("The detector is stopping; the rest of the range is read again after the restart.");
                    }
                }
            }

            // The daemon commits its progress when this returns: everything decided in the range is committed first.
            await WaitForCommitAsync();
            LastError = null;
        }
        catch (Exception ex) when (!stoppedAtBoundary)
        {
            if (ex is not OperationCanceledException)
            {
                LastError = ex;
                metrics.PageFailed();
                logger.LogError(ex, "Detector failed on the range ({Floor}, {Ceiling}]; the subscription retries it from the last checkpoint", floor, ceiling);
            }

            // The in-memory state may hold part of a chunk, or findings taken but not committed: reload the last snapshot.
            await InitializeAsync(CancellationToken.None);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Asks a range in progress to stop at the next chunk boundary (before the daemon is stopped, which waits for it).</summary>
    public void RequestStop() => stopRequested = true;

    /// <summary>Clears <see cref="RequestStop"/> when the pipeline starts again.</summary>
    public void ClearStop() => stopRequested = false;

    private async Task ApplyChunkAsync(Detector d, IngestChunk chunk, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var windowsBefore = d.State.Deployments.Values.Sum(x => x.ClosedWindows);
        var missing = await inferences.LookUpMissingAsync(chunk.Events, d.State.LastSequence, ct);
        var looked = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var e in chunk.Events)
        {
            if (e.Sequence <= d.State.LastSequence) continue;
            switch (e.Data)
            {
                case InferenceRecorded i:
                    d.Inference(e.Sequence, i);
                    inferences.Remember(e.StreamKey, e.Sequence, i);
                    break;
                case GroundTruthRecorded g:
                    d.GroundTruth(e.Sequence, g, inferences.Join(missing, e.StreamKey, e.Sequence));
                    break;
                case ReaderFeedbackRecorded f:
                    d.ReaderFeedback(e.Sequence, f, inferences.Join(missing, e.StreamKey, e.Sequence));
                    break;
                default:
                    d.Skip(e.Sequence);
                    break;
            }
        }

        // Events of other types inside the chunk's range are not read: the range is still fully applied.
        d.Skip(chunk.Through);
        inferences.Trim();
        metrics.EventsProcessed(chunk.Events.Length);
        var emitted = d.TakeEmitted();
        foreach (var key in d.TakeDirty()) unsaved.Add(key);
        Interlocked.Exchange(ref lastSequence, d.State.LastSequence);
        var decided = System.Diagnostics.Stopwatch.GetTimestamp();
        var windowsClosed = d.State.Deployments.Values.Sum(x => x.ClosedWindows) != windowsBefore;
        var persisted = false;
        if (emitted.Count > 0 || windowsClosed || d.State.LastSequence - PersistedSequence >= options.SnapshotEveryEvents)
        {
            await PersistAsync(d, emitted, ct);
            persisted = true;
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            logger.LogDebug("Chunk of {Count} events up to {Ceiling}: {Busy:F0} ms in the detector (join lookup {Lookup:F0} ms for {Missing} not in memory, decisions {Decide:F0} ms, {Emitted} emitted, persisted {Persisted}), {Idle:F0} ms waiting for the read since the previous chunk",
                chunk.Events.Length, chunk.Through, System.Diagnostics.Stopwatch.GetElapsedTime(started, now).TotalMilliseconds,
                System.Diagnostics.Stopwatch.GetElapsedTime(started, looked).TotalMilliseconds, missing.Count,
                System.Diagnostics.Stopwatch.GetElapsedTime(looked, decided).TotalMilliseconds, emitted.Count, persisted,
                lastPageEnded == 0 ? 0 : System.Diagnostics.Stopwatch.GetElapsedTime(lastPageEnded, started).TotalMilliseconds);
            lastPageEnded = now;
        }
    }

    /// <summary>Writes a snapshot now (on shutdown, before a policy reload).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await WaitForCommitAsync();
            if (detector is { } d && d.State.LastSequence > PersistedSequence)
            {
                await PersistAsync(d, d.TakeEmitted(), ct);
                await WaitForCommitAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Builds the snapshot documents (serialized here, on the decision thread, so they are a consistent copy of the state) and
    /// starts their commit; the commit runs while the next chunk is decided. At most one commit is in flight: the next persist,
    /// the end of the range and <see cref="FlushAsync"/> wait for it, and a failed commit fails the range there (the state is then
    /// reloaded from the last committed snapshot and the range is read again, so nothing is lost or counted twice).
    /// </summary>
    private async Task PersistAsync(Detector d, List<object> emitted, CancellationToken ct)
    {
        await WaitForCommitAsync();
        var session = drift.Store.LightweightSession();
        try
        {
            await PrepareAsync(session, d, emitted, ct);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        var sequence = d.State.LastSequence;
        pendingCommit = CommitAsync(session, sequence, ct);
    }

    private async Task CommitAsync(IDocumentSession session, long sequence, CancellationToken ct)
    {
        await using (session)
        {
            await session.SaveChangesAsync(ct);
        }

        Interlocked.Exchange(ref persistedSequence, sequence);
    }

    /// <summary>Waits for the commit in flight, if any; its failure is thrown here.</summary>
    private async Task WaitForCommitAsync()
    {
        if (pendingCommit is { } commit)
        {
            pendingCommit = null;
            await commit;
        }
    }

    private async Task PrepareAsync(IDocumentSession session, Detector d, List<object> emitted, CancellationToken ct)
    {
        var views = new Dictionary<string, FindingView>(StringComparer.Ordinal);
        var needed = emitted.Select(e => e switch { FindingUpdated u => u.FindingId, FindingResolved r => r.FindingId, _ => null })
            .OfType<string>().Distinct().ToArray();
        if (needed.Length > 0)
        {
            foreach (var v in await session.LoadManyAsync<FindingView>(ct, needed)) views[v.Id] = v;
        }

        foreach (var e in emitted)
        {
            switch (e)
            {
                case FindingOpened o:
                    session.Events.Append(Stores.FindingStream(o.FindingId), o);
                    views[o.FindingId] = new FindingView
                    {
                        Id = o.FindingId, Deployment = o.Deployment, Kind = o.Kind, Severity = o.Severity, Model = o.Model, Site = o.Site,
                        Subgroup = o.Subgroup.ToDictionary(), Scope = o.Scope, Summary = o.Summary, Evidence = o.Evidence, Occurrences = 1,
                        DetectedAt = o.DetectedAt, UpdatedAt = o.DetectedAt,
                    };
                    metrics.FindingOpened(o);
                    break;
                case FindingUpdated u:
                    session.Events.Append(Stores.FindingStream(u.FindingId), u);
                    if (views.TryGetValue(u.FindingId, out var uv))
                    {
                        uv.Evidence = u.Evidence;
                        uv.Severity = u.Severity;
                        uv.Occurrences = u.Occurrences;
                        uv.UpdatedAt = u.UpdatedAt;
                    }

                    break;
                case FindingResolved r:
                    session.Events.Append(Stores.FindingStream(r.FindingId), r);
                    if (views.TryGetValue(r.FindingId, out var rv))
                    {
                        rv.Status = "resolved";
                        rv.Evidence = r.Evidence;
                        rv.ResolvedAt = r.ResolvedAt;
                        rv.UpdatedAt = r.ResolvedAt;
                        metrics.FindingResolved(rv);
                    }

                    break;
                case PerformanceReconciled p:
                    session.Events.Append(Stores.ReconciliationStream(p.Deployment), p);
                    break;
            }
        }

        foreach (var v in views.Values) session.Store(v);
        foreach (var key in unsaved.Order(StringComparer.Ordinal))
        {
            var state = d.State.Deployments[key];
            session.Store(new DeploymentSnapshot { Id = key, Json = JsonSerializer.Serialize(state, StateJson) });
            if (!referenceSavedFrozen.GetValueOrDefault(key))
            {
                session.Store(new ReferenceSnapshot { Id = key, Json = JsonSerializer.Serialize(state.Reference, StateJson) });
                referenceSavedFrozen[key] = state.Reference.Frozen;
            }

            session.Store(StatusView(state, d.State.LastSequence));
        }

        session.Store(new DetectorCheckpoint { LastSequence = d.State.LastSequence, Json = JsonSerializer.Serialize(d.State, StateJson) });
        foreach (var key in unsaved) metrics.Publish(d.State.Deployments[key], options);
        unsaved.Clear();
    }

    private static DeploymentStatusView StatusView(DeploymentState s, long lastSequence)
    {
        return new DeploymentStatusView
        {
            Id = s.Key, Model = s.Model, Site = s.Site, PolicyVersion = s.PolicyVersion, ReferenceId = s.Reference.Id, ReferenceComplete = s.Reference.Frozen,
            Inferences = s.Inferences, ClosedWindows = s.ClosedWindows, LabelsTooLate = s.LabelsTooLate, LastSequence = lastSequence,
            Rows = s.Status.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x =>
            {
                var (site, subgroup) = ScopeText.Describe(x.Value.Scope, s.Site);
                var v = x.Value;
                return new StatusRow(v.Scope, site, subgroup, v.Signal, v.Method, v.Kind, v.State, v.Statistic, v.PValue, v.AdjustedPValue, v.EffectSize,
                    v.Interval, v.Threshold, v.ReferenceSize, v.CurrentSize, v.Window, v.OpenFindingId);
            }).ToList(),
        };
    }
}
