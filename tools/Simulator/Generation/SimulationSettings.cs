using Monitoring.Simulator.Scenarios;

namespace Monitoring.Simulator.Generation;

/// <summary>Everything that determines a run's output. Same settings → byte-identical output.</summary>
public sealed record SimulationSettings
{
    /// <summary>
    /// Default simulated start: Monday 6 January 2025, 00:00 UTC. Fixed (never the wall clock) so output is
    /// reproducible, and in the past so the Ingest's future-timestamp guard (24 h skew) never refuses a 60-day run.
    /// </summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Random seed.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Simulated start (UTC, whole hour).</summary>
    public DateTimeOffset Start { get; init; } = DefaultStart;

    /// <summary>Simulated days.</summary>
    public int Days { get; init; } = 60;

    /// <summary>Number of sites present from the start.</summary>
    public int Sites { get; init; } = 4;

    /// <summary>Model ids deployed (default: all in <see cref="ModelCatalog"/>).</summary>
    public IReadOnlyList<string> Models { get; init; } = ModelCatalog.All.Select(m => m.Id).ToArray();

    /// <summary>Volume multiplier on every site's study rate.</summary>
    public double Volume { get; init; } = 1;

    /// <summary>Embedding length (0: no embedding).</summary>
    public int EmbeddingDimensions { get; init; } = 16;

    /// <summary>Scenario name (see <see cref="ScenarioCatalog"/>).</summary>
    public string Scenario { get; init; } = "null";

    /// <summary>Scenario parameters.</summary>
    public ScenarioParameters ScenarioParameters { get; init; } = new();

    /// <summary>
    /// Extra text mixed into inference ids, so two runs with the same seed and scenario can be sent to the same
    /// Ingest without colliding (the Ingest refuses a reused id with different content).
    /// </summary>
    public string RunTag { get; init; } = "";

    /// <summary>Simulated end.</summary>
    public DateTimeOffset End => Start + TimeSpan.FromDays(Days);

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> naming the setting.</summary>
    public void Validate()
    {
        if (Days is < 1 or > 3650)
        {
            throw new ArgumentOutOfRangeException(nameof(Days), Days, "Days must be between 1 and 3650.");
        }

        if (Sites is < 1 or > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(Sites), Sites, "Sites must be between 1 and 200.");
        }

        if (Volume is <= 0 or > 1000 || double.IsNaN(Volume))
        {
            throw new ArgumentOutOfRangeException(nameof(Volume), Volume, "Volume must be in (0, 1000].");
        }

        if (EmbeddingDimensions is < 0 or > Contracts.InferenceRecorded.MaxEmbeddingLength)
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingDimensions), EmbeddingDimensions, $"Embedding dimensions must be between 0 and {Contracts.InferenceRecorded.MaxEmbeddingLength}.");
        }

        if (Start.Offset != TimeSpan.Zero || Start.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException("Start must be a whole hour in UTC.", nameof(Start));
        }

        if (Models.Count == 0)
        {
            throw new ArgumentException("At least one model must be deployed.", nameof(Models));
        }

        foreach (var id in Models)
        {
            ModelCatalog.Get(id);
        }
    }
}
