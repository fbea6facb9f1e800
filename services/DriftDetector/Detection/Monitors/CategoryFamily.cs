using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// Bernoulli CUSUMs per (scope, categorical input) — the policy's study fields and predicted-positive rates, and every
/// subgroup attribute the scope does not fix (patient mix, new sites) — on the share of each reference category (up: odds × r,
/// down: odds / r, from the reference share, with thresholds that pay for the reference's sampling error: see
/// <see cref="CalibratedThreshold.Bernoulli"/>), and one on "a value absent from the reference" with
/// p₀ = 1/(reference count + 1) and p₁ = <c>newGroupShare</c>: a new group is a finding once it reaches that share.
/// </summary>
internal sealed class CategoryFamily(MonitorBank bank) : IMonitorFamily
{
    private const int MinCategoryCount = 5;
    private Table?[,] tables = new Table?[0, 0];

    private int Inputs => bank.Policy.Categorical.Count + bank.Attributes.Length;

    private sealed record Table(Dictionary<string, int> Index, HashSet<string> Known, double[] Hit, double[] Miss, double[] H, double[] P0, string Signal);

    public void Create(ScopeMonitors scope, int si)
    {
        for (var i = 0; i < Inputs; i++) scope.Categories.Add(CreateOne(scope.Scope, si, i));
    }

    private CategoryMonitors? CreateOne(string scope, int si, int input)
    {
        IReadOnlyDictionary<string, long>? counts;
        if (input < bank.Policy.Categorical.Count)
        {
            var refScopes = bank.Deployment.Reference.Scopes;
            counts = si < refScopes.Count ? refScopes[si].Categorical[input] : null;
        }
        else
        {
            var a = input - bank.Policy.Categorical.Count;
            var attribute = bank.Attributes[a];
            if (scope.Split('&').Any(p => p.StartsWith(attribute + "=", StringComparison.Ordinal))) return null;
            var all = bank.State.AttributeCounts;
            counts = si < all.Count ? all[si][a] : null;
        }

        var total = counts?.Values.Sum() ?? 0;
        if (counts is null || total < bank.Policy.Policy.MinSample) return null;
        var m = new CategoryMonitors { ReferenceTotal = total };
        var ordered = counts.OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        foreach (var (category, count) in ordered)
        {
            if (count >= MinCategoryCount && !(m.Categories.Count == 1 && ordered.Count == 2)) // a binary input: the first category says it all
            {
                m.Categories.Add(category);
                m.ReferenceCounts.Add(count);
            }
            else
            {
                m.Known.Add(category);
            }
        }

        for (var j = 0; j < 2 * m.Categories.Count + 1; j++) m.Cells.Add(new Cell());
        return m;
    }

    public int CountCells(MonitorBank b)
    {
        var cells = 0;
        Build(b, null, (_, _, t) => cells += t.H.Count(double.IsFinite));
        return cells;
    }

    public void Compile(MonitorBank b, double sharePerCell)
    {
        tables = new Table?[b.State.Scopes.Count, Inputs];
        Build(b, sharePerCell, (si, i, t) => tables[si, i] = t);
    }

    /// <summary>
    /// The tables of every (scope, input). Each chart is designed from the reference share itself (p₀ = count/n, p₁ = odds × r or
    /// ÷ r); the reference's sampling error is paid in the threshold (<see cref="CalibratedThreshold.Bernoulli"/>), which keeps
    /// the cell's expected false alarms a year within its share whatever the true share is, and is +∞ (the cell off) where the
    /// reference is too small for that. <paramref name="share"/> null: only count the cells that can exist.
    /// </summary>
    private void Build(MonitorBank b, double? share, Action<int, int, Table> sink)
    {
        var logOdds = Math.Log(b.Spec.OddsRatio);
        for (var si = 0; si < b.State.Scopes.Count; si++)
        {
            var perYear = b.ScopeRate(si);
            for (var i = 0; i < Inputs; i++)
            {
                if (b.State.Scopes[si].Categories[i] is not { } m) continue;
                var n = (double)m.ReferenceTotal;
                var cells = 2 * m.Categories.Count + 1;
                double[] hit = new double[cells], miss = new double[cells], h = new double[cells], p0s = new double[cells];
                for (var j = 0; j < m.Categories.Count; j++)
                {
                    var count = m.ReferenceCounts[j];
                    var p = count / n;
                    // A category that is (almost) everything cannot rise: its fall is watched by the other categories' rise.
                    if (p < 0.95) Design(2 * j, p, BernoulliCusum.ShiftOdds(p, logOdds), count);
                    else h[2 * j] = double.PositiveInfinity;
                    if (p >= 0.05 && p < 0.95) Design(2 * j + 1, p, BernoulliCusum.ShiftOdds(p, -logOdds), count);
                    else h[2 * j + 1] = double.PositiveInfinity;
                }

                var p0 = 1 / (n + 1);
                if (b.Spec.NewGroupShare > 2 * p0) Design(cells - 1, p0, b.Spec.NewGroupShare, 0);
                else h[cells - 1] = double.PositiveInfinity;
                p0s[cells - 1] = 0;
                // A value the whole population's reference holds is not a new group in a narrower scope whose small reference missed it.
                if (si > 0 && b.State.Scopes[0].Categories[i] is { } population)
                {
                    m.Known.AddRange(population.Categories.Concat(population.Known).Where(v => !m.Categories.Contains(v) && !m.Known.Contains(v)));
                }

                var index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var j = 0; j < m.Categories.Count; j++) index[m.Categories[j]] = j;
                var signal = i < b.Policy.Categorical.Count ? b.Policy.Categorical[i].Name : "subgroup:" + b.Attributes[i - b.Policy.Categorical.Count];
                sink(si, i, new Table(index, m.Known.ToHashSet(StringComparer.Ordinal), hit, miss, h, p0s, signal));

                void Design(int c, double from, double to, double successes)
                {
                    var chart = BernoulliCusum.Design(from, to, 2);
                    (hit[c], miss[c], p0s[c]) = (chart.Hit, chart.Miss, from);
                    h[c] = share is { } w ? CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, successes, n, perYear, b.AlarmsPerYear(w)) : 0;
                }
            }
        }
    }

    public void Observe(ScopeMonitors sm, int si, string?[] categorical, long sequence, DateTimeOffset time)
    {
        for (var i = 0; i < Inputs; i++)
        {
            if (tables[si, i] is not { } t) continue;
            var value = i < categorical.Length ? categorical[i] : bank.AttributeValues[i - categorical.Length];
            if (value is null) continue;
            var m = sm.Categories[i]!;
            var at = t.Index.TryGetValue(value, out var j) ? j : t.Known.Contains(value) ? -1 : -2;
            for (var c = 0; c < m.Categories.Count; c++)
            {
                var x = c == at;
                Step(sm, m, t, 2 * c, x, sequence, time, $"share of '{m.Categories[c]}' rose");
                Step(sm, m, t, 2 * c + 1, x, sequence, time, $"share of '{m.Categories[c]}' fell");
            }

            var newGroup = at == -2 && i >= categorical.Length ? bank.Attributes[i - categorical.Length] + "=" + Extract.Escape(value) : null;
            if (newGroup is not null) CountNewGroup(newGroup, sm.Scope);
            Step(sm, m, t, m.Cells.Count - 1, at == -2, sequence, time,
                at == -2 ? $"'{value}', absent from the reference, reached a share above {Detector.F(bank.Spec.NewGroupShare)}" : "values absent from the reference appeared", newGroup);
        }
    }

    private const int MaxNewGroups = 200;

    private void CountNewGroup(string group, string scope)
    {
        var all = bank.State.NewGroupEvents;
        if (!all.TryGetValue(group, out var scopes))
        {
            if (all.Count >= MaxNewGroups) return; // bounded: a stream of ever-new values is one finding, not unbounded state
            all[group] = scopes = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        scopes[scope] = scopes.GetValueOrDefault(scope) + 1;
    }

    private void Step(ScopeMonitors sm, CategoryMonitors m, Table t, int c, bool x, long sequence, DateTimeOffset time, string detail, string? newGroup = null)
    {
        var h = t.H[c];
        if (!double.IsFinite(h)) return;
        var cell = m.Cells[c];
        var change = Cells.Step(cell, x ? t.Hit[c] : t.Miss[c], x ? 1 : 0, h, sequence, time);
        if (change == CellEvent.None) return;
        var share = cell.N > 0 ? cell.Sum / cell.N : 0;
        var method = c == m.Cells.Count - 1 ? "new-category-cusum" : "bernoulli-cusum";
        bank.Report(change, new Alarm(FindingKind.DistributionShift, sm.Scope, t.Signal, method, cell, h, share - t.P0[c], m.ReferenceTotal,
            $"{detail}: {Detector.F(share)} over {cell.N} events against {Detector.F(t.P0[c])} in the reference", newGroup), sequence, time);
    }
}
