using Microsoft.Extensions.Diagnostics.HealthChecks;
using Monitoring.Ingest.Publishing;
using Npgsql;

namespace Monitoring.Ingest.Http;

/// <summary>
/// Probes PostgreSQL and RabbitMQ every second so that the HTTP API can answer 503 at once (instead of hanging on
/// a connect timeout) while either is down, and so that /health/ready reports both.
/// </summary>
public sealed class DependencyMonitor(NpgsqlDataSource dataSource, BatchPublisher publisher, ILogger<DependencyMonitor> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Last PostgreSQL probe succeeded.</summary>
    public bool PostgresAvailable { get; private set; } = true;

    /// <summary>Last RabbitMQ probe succeeded.</summary>
    public bool RabbitMqAvailable { get; private set; } = true;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ProbeAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ProbeAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        var postgres = await ProbePostgresAsync(timeout.Token);
        var rabbit = await publisher.ProbeAsync(timeout.Token);
        if (postgres != PostgresAvailable || rabbit != RabbitMqAvailable)
        {
            logger.LogWarning("Dependencies: PostgreSQL {Postgres}, RabbitMQ {RabbitMq}", postgres ? "up" : "DOWN", rabbit ? "up" : "DOWN");
        }

        PostgresAvailable = postgres;
        RabbitMqAvailable = rabbit;
    }

    private async Task<bool> ProbePostgresAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}

/// <summary>Readiness check over the last probe of one dependency.</summary>
public sealed class DependencyHealthCheck(DependencyMonitor monitor, string dependency) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var up = dependency == "postgres" ? monitor.PostgresAvailable : monitor.RabbitMqAvailable;
        return Task.FromResult(up ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"{dependency} is unreachable"));
    }
}
