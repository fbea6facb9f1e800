using Monitoring.Contracts;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Detection;

/// <summary>Score of one change run against the manifest (docs/benchmarks.md, "Detection against an oracle", defines each).</summary>
internal sealed record RunScore(
    string Scenario, long Seed, double? DelayHours, string? DetectedBy, double? OracleHours, double? Ratio, int PreChangeFalseAlarms,
    double PreChangeYears, int FindingsAfterChange, int RootCauseGroups, bool RootCauseCorrect, string? RootCauseScope, bool OracleFits3x);

/// <summary>One row of summary.json (the fields first; the rest explain them).</summary>
internal sealed record SummaryRow(
    string Scenario, int Seeds, double? DelayHoursMedian, double? OracleHoursMedian, double? RatioMedian, double? RatioMax, int DetectedSeeds,
    double FalseAlarmsPerYear, double? RootCauseGroups, int RootCauseCorrect,
    double? DelayHoursMin, double? DelayHoursMax, double? RatioMin, double FalseAlarmYears, int FalseAlarms, double? FindingsAfterChangeMedian,
    string? OracleSignal, double? OracleKlPerEvent, int? PostChangeDays, bool? OracleFits3x, string? Note);

internal static class Scoring
{
    /// <summary>Site and subgroup constraints of the injected change's scope (empty: the whole deployment).</summary>
    public static Dictionary<string, string> InjectedScope(Change c)
    {
        var scope = new Dictionary<string, string>(StringComparer.Ordinal);
        if (c.Site is not null) scope["site"] = c.Site;
        switch (c)
        {
            case AcquisitionShift { Manufacturer: { } m }:
                scope["manufacturer"] = m;
                break;
            case SubgroupSensitivityDrop d:
                scope[d.Attribute] = d.Value;
                break;
        }

        return scope;
    }

    public static RunScore Score(RunResult r, Change change)
    {
        var findings = r.Findings[0];
        var start = r.ChangeStart!.Value;
        // "Holds the change's affected events": every inference the simulator marked as affected falls in the finding's scope.
        bool HoldsAll(Finding f) => r.Affected.All(f.Holds);
        var after = findings.Where(f => f.DetectedAt >= start).OrderBy(f => f.DetectedAt).ToList();
        var first = after.FirstOrDefault(HoldsAll);
        double? delay = first is null ? null : (first.DetectedAt - start).TotalHours;
        double? oracle = r.Oracle?.AlarmAt is { } a ? (a - start).TotalHours : null;
        var before = findings.Count(f => f.DetectedAt < start);
        var years = Math.Max(0, (start - (r.ReferenceCompleteAt ?? start)).TotalDays) / 365.25;

        // Root-cause groups: findings sharing a ChangeId form one; a finding the detector attributed to none is a group of its own.
        var groups = after.GroupBy(f => f.ChangeId ?? "finding:" + f.Id).ToList();
        var injected = InjectedScope(change);
        string? rootScope = null;
        var correct = false;
        if (groups.Count == 1)
        {
            var g = groups[0].ToList();
            var root = g.FirstOrDefault(f => f.IsRootCause == true) ?? (g.Count == 1 ? g[0] : null);
            // The scope the change names (a new group narrows its finding's scope: site=site-e found in the whole population),
            // else its root finding's.
            var named = root?.ChangeId is { } cid && r.ChangeRoots.TryGetValue(cid, out var cr) ? cr : root?.Constraints;
            if (named is not null)
            {
                rootScope = Text(named);
                correct = SameScope(named, injected)
                    || (injected.All(kv => named.TryGetValue(kv.Key, out var v) && v == kv.Value)
                        && r.Affected.All(e => named.All(kv => Finding.Attribute(e, kv.Key) == kv.Value)));
            }
        }

        var fits = oracle is { } o && r.End - start >= TimeSpan.FromHours(3 * o);
        return new RunScore(r.Plan.Scenario, r.Plan.Seed, delay, first is null ? null : $"{first.Kind} {first.Signal} @ {Text(first.Constraints)}",
            oracle, delay is { } d && oracle is { } or && or > 0 ? d / or : null, before, years, after.Count, groups.Count, correct, rootScope, fits);
    }

    public static string Text(IReadOnlyDictionary<string, string> scope) =>
        scope.Count == 0 ? "*" : string.Join("&", scope.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static bool SameScope(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static SummaryRow Aggregate(string scenario, IReadOnlyList<RunScore> runs, OracleSpec? spec, int postDays)
    {
        var delays = runs.Where(s => s.DelayHours is not null).Select(s => s.DelayHours!.Value).ToList();
        var ratios = runs.Where(s => s.Ratio is not null).Select(s => s.Ratio!.Value).ToList();
        var oracle = runs.Where(s => s.OracleHours is not null).Select(s => s.OracleHours!.Value).ToList();
        var years = runs.Sum(s => s.PreChangeYears);
        var alarms = runs.Sum(s => s.PreChangeFalseAlarms);
        return new SummaryRow(scenario, runs.Count, Median(delays), Median(oracle), Median(ratios), ratios.Count == 0 ? null : Round(ratios.Max()),
            delays.Count, years > 0 ? Round(alarms / years) : 0, Median(runs.Select(s => (double)s.RootCauseGroups).ToList()), runs.Count(s => s.RootCauseCorrect),
            delays.Count == 0 ? null : Round(delays.Min()), delays.Count == 0 ? null : Round(delays.Max()), ratios.Count == 0 ? null : Round(ratios.Min()),
            Round(years), alarms, Median(runs.Select(s => (double)s.FindingsAfterChange).ToList()), spec?.Signal, spec is null ? null : Round(spec.Kl), postDays,
            runs.All(s => s.OracleFits3x), oracle.Count < runs.Count ? $"oracle alarmed in {oracle.Count}/{runs.Count} runs" : null);
    }

    public static double? Median(IReadOnlyList<double> v)
    {
        if (v.Count == 0) return null;
        var s = v.Order().ToArray();
        return Round(s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2);
    }

    public static double Round(double v) => Math.Round(v, 2);
}
