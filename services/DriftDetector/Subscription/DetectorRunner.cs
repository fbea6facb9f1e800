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
/// Runs the pure <see cref="Detector"/> over subscription pages and persists what it decided. Two kinds of commit:
/// <list type="bullet">
/// <item>findings as soon as they are decided (finding events, their views, the status views of deployments that closed a
/// window, and <see cref="FindingsProgress"/>): small, so a finding reaches the publisher within milliseconds of its window;</item>
/// <item>the state snapshot (<see cref="DetectorCheckpoint"/> with the global state, one <see cref="DeploymentSnapshot"/> per
/// changed deployment, several MB for a busy one) every <c>SnapshotEveryEvents</c> events, on stop and on flush. It is
/// serialized on the decision thread (a consistent copy) and committed in the background after the findings commits before
/// it, while later chunks are decided and their findings committed: a snapshot commit of several seconds on a busy database
/// must not hold back the next finding (issue 15's latency tail).</item>
/// </list>
/// Exactly-once in effect: on start the state is loaded from the last snapshot and the subscription is moved back to it; the
/// events after it are applied again and whatever the detector decides again up to <see cref="FindingsProgress.Through"/> is
/// dropped, because it is exactly what was committed (same events, same order, same policy history: same output).
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
    // What the stored ReferenceSnapshot holds: frozen or not, and how much late information (labels and feedback of reference
    // inferences keep arriving after the freeze, and the outcome monitors' baselines read them). A snapshot is rewritten when
    // either changed, so a restart restores exactly the reference an uninterrupted run has (RestartAndReplayTests).
    private readonly Dictionary<string, (bool Frozen, long Late)> referenceSaved = new(StringComparer.Ordinal);

    private static (bool Frozen, long Late) ReferenceSignature(ReferenceState r) =>
        (r.Frozen, r.Late.Sum(l => l.Feedback + l.Overrides + l.Labels.Sum(a => a.PairsSeen)));
    private long persistedSequence;
    private long lastSequence;
    private long lastPageEnded;
    private long committedThrough;
    private long replayThrough;
    private volatile bool stopRequested;
    private Task? pendingCommit;
    private Task? pendingSnapshot;
    private bool legacySnapshot;

    /// <summary>Last ingest sequence applied in memory.</summary>
    public long LastSequence => Interlocked.Read(ref lastSequence);

    /// <summary>Last ingest sequence persisted.</summary>
    public long PersistedSequence => Interlocked.Read(ref persistedSequence);

    /// <summary>Set when a page failed; cleared by the next successful page.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Loads the recorded policy history and the last snapshot.</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        foreach (var inFlight in new[] { pendingCommit, pendingSnapshot })
        {
            // Reloading after a failure: a commit in flight either lands (and is loaded below) or failed (and is re-derived).
            if (inFlight is null) continue;
            try
            {
                await inFlight;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A commit failed; reloading the last committed snapshot");
            }
        }

        pendingCommit = null;
        pendingSnapshot = null;

        await using var session = drift.Store.QuerySession();
        var versions = (await session.Events.QueryRawEventDataOnly<PolicyActivated>().ToListAsync(ct))
            .Select(p => new PolicyVersion(p.Deployment, p.Version, p.EffectiveAfterSequence,
                JsonSerializer.Deserialize<MonitoringPolicy>(p.PolicyJson, PolicyLoader.Json)!, p.Profile, p.Hash))
            .ToList();
        var state = new DetectorState();
        referenceSaved.Clear();
        var checkpoint = await session.LoadAsync<DetectorCheckpoint>(Stores.DetectorCheckpointId, ct);
        legacySnapshot = checkpoint is { Json.Length: > 0 };
        if (legacySnapshot)
        {
            // Written before the snapshot rows: read the documents once; the next snapshot rewrites every deployment as rows.
            state = JsonSerializer.Deserialize<DetectorState>(checkpoint!.Json, StateJson)!;
            foreach (var snapshot in await session.Query<DeploymentSnapshot>().ToListAsync(ct))
            {
                var deployment = JsonSerializer.Deserialize<DeploymentState>(snapshot.Json, StateJson)!;
                var reference = await session.LoadAsync<ReferenceSnapshot>(snapshot.Id, ct);
                deployment.Reference = reference is null ? new ReferenceState() : JsonSerializer.Deserialize<ReferenceState>(reference.Json, StateJson)!;
                state.Deployments[deployment.Key] = deployment;
            }
        }
        else if (checkpoint is not null)
        {
            var global = await SnapshotRows.ReadAsync(drift.DataSource, drift.Schema, SnapshotRows.Global, Stores.DetectorCheckpointId, ct)
                ?? throw new InvalidOperationException($"The detector checkpoint at sequence {checkpoint.LastSequence} has no global state row.");
            state = JsonSerializer.Deserialize<DetectorState>(global, StateJson)!;
            var references = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            await foreach (var (id, body) in SnapshotRows.ReadAllAsync(drift.DataSource, drift.Schema, SnapshotRows.Reference, ct)) references[id] = body;
            await foreach (var (_, body) in SnapshotRows.ReadAllAsync(drift.DataSource, drift.Schema, SnapshotRows.Deployment, ct))
            {
                var deployment = JsonSerializer.Deserialize<DeploymentState>(body, StateJson)!;
                deployment.Reference = references.TryGetValue(deployment.Key, out var reference)
                    ? JsonSerializer.Deserialize<ReferenceState>(reference, StateJson)!
                    : new ReferenceState();
                state.Deployments[deployment.Key] = deployment;
                referenceSaved[deployment.Key] = ReferenceSignature(deployment.Reference);
            }
        }

        // Findings decided after the snapshot were committed already: replaying up to there must not commit them again.
        committedThrough = Math.Max(state.LastSequence, (await session.LoadAsync<FindingsProgress>(Stores.FindingsProgressId, ct))?.Through ?? 0);
        replayThrough = committedThrough > state.LastSequence ? committedThrough : 0;
        detector = new Detector(new PolicyHistory(versions), state, new DetectorLimits(options.MaxPendingLateEvents));
        unsaved.Clear();
        if (legacySnapshot) unsaved.UnionWith(state.Deployments.Keys);
        inferences.Clear();
        Interlocked.Exchange(ref lastSequence, state.LastSequence);
        Interlocked.Exchange(ref persistedSequence, state.LastSequence);
        logger.LogInformation("Detector initialized at sequence {Sequence} with {Versions} policy version(s); findings committed through {Through}",
            state.LastSequence, versions.Count, committedThrough);
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
            // Null after a failed range whose reload failed too (the store was unreachable): load the last snapshot now, or fail
            // the range again — never carry on from a state that holds decisions whose commit failed.
            if (detector is null) await InitializeAsync(ct);
            var d = detector ?? throw new InvalidOperationException("The detector is not initialized.");
            // From the state's own position, not the range's floor: after a failed range the state is reloaded from the last
            // snapshot, which may be older than the floor of the range the daemon retries.
            var from = d.State.LastSequence;
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

            // The in-memory state may hold part of a chunk, or findings taken but not committed: drop it and reload the last
            // snapshot. If the reload fails too (a restarting PostgreSQL refuses connections), the next range loads it: carrying
            // on from the dropped state would skip the events whose findings were lost with the failed commit.
            detector = null;
            try
            {
                await InitializeAsync(CancellationToken.None);
            }
            catch (Exception reload) when (reload is not OperationCanceledException)
            {
                logger.LogWarning(reload, "Reloading the detector's snapshot failed; the next range reloads it before applying anything");
            }

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
        var windowsBefore = d.State.Deployments.ToDictionary(x => x.Key, x => x.Value.ClosedWindows, StringComparer.Ordinal);
        var missing = await inferences.LookUpMissingAsync(chunk.Events, d.State.LastSequence, ct);
        var looked = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var e in chunk.Events)
        {
            if (e.Sequence <= d.State.LastSequence) continue;
            if (replayThrough > 0 && e.Sequence > replayThrough)
            {
                DropReplayed(d);
            }

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
        if (replayThrough > 0)
        {
            // Everything decided so far in this chunk comes from events at or below replayThrough.
            d.TakeEmitted();
            if (d.State.LastSequence >= replayThrough) replayThrough = 0;
        }

        inferences.Trim();
        metrics.EventsProcessed(chunk.Events.Length);
        var emitted = d.TakeEmitted();
        foreach (var key in d.TakeDirty()) unsaved.Add(key);
        Interlocked.Exchange(ref lastSequence, d.State.LastSequence);
        var decided = System.Diagnostics.Stopwatch.GetTimestamp();
        var windowsClosed = d.State.Deployments.Where(x => x.Value.ClosedWindows != windowsBefore.GetValueOrDefault(x.Key)).Select(x => x.Key).ToList();
        var persisted = "no";
        if (d.State.LastSequence - PersistedSequence >= options.SnapshotEveryEvents && pendingSnapshot is not { IsCompleted: false })
        {
            // (A snapshot still committing is not waited for: the next chunk takes the following one.)
            await PersistAsync(d, emitted, windowsClosed, snapshot: true, ct);
            persisted = "snapshot";
        }
        else if (emitted.Count > 0 || windowsClosed.Count > 0)
        {
            await PersistAsync(d, emitted, windowsClosed, snapshot: false, ct);
            persisted = "findings";
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

    /// <summary>Drops what the detector decided again while replaying events whose findings were committed before a restart.</summary>
    private void DropReplayed(Detector d)
    {
        var again = d.TakeEmitted();
        if (again.Count > 0) logger.LogDebug("Replay after restart: {Count} finding event(s) up to {Through} were committed already", again.Count, replayThrough);
        replayThrough = 0;
    }

    /// <summary>Writes a snapshot now (on shutdown, before a policy reload).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await WaitForCommitAsync();
            await WaitForSnapshotAsync();
            if (detector is { } d && d.State.LastSequence > PersistedSequence)
            {
                await PersistAsync(d, d.TakeEmitted(), [], snapshot: true, ct);
                await WaitForCommitAsync();
                await WaitForSnapshotAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Builds the documents of a commit (serialized here, on the decision thread, so they are a consistent copy of the state) and
    /// starts it; the commit runs while the next chunk is decided. At most one findings commit is in flight: the next persist,
    /// the end of the range and <see cref="FlushAsync"/> wait for it, and a failed commit fails the range there (the state is
    /// then reloaded from the last committed snapshot and the range is read again, so nothing is lost or counted twice). The
    /// findings commit holds the finding events, their views, <see cref="FindingsProgress"/> and the status views of
    /// <paramref name="windowsClosed"/> and of the findings' deployments (with <paramref name="snapshot"/>, of every changed
    /// deployment). With <paramref name="snapshot"/> the state snapshot is serialized too and committed in its own session once
    /// this findings commit has landed (a snapshot must never be ahead of a finding it reflects), without holding back the
    /// findings commits after it; its failure fails the next range boundary the same way.
    /// </summary>
    private async Task PersistAsync(Detector d, List<object> emitted, IReadOnlyCollection<string> windowsClosed, bool snapshot, CancellationToken ct)
    {
        await WaitForCommitAsync(); // also throws a snapshot commit's failure
        var session = drift.Store.LightweightSession();
        try
        {
            var touched = await AppendFindingsAsync(session, emitted, ct);
            var views = touched.Union(windowsClosed);
            if (snapshot) views = views.Union(unsaved);
            foreach (var key in views.Where(d.State.Deployments.ContainsKey).Order(StringComparer.Ordinal))
            {
                var state = d.State.Deployments[key];
                session.Store(StatusView(state, d.State.LastSequence));
                metrics.Publish(state, options);
            }

            committedThrough = Math.Max(committedThrough, d.State.LastSequence);
            session.Store(new FindingsProgress { Through = committedThrough });
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        var findings = CommitAsync(session, ct);
        pendingCommit = findings;
        if (snapshot)
        {
            await WaitForSnapshotAsync();
            var serializing = System.Diagnostics.Stopwatch.GetTimestamp();
            var snapshotSession = drift.Store.LightweightSession();
            StoreSnapshot(snapshotSession, d);
            metrics.SnapshotSerialized(System.Diagnostics.Stopwatch.GetElapsedTime(serializing));
            pendingSnapshot = CommitSnapshotAsync(snapshotSession, findings, d.State.LastSequence, ct);
        }
    }

    private static async Task CommitAsync(IDocumentSession session, CancellationToken ct)
    {
        await using (session)
        {
            await session.SaveChangesAsync(ct);
        }
    }

    /// <summary>Commits a snapshot after the findings commit it follows; a failed findings commit drops the snapshot.</summary>
    private async Task CommitSnapshotAsync(IDocumentSession session, Task findingsBefore, long sequence, CancellationToken ct)
    {
        await using (session)
        {
            await findingsBefore;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await session.SaveChangesAsync(ct);
            metrics.SnapshotCommitted(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }

        Interlocked.Exchange(ref persistedSequence, sequence);
    }

    /// <summary>Waits for the findings commit in flight, if any; its failure is thrown here.</summary>
    private async Task WaitForCommitAsync()
    {
        if (pendingCommit is { } commit)
        {
            pendingCommit = null;
            await commit;
        }

        ThrowIfSnapshotFailed();
    }

    /// <summary>Waits for the snapshot commit in flight, if any; its failure is thrown here.</summary>
    private async Task WaitForSnapshotAsync()
    {
        if (pendingSnapshot is { } commit)
        {
            pendingSnapshot = null;
            await commit;
        }
    }

    /// <summary>A snapshot commit that failed in the background fails the range at the next boundary (the state is reloaded).</summary>
    private void ThrowIfSnapshotFailed()
    {
        if (pendingSnapshot is { IsCompleted: true } done)
        {
            pendingSnapshot = null;
            done.GetAwaiter().GetResult();
        }
    }

    /// <summary>Appends the finding events and stores their views; returns the deployments they belong to.</summary>
    private async Task<HashSet<string>> AppendFindingsAsync(IDocumentSession session, List<object> emitted, CancellationToken ct)
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
        await Publishing.ChangeStore.AppendAsync(session, emitted, ct);
        var touched = views.Values.Select(v => v.Deployment).ToHashSet(StringComparer.Ordinal);
        foreach (var p in emitted.OfType<PerformanceReconciled>()) touched.Add(p.Deployment);
        return touched;
    }

    /// <summary>
    /// Queues the snapshot rows of every changed deployment and of the global state, serialized once straight to UTF-8 here on
    /// the decision thread (a consistent copy), with the checkpoint that dates them (their status views go with the findings
    /// commit). The first snapshot after an upgrade also deletes the documents the state was read from.
    /// </summary>
    private void StoreSnapshot(IDocumentSession session, Detector d)
    {
        foreach (var key in unsaved.Order(StringComparer.Ordinal))
        {
            var state = d.State.Deployments[key];
            SnapshotRows.Queue(session, drift.Schema, SnapshotRows.Deployment, key, JsonSerializer.SerializeToUtf8Bytes(state, StateJson));
            var signature = ReferenceSignature(state.Reference);
            if (!referenceSaved.TryGetValue(key, out var saved) || !saved.Frozen || saved != signature)
            {
                SnapshotRows.Queue(session, drift.Schema, SnapshotRows.Reference, key, JsonSerializer.SerializeToUtf8Bytes(state.Reference, StateJson));
                referenceSaved[key] = signature;
            }
        }

        SnapshotRows.Queue(session, drift.Schema, SnapshotRows.Global, Stores.DetectorCheckpointId, JsonSerializer.SerializeToUtf8Bytes(d.State, StateJson));
        session.Store(new DetectorCheckpoint { LastSequence = d.State.LastSequence });
        if (legacySnapshot)
        {
            session.DeleteWhere<DeploymentSnapshot>(_ => true);
            session.DeleteWhere<ReferenceSnapshot>(_ => true);
            legacySnapshot = false;
        }

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
