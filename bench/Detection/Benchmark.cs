using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Monitoring.DriftDetector.Policies;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Detection;

/// <summary>Command-line options (defaults reproduce the committed figures).</summary>
internal sealed record BenchOptions
{
    public int Seeds { get; init; } = 5;
    public int NullDays { get; init; } = 365;
    public int NewUserDays { get; init; } = 60;
    public int ChangeDay { get; init; } = 10;
    public double Budget { get; init; } = 0.5;
    public int Parallel { get; init; } = 2;
    public string[] Scenarios { get; init; } = [];
    public string Policy { get; init; } = "deploy/policies/cxr-triage.yaml";
    public string NewUserPolicy { get; init; } = "bench/Detection/policies/new-user.yaml";
    public string Output { get; init; } = "bench/Detection/results";
    public string Label { get; init; } = "";

    /// <summary>0: events in generation order; otherwise the chunk size of <see cref="RunPlan.StorageChunk"/> (change runs only).</summary>
    public int StorageChunk { get; init; }

    /// <summary>Simulated days after the change per scenario: 3× the oracle's delay and the detector's windows must fit (checked per run).</summary>
    public static int PostChangeDays(string scenario) => scenario switch
    {
        "subgroup-decay" => 120,   // labelled positives of a 14 % subgroup: the oracle needs weeks, a pooled comparison months
        "gradual-drift" => 42,     // 28-day ramp
        "prevalence-shift" => 21,  // 7-day ramp, labels arrive over days
        "new-site" => 14,          // 3-day volume ramp
        _ => 7,
    };

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--seeds" => o with { Seeds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--null-days" => o with { NullDays = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--new-user-days" => o with { NewUserDays = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--parallel" => o with { Parallel = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--scenarios" => o with { Scenarios = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--policy" => o with { Policy = Next() },
                "--new-user-policy" => o with { NewUserPolicy = Next() },
                "--out" => o with { Output = Next() },
                "--label" => o with { Label = Next() },
                "--storage-chunk" => o with { StorageChunk = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --seeds N --null-days D --new-user-days D --parallel P --scenarios a,b --policy F --new-user-policy F --out DIR --label TEXT --storage-chunk N"),
            };
        }

        return o;
    }
}

/// <summary>
/// The benchmark: null deployment-years (false alarms of both policies; the oracle specs learn their pre-change laws there), then
/// every change scenario × seed (detector delay, oracle delay, findings and root-cause groups), then the summary files.
/// </summary>
internal static class Benchmark
{
    public static int Run(BenchOptions o)
    {
        var clock = Stopwatch.StartNew();
        var policy = Load(o.Policy);
        var newUser = Load(o.NewUserPolicy);
        var embedding = policy.Policy.Signals.Embedding.Enabled || newUser.Policy.Signals.Embedding.Enabled;
        var scenarios = o.Scenarios.Length > 0 ? o.Scenarios : ScenarioCatalog.List.Select(s => s.Name).Where(n => n != "null").ToArray();
        var seeds = Enumerable.Range(1, o.Seeds).Select(s => (long)s).ToArray();
        var specs = new Dictionary<string, OracleSpec>(StringComparer.Ordinal);
        foreach (var s in scenarios)
        {
            var g = RunEngine.Generator(new RunPlan(s, 1, o.ChangeDay + BenchOptions.PostChangeDays(s), o.ChangeDay), embedding);
            specs[s] = OracleSpec.For(g.Scenario.Changes[0], g) ?? throw new InvalidOperationException($"No oracle for scenario {s}.");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Parallel };
        var nulls = new ConcurrentBag<RunResult>();
        var truth = new TruePerformance(newUser.Policy.Subgroups.Attributes, newUser.Policy.Subgroups.Intersections.Select(x => x.ToArray()).ToList());
        Console.WriteLine($"null traffic: {seeds.Length} seeds × {o.NullDays} days under {o.Policy}, {o.NewUserDays} days under {o.NewUserPolicy} ...");
        Parallel.ForEach(seeds, parallel, seed =>
            nulls.Add(RunEngine.Run(new RunPlan("null", seed, o.NullDays, o.NullDays), [policy], embedding, _ => null, [.. specs.Values], truth)));
        var newUserRuns = new ConcurrentBag<RunResult>();
        Parallel.ForEach(seeds, parallel, seed =>
            newUserRuns.Add(RunEngine.Run(new RunPlan("null", seed, o.NewUserDays, o.NewUserDays), [newUser], embedding, _ => null, null)));
        var nullYears = nulls.Sum(r => (r.End - r.ReferenceCompleteAt!.Value).TotalDays) / 365.25;
        var learnYears = nulls.Sum(r => (r.End - r.Start).TotalDays) / 365.25;
        Console.WriteLine($"  {nulls.Sum(r => r.Events):N0} events in {clock.Elapsed.TotalSeconds:F0} s");

        var plans = scenarios.SelectMany(s => seeds.Select(seed => new RunPlan(s, seed, o.ChangeDay + BenchOptions.PostChangeDays(s), o.ChangeDay, o.StorageChunk))).ToArray();
        var results = new ConcurrentBag<RunResult>();
        Parallel.ForEach(plans, parallel, plan =>
        {
            var spec = specs[plan.Scenario];
            var arl = spec.ObservationsPerYear(learnYears) / o.Budget;
            var r = RunEngine.Run(plan, [policy], embedding, _ => (spec, arl), null);
            results.Add(r);
            Console.WriteLine($"  {plan.Scenario} seed {plan.Seed}: {r.Events:N0} events, {r.Findings[0].Count} findings, oracle {(r.Oracle?.AlarmAt is { } a ? $"{(a - r.ChangeStart!.Value).TotalHours:F1} h" : "no alarm")} ({clock.Elapsed.TotalSeconds:F0} s)");
        });

        var scores = results.OrderBy(r => Array.IndexOf(scenarios, r.Plan.Scenario)).ThenBy(r => r.Plan.Seed)
            .Select(r => Scoring.Score(r, specs[r.Plan.Scenario].Change)).ToList();
        var rows = scenarios.Select(s => Scoring.Aggregate(s, scores.Where(x => x.Scenario == s).ToList(), specs[s], BenchOptions.PostChangeDays(s))).ToList();
        rows.Add(NullRow("null", nulls, 0, scores, nullYears));
        var newUserYears = newUserRuns.Sum(r => (r.End - r.ReferenceCompleteAt!.Value).TotalDays) / 365.25;
        rows.Add(NullRow("null (new-user policy)", newUserRuns, 0, [], newUserYears) with { Note = "null deployment-years only" });
        Report.Write(o, rows, scores, [.. nulls], [.. newUserRuns], [.. results], newUserYears, truth, clock.Elapsed);
        return 0;
    }

    // False alarms per deployment-year: findings opened in null traffic after the reference was complete, plus (benchmark policy)
    // every pre-change period of the change runs.
    private static SummaryRow NullRow(string name, IEnumerable<RunResult> nulls, int policy, IReadOnlyList<RunScore> scores, double nullYears)
    {
        var alarms = nulls.Sum(r => r.Findings[policy].Count) + scores.Sum(s => s.PreChangeFalseAlarms);
        var years = nullYears + scores.Sum(s => s.PreChangeYears);
        var seeds = nulls.Count();
        return new SummaryRow(name, seeds, null, null, null, null, 0, Scoring.Round(alarms / years), null, 0, null, null, null,
            Scoring.Round(years), alarms, null, null, null, null, null,
            "null deployment-years plus every pre-change period of the change runs");
    }

    private static LoadedPolicy Load(string path) => PolicyLoader.Load(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path)));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
