using MassTransit;
using Npgsql;
using Prometheus;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Telemetry;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Measures the subscription lag (events in the Ingest store not yet applied) and publishes <see cref="HealthConditionChanged"/>
/// (built by <see cref="HealthConditions"/>) for <c>detector-lag</c> (lag above the configured bound), <c>subscription-stopped</c>
/// (the pipeline is down: critical when a data error stops it for good, a warning while the <see cref="SubscriptionSupervisor"/>
/// restarts it) and <c>policy-invalid</c>, on each change of state only.
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
        SubscriptionRunning.Set(stopped ? 0 : 1);
        if (stopped != stoppedFiring)
        {
            // A data error needs a person (critical: pages); anything else is being restarted by the supervisor (warning), and the
            // condition resolves by itself when the subscription runs again.
            var person = SubscriptionSupervisor.NeedsPerson(pipeline, runner);
            await PublishAsync(HealthConditions.SubscriptionStoppedChanged(problem, person, time.GetUtcNow()), ct);
            stoppedFiring = stopped; // only once published: a broker outage must not lose the change
        }

        // Refused policy files: a warning while their deployments keep a recorded version, critical (pages) when one is unmonitored.
        var invalid = string.Join("; ", registry.Invalid.Select(i => $"{Path.GetFileName(i.PolicyFile)}: {string.Join(", ", i.Errors.Take(5))}"));
        if (invalid != policyProblems)
        {
            await PublishAsync(HealthConditions.PolicyInvalidChanged(invalid, registry.AnyUnmonitored, time.GetUtcNow()), ct);
            policyProblems = invalid;
        }

        if (!pipeline.Running) return;
        var head = await ingest.HeadAsync(ct);
        var lag = Math.Max(0, head - runner.LastSequence);
        metrics.SetLag(lag);
        LagSeconds.Set(lag == 0 ? 0 : await EventTimeLagAsync(head, runner.LastSequence, ct));
        var lagging = lag > options.LagAlertEvents;
        if (lagging != lagFiring)
        {
            await PublishAsync(HealthConditions.DetectorLagChanged(lagging, lag, options.LagAlertEvents, time.GetUtcNow()), ct);
            lagFiring = lagging;
        }
    }

    /// <summary>
    /// Lag in event time: how far the newest stored event's own time (OccurredAt / RecordedAt, the store's timestamp
    /// for events without one) is ahead of the last applied event's. A count of events means nothing to on-call
    /// (100,000 events can be hours or months of a network's traffic); seconds behind does.
    /// </summary>
    private static readonly Gauge LagSeconds = Metrics.CreateGauge("drift_subscription_lag_seconds",
        "Event-time seconds between the newest event in the Ingest store and the last event the detector applied.");

    /// <summary>1 while the subscription runs, 0 once it stopped or paused (the Prometheus rule pages on 0).</summary>
    private static readonly Gauge SubscriptionRunning = Metrics.CreateGauge("drift_subscription_running",
        "1 while the detector's subscription to the Ingest store runs, 0 when it stopped or paused after an error.");

    private async Task<double> EventTimeLagAsync(long head, long applied, CancellationToken ct)
    {
        const string eventTime = "coalesce((data->>'OccurredAt')::timestamptz, (data->>'occurredAt')::timestamptz, " +
            "(data->>'RecordedAt')::timestamptz, (data->>'recordedAt')::timestamptz, timestamp)";
        await using var cmd = ingest.DataSource.CreateCommand(
            $"select extract(epoch from (select {eventTime} from \"{ingest.Schema}\".mt_events where seq_id = @head) - " +
            $"coalesce((select {eventTime} from \"{ingest.Schema}\".mt_events where seq_id = @applied), " +
            $"(select {eventTime} from \"{ingest.Schema}\".mt_events where seq_id > @applied order by seq_id limit 1)))");
        cmd.Parameters.Add(new NpgsqlParameter("head", head));
        cmd.Parameters.Add(new NpgsqlParameter("applied", applied));
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? 0 : Math.Max(0, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task PublishAsync(HealthConditionChanged condition, CancellationToken ct)
    {
        logger.Log(condition.Firing ? LogLevel.Warning : LogLevel.Information, "Health condition {Condition} firing={Firing}: {Description}",
            condition.Condition, condition.Firing, condition.Description);
        await services.GetRequiredService<IBus>().Publish(condition, ct);
    }
}
