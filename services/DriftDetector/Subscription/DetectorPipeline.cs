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

    public bool Running => ingestDaemon is not null;

    /// <summary>Status of the Ingest subscription agent (null when not started).</summary>
    public AgentStatus? SubscriptionStatus => ingestDaemon?.StatusFor(ShardName);

    public Task StartAsync(CancellationToken cancellationToken) => options.AutoStart ? StartPipelineAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => StopPipelineAsync(cancellationToken);

    public async Task StartPipelineAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (ingestDaemon is not null) return;
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
        finally
        {
            gate.Release();
        }
    }

    public async Task StopPipelineAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (ingestDaemon is { } d)
            {
                // A range can be long (up to the high-water mark): the runner stops at its next chunk boundary.
                runner.RequestStop();
                await d.StopAllAsync();
                d.Dispose();
                ingestDaemon = null;
                await runner.FlushAsync(ct);
            }

            if (publisherDaemon is { } p)
            {
                await p.StopAllAsync();
                p.Dispose();
                publisherDaemon = null;
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
