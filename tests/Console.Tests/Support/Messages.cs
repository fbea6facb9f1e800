using Monitoring.Contracts;

namespace Monitoring.Console.Tests.Support;

/// <summary>Contract messages as the DriftDetector publishes them.</summary>
public static class Messages
{
    private static readonly ModelRef Model = new("cxr-triage", "2.3.1");

    public static ChangeDetected Change(string id, Severity severity, string signal, Dictionary<string, string> scope, string summary)
    {
        var at = ConsoleFixture.DetectedAt;
        List<ChangeMember> members =
        [
            new($"{id}-root", FindingKind.DistributionShift, signal, scope, severity),
            new($"{id}-noise", FindingKind.DistributionShift, "feature:noiseLevel", scope, Severity.Warning),
            new($"{id}-f", FindingKind.DistributionShift, signal, new Dictionary<string, string> { ["sex"] = "F" }, Severity.Info),
        ];
        return new ChangeDetected
        {
            ChangeId = id,
            Model = Model,
            Site = scope.GetValueOrDefault("site"),
            RootScope = scope,
            Kind = FindingKind.DistributionShift,
            Severity = severity,
            Summary = string.Format(System.Globalization.CultureInfo.InvariantCulture, summary, at.AddDays(-1).ToString("d MMM HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
            RootFindingId = members[0].FindingId,
            Members = members,
            EstimatedStart = at.AddDays(-1),
            AffectedEvents = 2462,
            DetectedAt = at,
        };
    }

    public static DriftDetected Finding(string id, string signal, Severity severity, string site, string? changeId) => new()
    {
        FindingId = id,
        Kind = FindingKind.DistributionShift,
        Severity = severity,
        Model = Model,
        Site = site,
        Summary = $"{signal} shifted at {site}",
        Evidence = new FindingEvidence
        {
            Signal = signal,
            Method = "ks",
            Statistic = 0.27,
            PValue = 1e-9,
            AdjustedPValue = 1e-7,
            EffectSize = 1.2,
            Threshold = 0.12,
            Window = new WindowBounds(1000, 3462, ConsoleFixture.DetectedAt.AddDays(-1), ConsoleFixture.DetectedAt),
            ReferenceSize = 4000,
            CurrentSize = 2462,
            ReferenceId = "ref-1",
            PolicyVersion = 3,
        },
        DetectedAt = ConsoleFixture.DetectedAt,
        ChangeId = changeId,
        IsRootCause = changeId is not null,
    };
}
