using System.Text.Json;
using Npgsql;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// Whether a stopped subscription may be restarted by itself. A data error (an event that cannot be read or a value the store
/// refuses: deserialization, cast and format errors, PostgreSQL classes 22 and 23) would fail again on the same event, so it stays
/// stopped and pages a person; anything else (a lost connection, 57P01 admin shutdown, 08xxx, a failover, a timeout, an unknown
/// error) is retried with backoff. Pure.
/// </summary>
internal static class SubscriptionErrors
{
    /// <summary>True when <paramref name="error"/> (or one of its inner exceptions) is about the data, not the way to it.</summary>
    public static bool IsDataError(Exception? error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal);
                case NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException:
                    return false;
                case JsonException or InvalidCastException or FormatException or NotSupportedException:
                    return true;
            }
        }

        return false;
    }
}
