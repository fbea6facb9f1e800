using System.Runtime.InteropServices;
using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Two-sided CUSUM per (scope, numeric signal) on van der Waerden normal scores against the scope's own reference sample
/// (<see cref="SequentialBudget.NormalScore"/>): N(0, 1) in control whatever the signal's distribution, so one design fits
/// features, scores and latency. k = designShift/2; the threshold keeps the expected false alarms a year within the cell's
/// share of the budget averaged over the finite reference's own error (<see cref="CalibratedThreshold.NormalScoreCusum"/>);
/// a scope whose reference is too small for that is not watched on its own (a wider scope holds its events).
/// </summary>
internal sealed class NumericFamily(MonitorBank bank) : IMonitorFamily
{
    private SortedSample?[,] references = new SortedSample?[0, 0];
    private double[,] thresholds = new double[0, 0];
    private readonly Dictionary<(int Size, int LogRate), double> cache = [];

    private double K => bank.Spec.DesignShift / 2;

    public int CountCells(MonitorBank b)
    {
        var cells = 0;
        for (var si = 0; si < b.State.Scopes.Count; si++)
        {
            foreach (var n in b.Policy.Numeric)
            {
                if (ReferenceValues(si, n.Slot).Count >= b.Policy.Policy.MinSample) cells += 2;
            }
        }

        return cells;
    }

    public void Compile(MonitorBank b, double sharePerCell)
    {
        var scopes = b.State.Scopes.Count;
        references = new SortedSample?[scopes, b.Policy.Numeric.Count];
        thresholds = new double[scopes, b.Policy.Numeric.Count];
        for (var si = 0; si < scopes; si++)
        {
            foreach (var n in b.Policy.Numeric)
            {
                var values = ReferenceValues(si, n.Slot);
                if (values.Count < b.Policy.Policy.MinSample) continue;
                references[si, n.Slot] = SortedSample.Of(CollectionsMarshal.AsSpan(values));
                var perYear = b.ScopeRate(si);
                var key = (values.Count, (int)Math.Round(Math.Log(perYear) * 40));
                if (!cache.TryGetValue(key, out var h))
                {
                    cache[key] = h = CalibratedThreshold.NormalScoreCusum(K, values.Count, Math.Exp(key.Item2 / 40.0), b.AlarmsPerYear(sharePerCell));
                }

                thresholds[si, n.Slot] = h;
            }
        }
    }

    public void Observe(ScopeMonitors sm, int si, double[] values, long sequence, DateTimeOffset time)
    {
        var k = K;
        foreach (var n in bank.Policy.Numeric)
        {
            var v = values[n.Slot];
            if (double.IsNaN(v) || references[si, n.Slot] is not { } reference || !double.IsFinite(thresholds[si, n.Slot])) continue;
            var z = SequentialBudget.NormalScore(reference, v);
            var h = thresholds[si, n.Slot];
            var up = sm.Numeric[2 * n.Slot];
            var down = sm.Numeric[2 * n.Slot + 1];
            var eu = Cells.Step(up, z - k, z, h, sequence, time);
            if (eu != CellEvent.None) bank.Report(eu, Alarm(sm, n, up, h, "up", reference.Count), sequence, time);
            var ed = Cells.Step(down, -z - k, z, h, sequence, time);
            if (ed != CellEvent.None) bank.Report(ed, Alarm(sm, n, down, h, "down", reference.Count), sequence, time);
        }
    }

    private static Alarm Alarm(ScopeMonitors sm, SignalDef n, Cell cell, double h, string direction, long referenceSize) =>
        new(FindingKind.DistributionShift, sm.Scope, n.Name, "cusum", cell, h, cell.N > 0 ? cell.Sum / cell.N : 0, referenceSize,
            $"shifted {direction} by {Detector.F(cell.N > 0 ? cell.Sum / cell.N : 0)} reference SD (normal scores) over {cell.N} events");

    private List<double> ReferenceValues(int si, int slot)
    {
        var scopes = bank.Deployment.Reference.Scopes;
        return si < scopes.Count ? scopes[si].Numeric[slot].Values : [];
    }
}
