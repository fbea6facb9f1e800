using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Monitoring.AlertRouter.Alerts;
using Npgsql;

namespace Monitoring.AlertRouter.Infrastructure;

/// <summary>Finding id → alert id: makes consumption idempotent on the finding id.</summary>
public sealed class FindingLink
{
    public string Id { get; set; } = "";
    public Guid AlertId { get; set; }
}

/// <summary>Fingerprint → the open alert with it: de-duplication. Deleted when the alert resolves.</summary>
public sealed class OpenAlert
{
    public string Id { get; set; } = "";
    public Guid AlertId { get; set; }
}

/// <summary>Retries a unit of work that lost an optimistic-concurrency race.</summary>
public static class Conflicts
{
    public static async Task<T> RetryAsync<T>(Func<Task<T>> work, CancellationToken ct, int attempts = 10)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception ex) when (attempt < attempts && IsConflict(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * attempt)), ct);
            }
        }
    }

    public static bool IsConflict(Exception ex) => ex switch
    {
        ConcurrencyException or DocumentAlreadyExistsException or JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure } => true,
        _ when ex.GetType().Name.Contains("UnexpectedMaxEventId", StringComparison.Ordinal) => true,
        _ => ex.InnerException is { } inner && IsConflict(inner),
    };
}

/// <summary>Applies stored events to an alert outside Marten (to know the state right after deciding).</summary>
public static class AlertFold
{
    public static Alert Apply(Alert alert, IEnumerable<object> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case AlertRaised x: alert.Apply(x); break;
                case AlertUpdated x: alert.Apply(x); break;
                case ChangeAttributed x: alert.Apply(x); break;
                case AlertEscalated x: alert.Apply(x); break;
                case AlertAcknowledged x: alert.Apply(x); break;
                case OversightDecisionRecorded x: alert.Apply(x); break;
                case AlertRecoveryObserved x: alert.Apply(x); break;
                case AlertResolved x: alert.Apply(x); break;
                case AlertSilenced x: alert.Apply(x); break;
                case NotificationSuppressed x: alert.Apply(x); break;
                case NotificationSent x: alert.Apply(x); break;
                case NotificationFailed x: alert.Apply(x); break;
            }
        }

        return alert;
    }

    /// <summary>Every stored event type of the alert and silence streams and the routing stream.</summary>
    public static readonly Type[] EventTypes =
    [
        typeof(AlertRaised), typeof(AlertUpdated), typeof(ChangeAttributed), typeof(AlertEscalated), typeof(AlertAcknowledged),
        typeof(OversightDecisionRecorded), typeof(AlertRecoveryObserved), typeof(AlertResolved), typeof(AlertSilenced),
        typeof(NotificationSuppressed), typeof(NotificationSent), typeof(NotificationFailed),
        typeof(Suppression.SilenceCreated), typeof(Suppression.SilenceApproved), typeof(Suppression.SilenceExpired),
        typeof(Routing.RoutingConfigLoaded), typeof(Routing.RoutingConfigRejected),
    ];
}
