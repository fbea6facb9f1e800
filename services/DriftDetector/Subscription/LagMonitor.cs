using MassTransit;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Telemetry;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Measures the subscription lag (events in the Ingest store not yet applied) and publishes <see cref="HealthConditionChanged"/>
/// for <c>detector-lag</c> (lag above the configured bound) and <c>subscription-stopped</c> (the pipeline is down: critical when a
/// data error stops it for good, a warning while the <see cref="SubscriptionSupervisor"/> restarts it), on each change of state only.
/// </summary>
internal sealed class LagMonitor(
    IngestStore ingest, DetectorRunner runner, DetectorPipeline pipeline, Policies.PolicyRegistry registry, DriftMetrics metrics, DriftDetectorOptions options,
    IServiceProvider services, TimeProvider time, ILogger<LagMonitor> logger) : BackgroundService
{
    private bool lagFiring;
    private bool stoppedFiring;
    private string policyProblems = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LagCheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Lag check failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task CheckAsync(CancellationToken ct)
    {
        // First the subscription's state, which needs no database: it must be reported while PostgreSQL is down too.
        var problem = SubscriptionSupervisor.Problem(pipeline, runner);
        var stopped = problem is not null;
        if (stopped != stoppedFiring)
        {
            // A data error needs a person (critical: pages); anything else is being restarted by the supervisor (warning), and the
            // condition resolves by itself when the subscription runs again.
            var person = SubscriptionSupervisor.NeedsPerson(pipeline, runner);
            await PublishAsync("subscription-stopped", stopped, person ? Severity.Critical : Severity.Warning,
                stopped
                    ? $"The DriftDetector's subscription stopped: {problem}" + (person ? " (a data error: it is not restarted automatically)" : " (restarting automatically with backoff)")
                    : "The DriftDetector's subscription runs again.", ct);
            stoppedFiring = stopped; // only once published: a broker outage must not lose the change
        }

        // Refused policy files: a warning while their deployments keep a recorded version, critical (pages) when one is unmonitored.
        var invalid = string.Join("; ", registry.Invalid.Select(i => $"{Path.GetFileName(i.PolicyFile)}: {string.Join(", ", i.Errors.Take(5))}"));
        if (invalid != policyProblems)
        {
            await PublishAsync("policy-invalid", invalid.Length > 0, registry.AnyUnmonitored ? Severity.Critical : Severity.Warning,
                invalid.Length > 0
                    ? $"Policy file(s) refused ({(registry.AnyUnmonitored ? "a deployment without a recorded policy is NOT monitored" : "their deployments keep their last recorded policy")}): {invalid}"
                    : "Every policy file is valid again.", ct);
            policyProblems = invalid;
        }

        if (!pipeline.Running) return;
        var head = await ingest.HeadAsync(ct);
        var lag = Math.Max(0, head - runner.LastSequence);
        metrics.SetLag(lag);
        var lagging = lag > options.LagAlertEvents;
        if (lagging != lagFiring)
        {
            await PublishAsync("detector-lag", lagging, Severity.Warning,
                lagging ? $"The DriftDetector is {lag} events behind the Ingest store (bound {options.LagAlertEvents})." : $"The DriftDetector caught up ({lag} events behind).", ct);
            lagFiring = lagging;
        }
    }

    private async Task PublishAsync(string condition, bool firing, Severity severity, string description, CancellationToken ct)
    {
        logger.Log(firing ? LogLevel.Warning : LogLevel.Information, "Health condition {Condition} firing={Firing}: {Description}", condition, firing, description);
        await services.GetRequiredService<IBus>().Publish(new HealthConditionChanged
        {
            Condition = condition, Service = "drift-detector", Firing = firing, Severity = severity, Description = description, ObservedAt = time.GetUtcNow(),
        }, ct);
    }
}
