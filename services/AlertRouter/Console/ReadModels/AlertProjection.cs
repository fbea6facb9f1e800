using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Monitoring.AlertRouter.Alerts;

namespace Monitoring.AlertRouter.Console.ReadModels;

/// <summary>
/// The incident document (the <see cref="Alert"/> snapshot, folded by its own Apply methods as before) and, as side effects in the
/// same transaction, the console's two read models: the slim <see cref="IncidentRow"/> and one <see cref="AuditEntry"/>
/// per audited event. Registered inline with side effects on, so a page reads what the last action wrote.
/// </summary>
public sealed class AlertProjection : SingleStreamProjection<Alert, Guid>
{
    public override ValueTask RaiseSideEffects(IDocumentOperations operations, IEventSlice<Alert> slice)
    {
        if (slice.Snapshot is not { } alert)
        {
            return ValueTask.CompletedTask;
        }

        operations.Store(IncidentRow.From(alert));
        var deployment = alert.Model is { } m ? IncidentRow.DeploymentKey(m) : null;
        var entries = slice.Events()
            .Select(e => AuditEntry.From(e.Id, alert.Id, deployment, e.Version, e.Timestamp, e.Data))
            .OfType<AuditEntry>().ToArray();
        if (entries.Length > 0)
        {
            operations.Store(entries);
        }

        return ValueTask.CompletedTask;
    }
}
