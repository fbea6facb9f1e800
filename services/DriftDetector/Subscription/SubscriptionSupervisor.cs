using JasperFx;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Restarts the pipeline, with backoff, when it is wanted but not running: Marten's async daemon pauses an agent once its own
/// retries are spent (a PostgreSQL restart or failover outlasts them: 57P01, then refused connections), and a start can fail
/// while the database is down. Only a data error (<see cref="SubscriptionErrors.IsDataError"/>: an event that cannot be read)
/// leaves it stopped, so that <c>subscription-stopped</c> keeps paging a person; after any other error detection resumes by
/// itself and the condition resolves.
/// </summary>
internal sealed class SubscriptionSupervisor(
    DetectorPipeline pipeline, DetectorRunner runner, DriftDetectorOptions options, TimeProvider time, ILogger<SubscriptionSupervisor> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Why the pipeline is down and whether it will be restarted; null while it runs (or is not wanted).</summary>
    public static string? Problem(DetectorPipeline pipeline, DetectorRunner runner)
    {
        if (!pipeline.Wanted) return null;
        if (!pipeline.Running)
        {
            return $"the subscription is not running (start failed: {pipeline.StartError?.Message ?? "not started yet"})";
        }

        if (pipeline.SubscriptionStatus is AgentStatus.Paused or AgentStatus.Stopped)
        {
            return $"the Ingest subscription is {pipeline.SubscriptionStatus}: {runner.LastError?.Message ?? "the daemon paused the agent after its retries"}";
        }

        return pipeline.PublisherStatus is AgentStatus.Paused or AgentStatus.Stopped
            ? $"the finding publisher is {pipeline.PublisherStatus}"
            : null;
    }

    /// <summary>True when the pipeline is down on a data error, which needs a person: it is not restarted.</summary>
    public static bool NeedsPerson(DetectorPipeline pipeline, DetectorRunner runner) =>
        pipeline.Running
            ? pipeline.SubscriptionStatus is AgentStatus.Paused or AgentStatus.Stopped && SubscriptionErrors.IsDataError(runner.LastError)
            : SubscriptionErrors.IsDataError(pipeline.StartError);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstDelay;
        var loggedPerson = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.SubscriptionCheckInterval, time, stoppingToken);
                if (Problem(pipeline, runner) is not { } problem)
                {
                    delay = FirstDelay;
                    loggedPerson = false;
                    continue;
                }

                if (NeedsPerson(pipeline, runner))
                {
                    if (!loggedPerson) logger.LogError("Drift detection stopped on a data error and is not restarted: {Problem}", problem);
                    loggedPerson = true;
                    continue;
                }

                logger.LogWarning("Drift detection is down ({Problem}); restarting in {Delay}", problem, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.SubscriptionRestartMaxDelay.Ticks));
                await pipeline.RestartAsync(stoppingToken);
                logger.LogInformation("Drift detection restarted after: {Problem}", problem);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Restarting drift detection failed ({Message}); retrying", ex.Message);
            }
        }
    }
}

/// <summary>Readiness: the pipeline is running (or deliberately not started), neither agent paused.</summary>
internal sealed class SubscriptionHealthCheck(DetectorPipeline pipeline, DetectorRunner runner)
    : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(SubscriptionSupervisor.Problem(pipeline, runner) is { } problem
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(problem)
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
}
