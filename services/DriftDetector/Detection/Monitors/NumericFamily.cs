using System.Runtime.InteropServices;
using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Two-sided CUSUMs per (scope, numeric signal) on van der Waerden normal scores against the scope's own reference sample
/// (<see cref="SequentialBudget.NormalScore"/>): N(0, 1) in control whatever the signal's distribution, so one design fits
/// features, scores and latency. Two charts per direction: the design chart (k = designShift/2) and a small-shift chart
/// (k = designShift/4). A CUSUM accumulates only while the shift exceeds its k, so a drift that grows slowly (detector
/// ageing: −1.5 SD over four weeks) is invisible to the design chart for the first third of its ramp; the small-shift chart
/// starts accumulating at half that shift, at the price of a slightly higher threshold for both (the budget is split over
/// twice the cells: about ln 2 / 2k more on h). Each threshold keeps the expected false alarms a year within the cell's
/// share of the budget averaged over the finite reference's own error (<see cref="CalibratedThreshold.NormalScoreCusum"/>);
/// a chart whose reference is too small for that is off (a wider scope holds its events). Both are reported as method
/// <c>cusum</c> (the threshold in the evidence tells them apart; the summary names the small-shift chart). Cells: the design charts' (up,
/// down) pairs first, slot by slot, then the small-shift pairs (so a snapshot from before the small-shift charts keeps its
/// cells and gains the new ones at the end).
/// </summary>
internal sealed class NumericFamily(MonitorBank bank) : IMonitorFamily
{
    private SortedSample?[,] references = new SortedSample?[0, 0];
    private double[,,] thresholds = new double[0, 0, 0];
    private readonly Dictionary<(int Chart, int Size, int LogRate), double> cache = [];

    /// <summary>Charts per direction: the design chart and the small-shift chart.</summary>
    public const int Charts = 2;

    /// <summary>Reference value k of chart <paramref name="chart"/> (0: designShift/2, 1: designShift/4).</summary>
    private double K(int chart) => bank.Spec.DesignShift / (chart == 0 ? 2 : 4);

    /// <summary>Cells per scope for <paramref name="numericSignals"/> signals (up and down per chart).</summary>
    public static int CellsPerScope(int numericSignals) => 2 * Charts * numericSignals;

    private static int CellIndex(int chart, int slot, int direction, int numericSignals) => chart * 2 * numericSignals + 2 * slot + direction;

    public int CountCells(MonitorBank b)
    {
        var cells = 0;
        for (var si = 0; si < b.State.Scopes.Count; si++)
        {
            foreach (var n in b.Policy.Numeric)
            {
                if (ReferenceValues(si, n.Slot).Count >= b.Policy.Policy.MinSample) cells += 2 * Charts;
            }
        }

        return cells;
    }

    public void Compile(MonitorBank b, double sharePerCell)
    {
        var scopes = b.State.Scopes.Count;
        references = new SortedSample?[scopes, b.Policy.Numeric.Count];
        thresholds = new double[scopes, b.Policy.Numeric.Count, Charts];
        for (var si = 0; si < scopes; si++)
        {
            foreach (var n in b.Policy.Numeric)
            {
                var values = ReferenceValues(si, n.Slot);
                if (values.Count < b.Policy.Policy.MinSample) continue;
                references[si, n.Slot] = SortedSample.Of(CollectionsMarshal.AsSpan(values));
                var perYear = b.ScopeRate(si);
                for (var chart = 0; chart < Charts; chart++)
                {
                    var key = (chart, values.Count, (int)Math.Round(Math.Log(perYear) * 40));
                    if (!cache.TryGetValue(key, out var h))
                    {
                        cache[key] = h = CalibratedThreshold.NormalScoreCusum(K(chart), values.Count, Math.Exp(key.Item3 / 40.0), b.AlarmsPerYear(sharePerCell));
                    }

                    thresholds[si, n.Slot, chart] = h;
                }
            }
        }
    }

    public void Observe(ScopeMonitors sm, int si, double[] values, long sequence, DateTimeOffset time)
    {
        var count = bank.Policy.Numeric.Count;
        while (sm.Numeric.Count < CellsPerScope(count)) sm.Numeric.Add(new Cell()); // a snapshot from before the small-shift charts
        foreach (var n in bank.Policy.Numeric)
        {
            var v = values[n.Slot];
            if (double.IsNaN(v) || references[si, n.Slot] is not { } reference) continue;
            var z = SequentialBudget.NormalScore(reference, v);
            for (var chart = 0; chart < Charts; chart++)
            {
                var h = thresholds[si, n.Slot, chart];
                if (!double.IsFinite(h)) continue;
                var k = K(chart);
                var up = sm.Numeric[CellIndex(chart, n.Slot, 0, count)];
                var down = sm.Numeric[CellIndex(chart, n.Slot, 1, count)];
                var eu = Cells.Step(up, z - k, z, h, sequence, time);
                if (eu != CellEvent.None) bank.Report(eu, Alarm(sm, n, up, h, "up", chart, reference.Count), sequence, time);
                var ed = Cells.Step(down, -z - k, z, h, sequence, time);
                if (ed != CellEvent.None) bank.Report(ed, Alarm(sm, n, down, h, "down", chart, reference.Count), sequence, time);
            }
        }
    }

    /// <summary>
    /// The excursion mean (normal-score SD) of the cell of <paramref name="slot"/> furthest past its threshold share (S / h), over
    /// both directions and both charts; 0 when every cell is at 0.
    /// </summary>
    public double CurrentEffect(ScopeMonitors sm, int si, int slot)
    {
        var count = bank.Policy.Numeric.Count;
        Cell? best = null;
        var bestShare = 0.0;
        for (var chart = 0; chart < Charts; chart++)
        {
            for (var direction = 0; direction < 2; direction++)
            {
                var index = CellIndex(chart, slot, direction, count);
                if (index >= sm.Numeric.Count) continue;
                var cell = sm.Numeric[index];
                var h = thresholds[si, slot, chart]; // compiled: the bank compiles before asking
                var share = cell.S / (double.IsFinite(h) && h > 0 ? h : 1);
                if (cell.S > 0 && cell.N > 0 && share > bestShare) (best, bestShare) = (cell, share);
            }
        }

        return best is null ? 0 : best.Sum / best.N;
    }

    private static Alarm Alarm(ScopeMonitors sm, SignalDef n, Cell cell, double h, string direction, int chart, long referenceSize) =>
        new(FindingKind.DistributionShift, sm.Scope, n.Name, "cusum", cell, h, cell.N > 0 ? cell.Sum / cell.N : 0, referenceSize,
            $"shifted {direction} by {Detector.F(cell.N > 0 ? cell.Sum / cell.N : 0)} reference SD (normal scores{(chart == 0 ? "" : ", small-shift chart")}) over {cell.N} events");

    private List<double> ReferenceValues(int si, int slot)
    {
        var scopes = bank.Deployment.Reference.Scopes;
        return si < scopes.Count ? scopes[si].Numeric[slot].Values : [];
    }
}
