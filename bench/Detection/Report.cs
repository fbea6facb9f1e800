using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Monitoring.Detection;

/// <summary>Writes summary.json and summary.md (committed) and per-run details under raw/ (git-ignored).</summary>
internal static class Report
{
    public static void Write(BenchOptions o, IReadOnlyList<SummaryRow> rows, IReadOnlyList<RunScore> scores, IReadOnlyList<RunResult> nulls,
        IReadOnlyList<RunResult> newUserRuns, IReadOnlyList<RunResult> runs, double newUserYears, TruePerformance truth, TimeSpan elapsed)
    {
        Directory.CreateDirectory(Path.Combine(o.Output, "raw"));
        File.WriteAllText(Path.Combine(o.Output, "summary.json"), JsonSerializer.Serialize(rows, Benchmark.Json) + "\n");
        File.WriteAllText(Path.Combine(o.Output, "raw", "runs.json"), JsonSerializer.Serialize(new
        {
            scores,
            findings = runs.Concat(nulls).Concat(newUserRuns).Select(r => new
            {
                r.Plan, r.ChangeStart, r.ReferenceCompleteAt, r.Oracle, r.Events,
                findings = r.Findings.Select(list => list.Select(f => new { f.Id, f.Kind, f.Signal, scope = Scoring.Text(f.Constraints), f.DetectedAt, f.ChangeId, f.IsRootCause })),
            }),
        }, Benchmark.Json));

        var md = new StringBuilder();
        var label = o.Label.Length > 0 ? o.Label + ". " : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"{label}Policy `{o.Policy}`; {o.Seeds} seeds per scenario, change on day {o.ChangeDay}, default volume (cxr-triage only, ~1,100 inferences a day at 4 sites); " +
            $"oracle budget {o.Budget} false alarms per deployment-year; {Environment.ProcessorCount} cores, {elapsed.TotalSeconds:F0} s wall.");
        md.AppendLine();
        md.AppendLine("| scenario | detected | delay h, median (min–max) | oracle h, median | ratio median (min–max) | false alarms / year (years) | findings after change, median | root-cause groups, median | root cause correct | oracle watches (KL/event) | days after change |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var r in rows)
        {
            if (r.Scenario.StartsWith("null", StringComparison.Ordinal))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | | | | | **{r.FalseAlarmsPerYear:0.##}** ({r.FalseAlarms} in {r.FalseAlarmYears:0.##}) | | | | {r.Note} | |");
                continue;
            }

            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.DetectedSeeds}/{r.Seeds} | {F(r.DelayHoursMedian)} ({F(r.DelayHoursMin)}–{F(r.DelayHoursMax)}) | {F(r.OracleHoursMedian)} | {F(r.RatioMedian)} ({F(r.RatioMin)}–{F(r.RatioMax)}) | " +
                $"{r.FalseAlarmsPerYear:0.##} ({r.FalseAlarmYears:0.###}) | {F(r.FindingsAfterChangeMedian)} | {F(r.RootCauseGroups)} | {r.RootCauseCorrect}/{r.Seeds} | {r.OracleSignal} ({F(r.OracleKlPerEvent)}) | {r.PostChangeDays}{(r.OracleFits3x == false ? " (3× oracle does not fit)" : "")} |");
        }

        md.AppendLine();
        md.AppendLine("First detecting finding per run (kind, signal, scope): " + string.Join("; ",
            scores.GroupBy(s => s.Scenario).Select(g => $"{g.Key}: " + string.Join(", ", g.Select(s => s.DetectedBy ?? "none").GroupBy(x => x).Select(x => $"{x.Key} ×{x.Count()}")))) + ".");
        md.AppendLine();
        var newUser = newUserRuns.SelectMany(r => r.Findings[0]).ToList();
        var head = string.Create(CultureInfo.InvariantCulture, $"New-user policy (`{o.NewUserPolicy}`) on null traffic ({newUserRuns.Count} seeds × {o.NewUserDays} days, {newUserYears:0.##} deployment-years after the reference): {newUser.Count} findings");
        md.AppendLine(head + (newUser.Count == 0 ? "." : ": " + string.Join(", ", newUser.GroupBy(f => f.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")) +
            "; most frequent: " + string.Join(", ", newUser.GroupBy(f => $"{f.Signal} @ {Scoring.Text(f.Constraints)}").OrderByDescending(g => g.Count()).Take(5).Select(g => $"{g.Key} ×{g.Count()}")) + "."));
        var (sens, sensWhere, sensN) = truth.Lowest(sensitivity: true);
        var (spec, specWhere, specN) = truth.Lowest(sensitivity: false);
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"True performance on the null traffic (every inference, simulator truth, subgroups of the new-user policy with ≥ 500 positives / negatives): lowest sensitivity {sens:0.###} ({sensWhere}, {sensN:N0} positives), lowest specificity {spec:0.###} ({specWhere}, {specN:N0} negatives)."));
        File.WriteAllText(Path.Combine(o.Output, "summary.md"), md.ToString());
        Console.WriteLine(md);
    }

    private static string F(double? v) => v is { } x ? x.ToString("0.##", CultureInfo.InvariantCulture) : "–";
}
