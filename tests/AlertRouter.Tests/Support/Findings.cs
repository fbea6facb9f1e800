using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Support;

/// <summary>Builders for wire messages.</summary>
public static class Findings
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static FindingEvidence Evidence(int currentSize = 420, string signal = "performance:sensitivity") => new()
    {
        Signal = signal,
        Method = "wilson",
        Statistic = 0.71,
        PValue = 0.0004,
        AdjustedPValue = 0.003,
        EffectSize = -0.12,
        Interval = new Interval(0.64, 0.78, 0.95),
        Threshold = 0.8,
        Window = new WindowBounds(100, 900, Epoch.AddDays(-7), Epoch),
        ReferenceSize = 5000,
        CurrentSize = currentSize,
        ReferenceId = "ref-2026-01",
        PolicyVersion = 3,
    };

    public static DriftDetected Detected(string model, string? site = "hospital-a", Severity severity = Severity.Warning,
        FindingKind kind = FindingKind.DistributionShift, string? findingId = null, string signal = "feature:meanIntensity",
        IReadOnlyDictionary<string, string>? subgroup = null) => new()
    {
        FindingId = findingId ?? $"f-{Guid.NewGuid():N}",
        Kind = kind,
        Severity = severity,
        Model = new ModelRef(model, "2.3.1"),
        Site = site,
        Subgroup = subgroup ?? new Dictionary<string, string>(),
        Summary = $"{kind} on {model} at {site}",
        Evidence = Evidence(signal: signal),
        DetectedAt = Epoch,
    };

    /// <summary>A change (root-cause group) with its root finding and <paramref name="consequences"/> more members.</summary>
    public static ChangeDetected Change(string changeId, string model = "cxr", string? site = "site-b", Severity severity = Severity.Warning,
        FindingKind kind = FindingKind.DistributionShift, int consequences = 2, string signal = "feature:meanIntensity")
    {
        var scope = new Dictionary<string, string> { ["manufacturer"] = "SIEMENS" };
        if (site is not null)
        {
            scope["site"] = site;
        }

        var members = new List<ChangeMember> { new($"{changeId}-root", kind, signal, scope, severity) };
        members.AddRange(Enumerable.Range(1, consequences).Select(i =>
            new ChangeMember($"{changeId}-c{i}", kind, i % 2 == 0 ? "feature:noiseLevel" : signal, new Dictionary<string, string> { ["sex"] = i % 2 == 0 ? "F" : "M" }, Severity.Info)));
        return new ChangeDetected
        {
            ChangeId = changeId,
            Model = new ModelRef(model, "2.3.1"),
            Site = site,
            RootScope = scope,
            Kind = kind,
            Severity = severity,
            Summary = $"Since 2 Mar 09:00 at {site}, images from SIEMENS scanners are brighter (+1.2 SD); model sensitivity not yet known",
            RootFindingId = members[0].FindingId,
            Members = members,
            EstimatedStart = Epoch.AddDays(-1),
            AffectedEvents = 2462,
            DetectedAt = Epoch,
        };
    }

    /// <summary>
    /// A synthetic health condition for the decision logic's unit tests (any condition, service and site). The conditions the
    /// services really publish are built by the detector's own HealthConditions (ShippedInhibitRulesTests, SuppressionTests).
    /// </summary>
    public static HealthConditionChanged Health(string condition, string? site, bool firing, Severity severity = Severity.Error) => new()
    {
        Condition = condition,
        Service = "ingest",
        Site = site,
        Firing = firing,
        Severity = severity,
        Description = $"{condition} at {site}",
        ObservedAt = firing ? Epoch : Epoch.AddMinutes(30),
    };
}
