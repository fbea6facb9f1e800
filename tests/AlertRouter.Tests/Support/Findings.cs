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
