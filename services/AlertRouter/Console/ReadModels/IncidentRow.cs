using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Console.ReadModels;

/// <summary>
/// One small row per incident for the inbox and the audit view's deployment list: the incident document carries every
/// member's evidence (~10 KB of JSON), and reading 1,000 of those per inbox request was the inbox's whole cost. Written
/// by <see cref="AlertProjection"/> in the transaction that appends the incident's events, so it is never behind.
/// </summary>
public sealed class IncidentRow
{
    public Guid Id { get; set; }
    public string Summary { get; set; } = "";
    public Severity Severity { get; set; }

    /// <summary>Severity as a number for ordering in SQL (the enum is stored by name, which sorts alphabetically).</summary>
    public int SeverityRank { get; set; }
    public string SeverityName { get; set; } = "";
    public bool ClinicalSafety { get; set; }
    public bool Open { get; set; }
    public AlertStatus Status { get; set; }
    public string? Model { get; set; }

    /// <summary>model@version, the audit view's deployment key.</summary>
    public string? Deployment { get; set; }
    public string? Site { get; set; }

    /// <summary>The subgroup label ("sex=F,age=65+"), matched by the inbox's "subgroup contains" filter.</summary>
    public string? Subgroup { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? NextEscalationAt { get; set; }
    public DateTimeOffset? DecisionDueAt { get; set; }
    public bool AwaitingDecision { get; set; }

    public static string DeploymentKey(ModelRef m) => $"{m.Id}@{m.Version}";

    public static IncidentRow From(Alert a) => new()
    {
        Id = a.Id,
        Summary = a.Summary,
        Severity = a.Severity,
        SeverityRank = (int)a.Severity,
        SeverityName = a.SeverityName,
        ClinicalSafety = a.ClinicalSafety,
        Open = a.Status != AlertStatus.Resolved,
        Status = a.Status,
        Model = a.Model?.Id,
        Deployment = a.Model is { } m ? DeploymentKey(m) : null,
        Site = a.Site,
        Subgroup = a.Labels.GetValueOrDefault("subgroup"),
        RaisedAt = a.RaisedAt,
        AcknowledgedBy = a.AcknowledgedBy,
        NextEscalationAt = a.NextEscalationAt,
        DecisionDueAt = a.DecisionDueAt,
        AwaitingDecision = a.AwaitingDecision,
    };
}
