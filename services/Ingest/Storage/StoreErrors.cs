using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace Monitoring.Ingest.Storage;

/// <summary>Whether retrying the same append can succeed.</summary>
public enum StoreErrorClass
{
    /// <summary>The store or the way to it failed (connection, shutdown, failover, serialization conflict, disk full): retry.</summary>
    Transient,

    /// <summary>The data itself is refused (22xxx data exception, 23xxx constraint, unserializable value): retrying cannot help.</summary>
    Permanent,
}

/// <summary>
/// Classifies a failed append (pure; no I/O). Permanent means "this data will never be stored": PostgreSQL's class 22 (data
/// exception: 22P05 unsupported Unicode escape, 22021 bad encoding, 22003 numeric out of range…) and class 23 (integrity
/// constraint), except the duplicate-key and deadlock races between writers that <see cref="EventWriter"/> re-checks and retries,
/// and a value the serializer cannot write. Everything else, known transient or unknown, is retried: an unknown error must not
/// send valid data to the error queue, and the writer's bounded retry still ends there if it never clears.
/// </summary>
public static class StoreErrors
{
    /// <summary>The class of <paramref name="error"/> and a short reason for logs, metrics and the error queue (an SQLSTATE or a type).</summary>
    public static (StoreErrorClass Class, string Reason) Classify(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg:
                    var sqlState = pg.SqlState;
                    if (sqlState == PostgresErrorCodes.UniqueViolation)
                    {
                        return (StoreErrorClass.Transient, sqlState); // the stream-version race: re-checked and retried
                    }

                    return sqlState.StartsWith("22", StringComparison.Ordinal) || sqlState.StartsWith("23", StringComparison.Ordinal)
                        ? (StoreErrorClass.Permanent, sqlState)
                        : (StoreErrorClass.Transient, sqlState); // 08xxx, 57P01-03, 40001, 40P01, 53xxx, and unknowns
                case JsonException:
                case NotSupportedException when IsFromSerializer(current):
                case ArgumentException when IsFromSerializer(current):
                    return (StoreErrorClass.Permanent, "unserializable");
                case NpgsqlException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return (StoreErrorClass.Transient, "connection");
            }
        }

        return (StoreErrorClass.Transient, error.GetType().Name);
    }

    private static bool IsFromSerializer(Exception e) =>
        e.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true ||
        e.StackTrace?.Contains("System.Text.Json.", StringComparison.Ordinal) == true;
}
