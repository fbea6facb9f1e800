using Monitoring.AlertRouter.Alerts;

namespace Monitoring.AlertRouter.Console.ReadModels;

/// <summary>What an audit entry changes in the incident's state as the audit view shows it.</summary>
public enum AuditFact { Other, Opened, Changed, Acknowledged, Decided, Resolved }

/// <summary>
/// One line of a deployment's audit timeline (every stored incident event but the per-receiver notification records),
/// with the few facts the as-of view folds. Written by <see cref="AlertProjection"/> with the event itself, so the audit
/// view reads a few hundred small rows of one deployment instead of folding the incidents' raw events (each update
/// carries its evidence) at request time.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>The event's id.</summary>
    public Guid Id { get; set; }
    public string? Deployment { get; set; }
    public Guid IncidentId { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>Order within the incident (its stream version).</summary>
    public long Order { get; set; }
    public string What { get; set; } = "";
    public string Who { get; set; } = "";
    public string? Detail { get; set; }
    public AuditFact Fact { get; set; }
    public string? Summary { get; set; }
    public bool? ClinicalSafety { get; set; }
    public DateTimeOffset? RaisedAt { get; set; }
    public OversightDecision? Decision { get; set; }
    public int? PolicyVersion { get; set; }

    /// <summary>The entry for one stored event of an incident, or null for the events the audit timeline leaves out.</summary>
    public static AuditEntry? From(Guid eventId, Guid incidentId, string? deployment, long order, DateTimeOffset at, object data)
    {
        if (data is NotificationSent or NotificationFailed || IncidentStory.Line(data, at) is not { } line)
        {
            return null;
        }

        // PostgreSQL keeps microseconds (Npgsql truncates): the stored event's timestamp, not the finer one seen in the projection.
        at = new DateTimeOffset(at.Ticks - at.Ticks % 10, at.Offset);
        var entry = new AuditEntry
        {
            Id = eventId, Deployment = deployment, IncidentId = incidentId, At = at, Order = order, What = line.What, Who = line.Who, Detail = line.Detail,
        };
        switch (data)
        {
            case AlertRaised r:
                (entry.Fact, entry.Summary, entry.ClinicalSafety, entry.RaisedAt, entry.PolicyVersion) = (AuditFact.Opened, r.Summary, r.ClinicalSafety, r.RaisedAt, r.Evidence?.PolicyVersion);
                break;
            case AlertUpdated u:
                (entry.Fact, entry.ClinicalSafety, entry.PolicyVersion) = (AuditFact.Changed, u.ClinicalSafety, u.Evidence?.PolicyVersion);
                break;
            case ChangeAttributed c:
                (entry.Fact, entry.Summary, entry.ClinicalSafety) = (AuditFact.Changed, c.Summary, c.ClinicalSafety);
                break;
            case AlertAcknowledged:
                entry.Fact = AuditFact.Acknowledged;
                break;
            case OversightDecisionRecorded d:
                (entry.Fact, entry.Decision) = (AuditFact.Decided, d.Decision);
                break;
            case AlertResolved:
                entry.Fact = AuditFact.Resolved;
                break;
        }

        return entry;
    }
}

/// <summary>An incident as it stood at the audit view's instant.</summary>
public sealed record IncidentAsOf(Guid Id, DateTimeOffset RaisedAt, string Summary, AlertStatus Status, string? AcknowledgedBy,
    OversightDecision? Decision, string? DecidedBy, string? Rationale, bool AwaitingDecision);

/// <summary>
/// Folds an incident's audit entries (up to an instant) into its state then: the same status, holder, decision and
/// "awaiting decision" rules as <see cref="Alert"/>'s own Apply methods, restricted to what the audit view shows.
/// </summary>
public static class AuditFold
{
    public static IncidentAsOf? StateOf(IEnumerable<AuditEntry> entries)
    {
        IncidentAsOf? state = null;
        var clinical = false;
        foreach (var e in entries.OrderBy(e => e.At).ThenBy(e => e.Order))
        {
            clinical = e.ClinicalSafety ?? clinical;
            state = (e.Fact, state) switch
            {
                (AuditFact.Opened, _) => new IncidentAsOf(e.IncidentId, e.RaisedAt ?? e.At, e.Summary ?? "", AlertStatus.Open, null, null, null, null, false),
                (_, null) => null, // nothing before the incident was opened
                (AuditFact.Changed, { } s) => s with { Summary = e.Summary ?? s.Summary },
                (AuditFact.Acknowledged, { } s) => s with { Status = AlertStatus.Acknowledged, AcknowledgedBy = e.Who },
                (AuditFact.Decided, { } s) => s with { Decision = e.Decision, DecidedBy = e.Who, Rationale = e.Detail },
                (AuditFact.Resolved, { } s) => s with { Status = AlertStatus.Resolved },
                (_, { } s) => s,
            };
            if (state is not null)
            {
                state = state with { AwaitingDecision = clinical && state.Decision is null && state.Status != AlertStatus.Resolved };
            }
        }

        return state;
    }
}
