using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>What a cell's step changed for the finding lifecycle.</summary>
internal enum CellEvent { None, Raised, Cleared }

/// <summary>An alarm (or its end) of one monitor cell, handed to the finding lifecycle.</summary>
/// <param name="NewGroup">For a subgroup value absent from the reference: <c>attribute=value</c> (the new group itself).</param>
internal readonly record struct Alarm(
    FindingKind Kind, string Scope, string Signal, string Method, Cell Cell, double Threshold, double Effect, long ReferenceSize, string Detail,
    string? NewGroup = null);

/// <summary>
/// One CUSUM step with its excursion bookkeeping. The excursion (since the statistic last left 0) is the change-point
/// estimate: its start is the estimated start of the change, its mean the estimated effect. After an alarm the statistic is
/// capped at <see cref="Cap"/>·h, so that it returns to 0 (and the finding resolves) within about Cap·h/k in-control
/// observations once the change is gone, and a change barely above the design shift does not wander back to 0 and re-alarm
/// as a new finding every few days (hysteresis: with drift d per observation a return from Cap·h has probability ≈ e^(−2d·Cap·h)).
/// </summary>
internal static class Cells
{
    public const double Cap = 5;

    public static CellEvent Step(Cell c, double increment, double observed, double threshold, long sequence, DateTimeOffset time)
    {
        if (c.S == 0)
        {
            if (increment <= 0) return CellEvent.None;
            c.StartSequence = sequence;
            c.StartTime = time;
            c.N = 0;
            c.Sum = 0;
        }

        c.S = Math.Max(0, c.S + increment);
        if (c.S > 0)
        {
            c.N++;
            c.Sum += observed;
        }

        if (!c.Alarmed)
        {
            if (c.S < threshold) return CellEvent.None;
            c.Alarmed = true;
            return CellEvent.Raised;
        }

        if (c.S > Cap * threshold) c.S = Cap * threshold;
        if (c.S > 0) return CellEvent.None;
        c.Alarmed = false;
        return CellEvent.Cleared;
    }

    /// <summary>Bounds of the excursion up to this event (the finding's evidence window).</summary>
    public static WindowBounds Window(Cell c, long sequence, DateTimeOffset time) => new(c.StartSequence, sequence, c.StartTime, time);
}
