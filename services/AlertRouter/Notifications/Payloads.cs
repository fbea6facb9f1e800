using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Notifications;

/// <summary>One alert as Alertmanager's webhook (version 4) carries it.</summary>
public sealed record AlertmanagerAlert(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt")] DateTimeOffset EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl,
    [property: JsonPropertyName("fingerprint")] string Fingerprint);

/// <summary>The Prometheus Alertmanager webhook payload, version 4.</summary>
public sealed record AlertmanagerPayload(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("groupKey")] string GroupKey,
    [property: JsonPropertyName("truncatedAlerts")] int TruncatedAlerts,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("receiver")] string Receiver,
    [property: JsonPropertyName("groupLabels")] IReadOnlyDictionary<string, string> GroupLabels,
    [property: JsonPropertyName("commonLabels")] IReadOnlyDictionary<string, string> CommonLabels,
    [property: JsonPropertyName("commonAnnotations")] IReadOnlyDictionary<string, string> CommonAnnotations,
    [property: JsonPropertyName("externalURL")] string ExternalUrl,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertmanagerAlert> Alerts);

/// <summary>Builds notification content: pure functions of the alerts.</summary>
public static class Payloads
{
    /// <summary>The incident page of the console: where a person reads the evidence and acts.</summary>
    public static string AlertUrl(string externalUrl, Guid id) => $"{externalUrl.TrimEnd('/')}/console/incidents/{id}";

    /// <summary>Evidence in one line; sample sizes below <paramref name="k"/> are shown as "&lt; k".</summary>
    public static string EvidenceSummary(FindingEvidence? e, int k)
    {
        if (e is null)
        {
            return "";
        }

        string N(int n) => n < k ? $"<{k}" : n.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{e.Signal} by {e.Method}: statistic {e.Statistic:G4}");
        if (e.PValue is { } p) sb.Append(CultureInfo.InvariantCulture, $", p={p:G3}");
        if (e.AdjustedPValue is { } ap) sb.Append(CultureInfo.InvariantCulture, $", adjusted p={ap:G3}");
        if (e.EffectSize is { } es) sb.Append(CultureInfo.InvariantCulture, $", effect size {es:G4}");
        if (e.Interval is { } ci) sb.Append(CultureInfo.InvariantCulture, $", {ci.Level:P0} CI [{ci.Lower:G4}, {ci.Upper:G4}]");
        if (e.Threshold is { } t) sb.Append(CultureInfo.InvariantCulture, $", threshold {t:G4}");
        sb.Append(CultureInfo.InvariantCulture, $"; window n={N(e.CurrentSize)} ({e.Window.FirstEventTime:u} to {e.Window.LastEventTime:u}) vs reference n={N(e.ReferenceSize)} ({e.ReferenceId}); policy v{e.PolicyVersion}");
        return sb.ToString();
    }

    public static Dictionary<string, string> Annotations(Alert alert, string externalUrl, int k, int? level)
    {
        var annotations = new Dictionary<string, string>
        {
            ["summary"] = alert.Summary,
            ["alert_id"] = alert.Id.ToString(),
            ["alert_url"] = AlertUrl(externalUrl, alert.Id),
            ["state"] = alert.Status.ToString().ToLowerInvariant(),
            ["occurrences"] = alert.Occurrences.ToString(CultureInfo.InvariantCulture),
        };
        if (alert.Evidence is not null) annotations["evidence"] = EvidenceSummary(alert.Evidence, k);
        if (alert.Description is not null) annotations["description"] = alert.Description;
        if (alert.TraceId is not null) annotations["trace_id"] = alert.TraceId;
        if (alert.ClinicalSafety && alert.DecisionDueAt is { } due) annotations["decision_due_at"] = due.ToString("O", CultureInfo.InvariantCulture);
        if (alert.Decision is { } d) annotations["decision"] = $"{d.Decision} by {d.By}: {d.Rationale}";
        if (level is { } l) annotations["escalation_level"] = l.ToString(CultureInfo.InvariantCulture);
        return annotations;
    }

    /// <summary>The Alertmanager v4 payload for a group (or for one paged alert).</summary>
    public static AlertmanagerPayload Alertmanager(string receiver, string groupKey, IReadOnlyDictionary<string, string> groupLabels,
        IReadOnlyList<Alert> alerts, IReadOnlySet<Guid> resolved, string externalUrl, int k, int? level)
    {
        var items = alerts.Select(a =>
        {
            var isResolved = resolved.Contains(a.Id);
            return new AlertmanagerAlert(isResolved ? "resolved" : "firing", a.Labels, Annotations(a, externalUrl, k, level), a.RaisedAt,
                isResolved ? a.ResolvedAt ?? a.RaisedAt : default, AlertUrl(externalUrl, a.Id), a.Fingerprint);
        }).ToList();
        var status = items.Any(i => i.Status == "firing") ? "firing" : "resolved";
        return new AlertmanagerPayload("4", groupKey, 0, status, receiver, groupLabels,
            Common(items.Select(i => i.Labels).ToList()), Common(items.Select(i => i.Annotations).ToList()), externalUrl, items);
    }

    private static Dictionary<string, string> Common(IReadOnlyList<IReadOnlyDictionary<string, string>> maps) =>
        maps.Count == 0
            ? []
            : maps[0].Where(kv => maps.All(m => m.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>
    /// A PagerDuty Events API v2 event. <c>dedup_key</c> is the alert id, so trigger, acknowledge and resolve address
    /// the same incident. Severity maps one to one: critical→critical, error→error, warning→warning, info→info.
    /// </summary>
    public static object PagerDuty(string routingKey, string action, Alert alert, string externalUrl, int k, int? level)
    {
        if (action != "trigger")
        {
            return new Dictionary<string, object> { ["routing_key"] = routingKey, ["event_action"] = action, ["dedup_key"] = alert.Id.ToString() };
        }

        return new Dictionary<string, object>
        {
            ["routing_key"] = routingKey,
            ["event_action"] = "trigger",
            ["dedup_key"] = alert.Id.ToString(),
            ["payload"] = new Dictionary<string, object>
            {
                ["summary"] = Truncate(alert.Summary, 1024),
                ["source"] = alert.Model?.ToString() ?? alert.Labels.GetValueOrDefault("service", "monitoring"),
                ["severity"] = AlertLabels.SeverityName(alert.Severity),
                ["timestamp"] = alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture),
                ["component"] = alert.Site ?? "all-sites",
                ["group"] = alert.Labels.GetValueOrDefault("model", alert.Labels.GetValueOrDefault("service", "")),
                ["class"] = alert.Labels.GetValueOrDefault("alertname", ""),
                ["custom_details"] = Annotations(alert, externalUrl, k, level),
            },
            ["links"] = new[] { new Dictionary<string, string> { ["href"] = AlertUrl(externalUrl, alert.Id), ["text"] = "Alert with evidence and history" } },
        };
    }

    /// <summary>Email subject and plain-text body with the evidence summary and a link to each alert.</summary>
    public static (string Subject, string Body) Email(string receiver, IReadOnlyList<Alert> alerts, IReadOnlySet<Guid> resolved,
        string externalUrl, int k, int? level, string? person)
    {
        var firing = alerts.Count(a => !resolved.Contains(a.Id));
        var first = alerts[0];
        var prefix = firing > 0 ? $"[FIRING:{firing}]" : $"[RESOLVED:{alerts.Count}]";
        var safety = alerts.Any(a => a.ClinicalSafety) ? " [CLINICAL SAFETY]" : "";
        var esc = level is { } l ? $" [ESCALATION L{l}]" : "";
        var subject = Truncate($"{prefix}{safety}{esc} {first.Summary}", 200);
        var body = new StringBuilder();
        if (person is not null) body.AppendLine(CultureInfo.InvariantCulture, $"{person}, you are on call for this.").AppendLine();
        foreach (var a in alerts)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"{(resolved.Contains(a.Id) ? "RESOLVED" : "FIRING")} {AlertLabels.SeverityName(a.Severity)}{(a.ClinicalSafety ? " clinical-safety" : "")}: {a.Summary}");
            body.AppendLine(CultureInfo.InvariantCulture, $"  labels: {string.Join(", ", a.Labels.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"))}");
            if (a.Evidence is not null) body.AppendLine(CultureInfo.InvariantCulture, $"  evidence: {EvidenceSummary(a.Evidence, k)}");
            if (a.Description is not null) body.AppendLine(CultureInfo.InvariantCulture, $"  description: {a.Description}");
            if (a.ClinicalSafety && a.DecisionDueAt is { } due) body.AppendLine(CultureInfo.InvariantCulture, $"  oversight decision due by {due:u}");
            body.AppendLine(CultureInfo.InvariantCulture, $"  occurrences: {a.Occurrences}, raised {a.RaisedAt:u}");
            if (a.TraceId is not null) body.AppendLine(CultureInfo.InvariantCulture, $"  trace: {a.TraceId}");
            body.AppendLine(CultureInfo.InvariantCulture, $"  acknowledge / decide: {AlertUrl(externalUrl, a.Id)}").AppendLine();
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"-- sent to receiver {receiver} by the AlertRouter");
        return (subject, body.ToString());
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
