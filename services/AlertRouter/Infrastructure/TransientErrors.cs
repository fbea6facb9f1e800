using System.Net.Sockets;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Monitoring.AlertRouter.Infrastructure;

/// <summary>
/// Whether a failed consume is the database or the way to it being away (a restart, a failover, a dropped connection) rather
/// than the message or the code: PostgreSQL's connection (08), operator-intervention (57P) and resource (53) classes, and
/// connection-level exceptions anywhere in the chain. Data and constraint errors are not transient.
/// </summary>
public static class TransientErrors
{
    public static bool Is(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("53", StringComparison.Ordinal);
                case NpgsqlException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs a consumer's work through a database outage: a PostgreSQL restart or failover under load outlasts the transport's
    /// short retries (200 ms to 10 s, about 14 s in all), after which a valid finding went to the error queue — an alert lost
    /// to a routine operation. Connection-level failures are retried here with backoff (1 s doubling to 30 s, about ten minutes
    /// in all), the message held unacknowledged meanwhile; anything else goes straight to the transport's own retries.
    /// </summary>
    public static readonly ResiliencePipeline Outage = new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 24,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(30),
            UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(Is),
        })
        .Build();

    /// <summary>Runs <paramref name="work"/> through <see cref="Outage"/>.</summary>
    public static Task ThroughOutageAsync(Func<CancellationToken, Task> work, CancellationToken ct) =>
        Outage.ExecuteAsync(static async (w, token) => await w(token), work, ct).AsTask();
}
