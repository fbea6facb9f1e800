namespace Monitoring.Simulator.Generation;

/// <summary>What a run produced; filled while <see cref="TrafficGenerator.Generate"/> is enumerated.</summary>
public sealed class GenerationStatistics
{
    /// <summary>Inferences emitted.</summary>
    public long Inferences { get; private set; }

    /// <summary>Ground-truth events emitted.</summary>
    public long GroundTruth { get; private set; }

    /// <summary>Reader-feedback events emitted.</summary>
    public long ReaderFeedback { get; private set; }

    /// <summary>Ground truth that would arrive after the simulated end (not emitted).</summary>
    public long GroundTruthAfterEnd { get; private set; }

    /// <summary>Reader feedback that would arrive after the simulated end (not emitted).</summary>
    public long ReaderFeedbackAfterEnd { get; private set; }

    /// <summary>Time of the first emitted event.</summary>
    public DateTimeOffset? FirstEventAt { get; private set; }

    /// <summary>Time of the last emitted event.</summary>
    public DateTimeOffset? LastEventAt { get; private set; }

    /// <summary>Per change id: inferences it affected, and the first one.</summary>
    public SortedDictionary<string, ChangeStatistics> Changes { get; } = new(StringComparer.Ordinal);

    /// <summary>Total events emitted.</summary>
    public long Events => Inferences + GroundTruth + ReaderFeedback;

    internal void Count(SimulatedEvent e)
    {
        FirstEventAt ??= e.At;
        LastEventAt = e.At;
        switch (e)
        {
            case InferenceEvent inference:
                Inferences++;
                foreach (var id in inference.Truth.AffectedBy)
                {
                    if (!Changes.TryGetValue(id, out var change))
                    {
                        Changes[id] = change = new ChangeStatistics { FirstAffectedAt = e.At, FirstAffectedInferenceId = inference.Message.InferenceId, InferencesBeforeFirstAffected = Inferences - 1 };
                    }

                    change.AffectedInferences++;
                }

                break;
            case GroundTruthEvent:
                GroundTruth++;
                break;
            case ReaderFeedbackEvent:
                ReaderFeedback++;
                break;
        }
    }

    internal void CountAfterEnd(SimulatedEvent e)
    {
        if (e is GroundTruthEvent)
        {
            GroundTruthAfterEnd++;
        }
        else if (e is ReaderFeedbackEvent)
        {
            ReaderFeedbackAfterEnd++;
        }
    }
}

/// <summary>Realised footprint of one change.</summary>
public sealed class ChangeStatistics
{
    /// <summary>Inferences the change affected.</summary>
    public long AffectedInferences { get; internal set; }

    /// <summary>Event time of the first affected inference.</summary>
    public DateTimeOffset FirstAffectedAt { get; init; }

    /// <summary>Id of the first affected inference.</summary>
    public required string FirstAffectedInferenceId { get; init; }

    /// <summary>Inferences emitted (network-wide) before the first affected one.</summary>
    public long InferencesBeforeFirstAffected { get; init; }
}
