using System.Security.Cryptography;
using System.Text;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Alerts;

/// <summary>Labels, fingerprint and the clinical-safety rule: pure functions over the incoming messages.</summary>
public static class AlertLabels
{
    public const string SeverityLabel = "severity";
    public const string ClinicalSafetyLabel = "clinical_safety";

    /// <summary>The incident a finding belongs to: its change (root-cause group) or the fallback group. The fingerprint of a finding alert.</summary>
    public const string IncidentLabel = "incident";

    /// <summary>The detector's change id, when the finding was attributed to one.</summary>
    public const string ChangeLabel = "change";

    /// <summary>
    /// The clinical-safety rule. An alert is clinical-safety when its severity is <c>critical</c>, or when it is a
    /// realized-performance decay or a fairness gap of severity <c>warning</c> or above: both mean patients in some
    /// group may be getting worse results now. Once clinical-safety, an alert stays so (a later lower severity does
    /// not lift the decision requirement).
    /// </summary>
    public static bool IsClinicalSafety(Severity severity, FindingKind? kind) =>
        severity == Severity.Critical
        || (kind is FindingKind.PerformanceDecay or FindingKind.FairnessGap && severity >= Severity.Warning);

    /// <summary>Wire name of a severity (also PagerDuty's severity: critical, error, warning, info).</summary>
    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Critical => "critical",
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>Wire name of a finding kind.</summary>
    public static string KindName(FindingKind kind) => kind switch
    {
        FindingKind.DistributionShift => "distribution-shift",
        FindingKind.PerformanceDecay => "performance-decay",
        FindingKind.EstimatedPerformanceDecay => "estimated-performance-decay",
        FindingKind.FairnessGap => "fairness-gap",
        _ => "abrupt-change",
    };

    /// <summary>Canonical subgroup text, attributes sorted: <c>ageBand=65+,sex=F</c>.</summary>
    public static string SubgroupText(IReadOnlyDictionary<string, string> subgroup) =>
        string.Join(",", subgroup.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>
    /// One incident per change: the detector's root-cause group when it named one (<c>change:ID</c>), otherwise the
    /// fallback group of the same deployment, site and detecting window (<c>window:model@version|site|start</c>, the
    /// window being <paramref name="fallbackWindow"/> of event time, aligned to the Unix epoch so every replica agrees).
    /// </summary>
    public static string IncidentKey(DriftDetected finding, TimeSpan fallbackWindow)
    {
        if (!string.IsNullOrWhiteSpace(finding.ChangeId))
        {
            return ChangeKey(finding.ChangeId);
        }

        var ticks = finding.DetectedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var start = DateTimeOffset.UnixEpoch.AddTicks(ticks - (ticks % fallbackWindow.Ticks));
        return $"window:{finding.Model.Id}@{finding.Model.Version}|{finding.Site ?? "*"}|{start:yyyy-MM-ddTHH:mmZ}";
    }

    /// <summary>Incident key of a detector change.</summary>
    public static string ChangeKey(string changeId) => "change:" + changeId;

    /// <summary>Labels of an incident opened by a detector change: the root cause's kind, signal and scope.</summary>
    public static Dictionary<string, string> ForChange(ChangeDetected change, bool clinicalSafety)
    {
        var root = change.Members.FirstOrDefault();
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = KindName(change.Kind),
            ["source"] = "finding",
            ["kind"] = KindName(change.Kind),
            ["model"] = change.Model.Id,
            ["model_version"] = change.Model.Version,
            ["signal"] = root?.Signal ?? "",
            [SeverityLabel] = SeverityName(change.Severity),
            [ClinicalSafetyLabel] = clinicalSafety ? "true" : "false",
            [ChangeLabel] = change.ChangeId,
            [IncidentLabel] = ChangeKey(change.ChangeId),
        };
        var site = change.Site ?? change.RootScope.GetValueOrDefault("site");
        if (!string.IsNullOrEmpty(site))
        {
            labels["site"] = site;
        }

        var scope = change.RootScope.Where(kv => kv.Key != "site").ToDictionary();
        if (scope.Count > 0)
        {
            labels["subgroup"] = SubgroupText(scope);
        }

        return labels;
    }

    /// <summary>Labels of a finding (the names route matchers use), with the incident it belongs to.</summary>
    public static Dictionary<string, string> ForFinding(DriftDetected finding, bool clinicalSafety, TimeSpan fallbackWindow)
    {
        var labels = ForFinding(finding, clinicalSafety);
        labels[IncidentLabel] = IncidentKey(finding, fallbackWindow);
        if (!string.IsNullOrWhiteSpace(finding.ChangeId))
        {
            labels[ChangeLabel] = finding.ChangeId;
        }

        return labels;
    }

    /// <summary>Labels of a finding (the names route matchers use).</summary>
    public static Dictionary<string, string> ForFinding(DriftDetected finding, bool clinicalSafety)
    {
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = KindName(finding.Kind),
            ["source"] = "finding",
            ["kind"] = KindName(finding.Kind),
            ["model"] = finding.Model.Id,
            ["model_version"] = finding.Model.Version,
            ["signal"] = finding.Evidence.Signal,
            [SeverityLabel] = SeverityName(finding.Severity),
            [ClinicalSafetyLabel] = clinicalSafety ? "true" : "false",
        };
        if (!string.IsNullOrEmpty(finding.Site))
        {
            labels["site"] = finding.Site;
        }

        if (finding.Subgroup.Count > 0)
        {
            labels["subgroup"] = SubgroupText(finding.Subgroup);
        }

        return labels;
    }

    /// <summary>Labels of a health condition.</summary>
    public static Dictionary<string, string> ForHealth(HealthConditionChanged condition, bool clinicalSafety)
    {
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = condition.Condition,
            ["source"] = "health",
            ["condition"] = condition.Condition,
            ["service"] = condition.Service,
            [SeverityLabel] = SeverityName(condition.Severity),
            [ClinicalSafetyLabel] = clinicalSafety ? "true" : "false",
        };
        if (!string.IsNullOrEmpty(condition.Site))
        {
            labels["site"] = condition.Site;
        }

        return labels;
    }

    /// <summary>
    /// Identity of "the same problem": for a finding, its incident (change or fallback group); otherwise a hash of the
    /// labels without severity and clinical_safety, which may change while the problem stays the same. Two findings
    /// with the same fingerprint are one alert (one incident).
    /// </summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        // An incident is one change: its findings differ in signal and subgroup, and are still the same problem.
        var identity = labels.TryGetValue(IncidentLabel, out var incident)
            ? new Dictionary<string, string> { ["source"] = labels.GetValueOrDefault("source", ""), [IncidentLabel] = incident }
            : labels;
        var canonical = string.Join("\n", identity
            .Where(kv => kv.Key is not SeverityLabel and not ClinicalSafetyLabel)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }
}
