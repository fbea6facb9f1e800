namespace Monitoring.AlertRouter.Notifications;

/// <summary>What a delivery is for.</summary>
public enum DeliveryPurpose
{
    /// <summary>Grouped route notification (Alertmanager semantics).</summary>
    Notify,

    /// <summary>Escalation page to a level's receiver or on-call person.</summary>
    Page,

    /// <summary>PagerDuty acknowledge after a person acknowledged.</summary>
    Acknowledge,

    /// <summary>PagerDuty resolve after the alert resolved.</summary>
    Resolve,
}

/// <summary>
/// The notification outbox: written in the same transaction as the events that cause it, deleted in the same
/// transaction as the events that record its outcome. Survives restarts; delivery is at-least-once.
/// </summary>
public sealed class PendingDelivery
{
    public Guid Id { get; set; }
    public string Receiver { get; set; } = "";
    public int Integration { get; set; }
    public DeliveryPurpose Purpose { get; set; }
    public List<Guid> AlertIds { get; set; } = [];
    public List<Guid> ResolvedAlertIds { get; set; } = [];
    public string? GroupKey { get; set; }
    public Dictionary<string, string> GroupLabels { get; set; } = [];
    public int? Level { get; set; }
    public string? Person { get; set; }
    public string? Address { get; set; }
    public bool Fallback { get; set; }
    public string? FallbackOf { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
}
