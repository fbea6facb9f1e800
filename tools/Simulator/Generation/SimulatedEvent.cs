using Monitoring.Contracts;

namespace Monitoring.Simulator.Generation;

/// <summary>Kind of a simulated event, in the order events with equal time are emitted.</summary>
public enum SimulatedEventKind
{
    /// <summary><see cref="InferenceRecorded"/>.</summary>
    Inference,

    /// <summary><see cref="ReaderFeedbackRecorded"/>.</summary>
    ReaderFeedback,

    /// <summary><see cref="GroundTruthRecorded"/>.</summary>
    GroundTruth,
}

/// <summary>One event of the simulated timeline, ordered by <see cref="At"/> (event time).</summary>
/// <param name="At">Event time: occurredAt or recordedAt.</param>
public abstract record SimulatedEvent(DateTimeOffset At)
{
    /// <summary>Kind.</summary>
    public abstract SimulatedEventKind Kind { get; }
}

/// <summary>An inference, with what the simulator knows and the monitoring must not see.</summary>
/// <param name="Message">The wire message.</param>
/// <param name="Truth">Hidden truth: true labels, target AUROC per label, changes in effect.</param>
public sealed record InferenceEvent(InferenceRecorded Message, InferenceTruth Truth) : SimulatedEvent(Message.OccurredAt)
{
    /// <inheritdoc />
    public override SimulatedEventKind Kind => SimulatedEventKind.Inference;
}

/// <summary>Ground truth arriving for an earlier inference.</summary>
/// <param name="Message">The wire message.</param>
/// <param name="OccurredAt">Event time of the inference it labels.</param>
public sealed record GroundTruthEvent(GroundTruthRecorded Message, DateTimeOffset OccurredAt) : SimulatedEvent(Message.RecordedAt)
{
    /// <inheritdoc />
    public override SimulatedEventKind Kind => SimulatedEventKind.GroundTruth;
}

/// <summary>A reader's feedback on an earlier inference.</summary>
/// <param name="Message">The wire message.</param>
/// <param name="OccurredAt">Event time of the inference.</param>
public sealed record ReaderFeedbackEvent(ReaderFeedbackRecorded Message, DateTimeOffset OccurredAt) : SimulatedEvent(Message.RecordedAt)
{
    /// <inheritdoc />
    public override SimulatedEventKind Kind => SimulatedEventKind.ReaderFeedback;
}

/// <summary>The hidden truth behind an inference, for tests and benchmarks.</summary>
public sealed record InferenceTruth
{
    /// <summary>Truth per label, in the model's label order.</summary>
    public required IReadOnlyList<bool> Positive { get; init; }

    /// <summary>Target AUROC of the study's cell per label (after subgroup offsets and scenario effects).</summary>
    public required IReadOnlyList<double> TargetAuroc { get; init; }

    /// <summary>Expected sensitivity at the model threshold per label for the cell.</summary>
    public required IReadOnlyList<double> ExpectedSensitivity { get; init; }

    /// <summary>Patient age in years (fractional for infants).</summary>
    public required double AgeYears { get; init; }

    /// <summary>Age band, always known to the simulator even when the site sends a DICOM age.</summary>
    public required string AgeBand { get; init; }

    /// <summary>Local patient id before pseudonymisation (never sent).</summary>
    public required string LocalPatientId { get; init; }

    /// <summary>Ids of the scenario changes whose effect was above zero for this inference.</summary>
    public required IReadOnlyList<string> AffectedBy { get; init; }

    /// <summary>Whether the inference will get ground truth (possibly after the end of the run).</summary>
    public required bool WillBeLabelled { get; init; }
}
