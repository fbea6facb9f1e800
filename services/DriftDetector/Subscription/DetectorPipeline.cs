using JasperFx;
using JasperFx.Events.Daemon;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Publishing;
using Monitoring.DriftDetector.Storage;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Starts and stops the two daemons: the Ingest subscription (after moving its progress to the detector's own checkpoint) and the
/// finding publisher. Also runs a rebuild: stop, delete what was derived, replay the whole history with the recorded policies.
/// </summary>
internal sealed class DetectorPipeline(
    IngestStore ingest, DriftStore drift, DetectorRunner runner, PolicyRegistry registry, DriftDetectorOptions options, ILoggerFactory loggers, ILogger<DetectorPipeline> logger)
    : IHostedService
{
    public const string ShardName = Stores.SubscriptionName + ":All";
    private readonly SemaphoreSlim gate = new(1, 1);
    private IProjectionDaemon? ingestDaemon;
    private IProjectionDaemon? publisherDaemon;

    public const string PublisherShardName = Publishing.FindingPublisher.SubscriptionName + ":All";

    public bool Running => ingestDaemon is not null;

    /// <summary>
    /// The pipeline should be running: started (by the host or a caller) and not stopped by the host. While it is wanted and not
    /// running (a start failed on a transient error), the <see cref="SubscriptionSupervisor"/> keeps trying to start it.
    /// </summary>
    public bool Wanted { get; private set; }

    /// <summary>Status of the Ingest subscription agent (null when not started).</summary>
    public AgentStatus? SubscriptionStatus => ingestDaemon?.StatusFor(ShardName);

    /// <summary>Status of the finding publisher agent (null when not started).</summary>
    public AgentStatus? PublisherStatus => publisherDaemon?.StatusFor(PublisherShardName);

    /// <summary>The last start failure, until a start succeeds.</summary>
    public Exception? StartError { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.AutoStart) return;
        try
        {
            await StartPipelineAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !SubscriptionErrors.IsDataError(ex))
        {
            // PostgreSQL unreachable at start: the service still starts (unready), and the supervisor retries with backoff.
            logger.LogWarning(ex, "Drift detection could not start; retrying in the background");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Wanted = false;
        return StopPipelineAsync(cancellationToken);
    }

    /// <summary>
    /// Stops what is left of a pipeline whose agent paused or whose start failed, and starts it again from the detector's last
    /// snapshot (the same path as a process restart, so nothing is lost or decided twice). Stopping tolerates the store being
    /// unreachable; a start that fails leaves the pipeline stopped, and <see cref="StartError"/> says why.
    /// </summary>
    public async Task RestartAsync(CancellationToken ct)
    {
        try
        {
            await StopPipelineAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogInformation(ex, "Stopping the stalled pipeline failed; its snapshot is re-derived from the last one on start");
        }

        await StartPipelineAsync(ct);
    }

    public async Task StartPipelineAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            Wanted = true;
            if (ingestDaemon is not null) return;
            try
            {
                await StartDaemonsAsync(ct);
                StartError = null;
            }
            catch (Exception ex)
            {
                StartError = ex;
                await DisposeDaemonsAsync();
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task StartDaemonsAsync(CancellationToken ct)
    {
        await ingest.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await drift.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await registry.ActivateAsync(ct);
        await runner.InitializeAsync(ct);
        runner.ClearStop();
        await ingest.SetProgressAsync(ShardName, runner.LastSequence, ct);
        publisherDaemon = await drift.Store.BuildProjectionDaemonAsync(logger: loggers.CreateLogger("Marten.Daemon.Publisher"));
        await publisherDaemon.StartAllAsync();
        ingestDaemon = await ingest.Store.BuildProjectionDaemonAsync(logger: loggers.CreateLogger("Marten.Daemon.Ingest"));
        await ingestDaemon.StartAllAsync();
        logger.LogInformation("Drift detection started from sequence {Sequence}", runner.LastSequence);
    }

    /// <summary>After a failed start: no half-started daemon is left behind (it would hold connections and look running).</summary>
    private async Task DisposeDaemonsAsync()
    {
        foreach (var daemon in new[] { ingestDaemon, publisherDaemon })
        {
            if (daemon is null) continue;
            try
            {
                await daemon.StopAllAsync();
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Stopping a half-started daemon failed");
            }

            daemon.Dispose();
        }

        ingestDaemon = null;
        publisherDaemon = null;
    }

    public async Task StopPipelineAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            try
            {
                if (ingestDaemon is { } d)
                {
                    // A range can be long (up to the high-water mark): the runner stops at its next chunk boundary.
                    runner.RequestStop();
                    ingestDaemon = null;
                    try
                    {
                        await d.StopAllAsync();
                    }
                    finally
                    {
                        d.Dispose();
                    }

                    await runner.FlushAsync(ct);
                }
            }
            finally
            {
                if (publisherDaemon is { } p)
                {
                    publisherDaemon = null;
                    try
                    {
                        await p.StopAllAsync();
                    }
                    finally
                    {
                        p.Dispose();
                    }
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Resets the derived state and replays the whole Ingest history (the same findings, ids and numbers).</summary>
    public async Task RebuildAsync(CancellationToken ct)
    {
        logger.LogWarning("Rebuilding drift detection from the start of the Ingest history");
        await StopPipelineAsync(ct);
        await drift.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await drift.ResetDerivedAsync(ct);
        await StartPipelineAsync(ct);
    }

    /// <summary>Records changed policy files as new versions (effective after the current checkpoint) and continues.</summary>
    public async Task ReloadPoliciesAsync(CancellationToken ct)
    {
        await StopPipelineAsync(ct);
        await StartPipelineAsync(ct);
    }

    /// <summary>Waits until the detector applied every event up to the store's head (tests, benchmark, rebuild command).</summary>
    public async Task CatchUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var head = await ingest.HeadAsync(ct);
        var deadline = DateTime.UtcNow + timeout;
        while (runner.LastSequence < head)
        {
            if (runner.LastError is { } error && SubscriptionStatus is AgentStatus.Paused or AgentStatus.Stopped)
            {
                throw new InvalidOperationException("The Ingest subscription stopped on an error.", error);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The detector applied events up to {runner.LastSequence} of {head} within {timeout} (agent {SubscriptionStatus}, last error: {runner.LastError?.Message ?? "none"}).");
            }

            await Task.Delay(20, ct);
        }

        await runner.FlushAsync(ct);
    }
}
