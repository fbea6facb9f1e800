using System.Globalization;
using System.Text;

namespace Monitoring.Audit.Benchmarks;

/// <summary>Writes bench/Audit/results/chain-cost.md: per round and follower, CPU per event on both sides, and the medians.</summary>
internal static class ChainCostSummary
{
    public static async Task WriteAsync(long rows, int follow, int rounds, List<(int Round, string Follower, string Mode, ChainCost.Cost Cost)> results)
    {
        var t = new StringBuilder();
        var followers = results.Select(x => x.Follower).Distinct().Order(StringComparer.Ordinal).Reverse().ToList();
        t.AppendLine($"# What the chaining follower costs per event: {string.Join(" against ", followers)} (same run)");
        t.AppendLine();
        t.AppendLine("Previous: the chain stored one row per sequence number (a binary COPY per page). Current: one row per page, the entries packed.");
        t.AppendLine();
        t.AppendLine(Inv($"A store of {rows:N0} Ingest-shaped events (≈ 600 bytes of JSON; correlation id, causation id and headers with a content hash set, as the Ingest writes them). Per round, each follower in"));
        t.AppendLine("alternating order: **bulk** (the chain dropped and the whole store chained again, pages of 5,000) and **follow** (two");
        t.AppendLine(Inv($"writers in a child process append {follow:N0} events in concurrent transactions of 200 while the follower follows, polling"));
        t.AppendLine("every 200 ms as in the services). CPU time of this process (the follower)");
        t.AppendLine("and of the PostgreSQL backends serving the follower's connections (/proc/<pid>/stat), per chained event, after one");
        t.AppendLine("unmeasured bulk pass of each follower (JIT). The store grows by the follow rounds, so later bulk rounds chain more.");
        t.AppendLine(Inv($"Command: `dotnet run -c Release --project bench/Audit -- chain-cost --rows {rows} --follow {follow} --rounds {rounds}`; load average at the end {File.ReadAllText("/proc/loadavg")[..14].Trim()} on {Environment.ProcessorCount} cores."));
        t.AppendLine();
        t.AppendLine("| round | follower | mode | events | events/s | follower process µs/event | PostgreSQL backends µs/event | total µs/event | pages | load at start |");
        t.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (round, follower, mode, c) in results)
        {
            t.AppendLine(Inv($"| {round} | {follower} | {mode} | {c.Events:N0} | {c.Rate:N0} | {c.ProcessMicros:F1} | {c.PostgresMicros:F1} | {c.ProcessMicros + c.PostgresMicros:F1} | {c.Pages:N0} | {c.Load[5..]} |"));
        }

        t.AppendLine();
        t.AppendLine("| mode | follower | median process µs/event | median PostgreSQL µs/event | median total µs/event |");
        t.AppendLine("|---|---|---|---|---|");
        foreach (var mode in new[] { "bulk", "follow" })
        {
            foreach (var follower in followers)
            {
                var set = results.Where(x => x.Mode == mode && x.Follower == follower).Select(x => x.Cost).ToList();
                t.AppendLine(Inv($"| {mode} | {follower} | {Median(set.Select(c => c.ProcessMicros)):F1} | {Median(set.Select(c => c.PostgresMicros)):F1} | {Median(set.Select(c => c.ProcessMicros + c.PostgresMicros)):F1} |"));
            }
        }

        var path = Path.Combine(BenchArgs.Root(), "bench", "Audit", "results", "chain-cost.md");
        await File.WriteAllTextAsync(path, t.ToString());
        Console.WriteLine(t.ToString());
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
