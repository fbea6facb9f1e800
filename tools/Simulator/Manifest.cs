using System.Text.Json;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator;

/// <summary>
/// Ground truth of a run for benchmarks: what was injected, where and when, what should be detected by when,
/// and (after the run) what was actually generated.
/// </summary>
public sealed record Manifest
{
    /// <summary>Manifest format version.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>Scenario name.</summary>
    public required string Scenario { get; init; }

    /// <summary>Scenario summary.</summary>
    public required string Summary { get; init; }

    /// <summary>Seed.</summary>
    public required long Seed { get; init; }

    /// <summary>Run tag mixed into inference ids.</summary>
    public string? RunTag { get; init; }

    /// <summary>Simulated start.</summary>
    public required DateTimeOffset SimulatedStart { get; init; }

    /// <summary>Simulated end.</summary>
    public required DateTimeOffset SimulatedEnd { get; init; }

    /// <summary>Volume multiplier.</summary>
    public required double Volume { get; init; }

    /// <summary>Sites present from the start.</summary>
    public required IReadOnlyList<string> Sites { get; init; }

    /// <summary>Deployed models with labels and threshold.</summary>
    public required IReadOnlyList<ManifestModel> Models { get; init; }

    /// <summary>Injected changes (empty for the null scenario).</summary>
    public required IReadOnlyList<Change> Changes { get; init; }

    /// <summary>What the run produced (absent for a plan printed before running).</summary>
    public ManifestRealised? Realised { get; init; }

    /// <summary>Builds the manifest of a generator, with its statistics when it has run.</summary>
    public static Manifest For(TrafficGenerator generator, bool includeRealised)
    {
        var s = generator.Settings;
        return new Manifest
        {
            Scenario = generator.Scenario.Name,
            Summary = generator.Scenario.Summary,
            Seed = s.Seed,
            RunTag = s.RunTag.Length == 0 ? null : s.RunTag,
            SimulatedStart = s.Start,
            SimulatedEnd = s.End,
            Volume = s.Volume,
            Sites = generator.Sites.Select(x => x.Code).ToArray(),
            Models = generator.Models.Select(m => new ManifestModel(m.Id, m.Version, m.Threshold, m.Labels.Select(l => new ManifestLabel(
                l.Name, l.Mapping.ReferencePrevalence, l.Mapping.ReferenceAuroc, Math.Round(l.Mapping.Sensitivity(l.Mapping.ReferenceSeparation), 4), Math.Round(l.Mapping.Specificity, 4))).ToArray())).ToArray(),
            Changes = generator.Scenario.Changes,
            Realised = includeRealised ? ManifestRealised.From(generator.Statistics) : null,
        };
    }

    /// <summary>Indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, WireFormat.Manifest);
}

/// <summary>A model in the manifest.</summary>
/// <param name="Id">Model id.</param>
/// <param name="Version">Version.</param>
/// <param name="Threshold">Operating threshold.</param>
/// <param name="Labels">Labels with reference figures.</param>
public sealed record ManifestModel(string Id, string Version, double Threshold, IReadOnlyList<ManifestLabel> Labels);

/// <summary>A label's reference figures (reference population: adult, PA, no change).</summary>
/// <param name="Name">Label.</param>
/// <param name="ReferencePrevalence">π₀.</param>
/// <param name="ReferenceAuroc">AUROC.</param>
/// <param name="ReferenceSensitivity">Sensitivity at the threshold.</param>
/// <param name="ReferenceSpecificity">Specificity at the threshold.</param>
public sealed record ManifestLabel(string Name, double ReferencePrevalence, double ReferenceAuroc, double ReferenceSensitivity, double ReferenceSpecificity);

/// <summary>Realised counts.</summary>
public sealed record ManifestRealised
{
    /// <summary>Inferences.</summary>
    public long Inferences { get; init; }

    /// <summary>Ground truth events.</summary>
    public long GroundTruth { get; init; }

    /// <summary>Reader feedback events.</summary>
    public long ReaderFeedback { get; init; }

    /// <summary>Truth due after the end (not sent).</summary>
    public long GroundTruthAfterEnd { get; init; }

    /// <summary>Per change: affected inferences and the first one.</summary>
    public IReadOnlyDictionary<string, ChangeStatistics> Changes { get; init; } = new SortedDictionary<string, ChangeStatistics>();

    internal static ManifestRealised From(GenerationStatistics s) => new()
    {
        Inferences = s.Inferences,
        GroundTruth = s.GroundTruth,
        ReaderFeedback = s.ReaderFeedback,
        GroundTruthAfterEnd = s.GroundTruthAfterEnd,
        Changes = s.Changes,
    };
}
