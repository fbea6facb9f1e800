using System.Text.Json;

namespace Monitoring.Audit.Benchmarks;

/// <summary>One export run: events, seconds, the child process's peak RSS (VmHWM, KiB), file size, load average then.</summary>
internal sealed record ExportRun(long Rows, double Seconds, long PeakRssKb, long Bytes, string Load);

/// <summary>Writes the committed summary (markdown and JSON) of one run of the audit benchmark.</summary>
internal static class BenchSummary
{
    public static async Task WriteAsync(BenchArgs a, double? fill, double? chain, List<double> plain, List<double> verify, List<ExportRun> exports, OfflineResult offline)
    {
        var machine = $"{Environment.ProcessorCount} logical cores; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}; PostgreSQL 15 (local, shared)";
        var load = File.ReadAllText("/proc/loadavg")[..14].Trim();
        var bestPlain = a.Rows / plain.Min();
        var bestVerify = a.Rows / verify.Min();
        // The ratio is taken per round (plain read and verify back to back), so a burst of load from other work on this shared
        // machine hits both sides of one round; the best round and the median are both given.
        var ratios = plain.Zip(verify, (p, v) => p / v).Order().ToList();
        var median = ratios[ratios.Count / 2];
        var command = $"dotnet run -c Release --project bench/Audit -- --rows {a.Rows} --sizes {string.Join(',', a.Sizes)} --rounds {a.Rounds}";
        var md = $"""
            # Audit chain benchmark

            {a.Rows:N0} inference-shaped events (≈600 bytes of JSON each; correlation id, causation id and headers with a content hash set, as the Ingest writes them): 2,000 written by Marten into a fresh
            Ingest-shaped store, the rest replicated from them in SQL; {machine}; load average {load} at the end.
            Command: `{command}`.

            | figure | value | bar |
            |---|---|---|
            | chaining follower (read, hash, write the links a row per page) | {(chain is { } c ? $"{a.Rows / c:N0} events/s, {AuditBench.ChainCpuMicrosPerEvent:F1} µs of its own CPU per event (PostgreSQL's not counted)" : "(store reused from an earlier run: --schema)")} | — |
            | plain read of the same rows and columns (best of {a.Rounds}) | {bestPlain:N0} rows/s | baseline |
            | `verify` from the database (best of {a.Rounds}) | {bestVerify:N0} events/s | — |
            | `verify` / plain read, same round (best; median) | **{ratios[^1]:F2} ×**; {median:F2} × | ≥ 0.8 × |
            | offline `verify --export` of {offline.Events:N0} events (best of {a.Rounds}) | **{offline.Best:N0} events/s** wall, {offline.Events / offline.Cpu.Min():N0} per CPU-second | ≥ 200,000/s |
            | previous (line-by-line) offline verifier, same file, alternated | {offline.BestLegacy:N0} events/s wall, {offline.Events / offline.LegacyCpu.Min():N0} per CPU-second; speed-up **{offline.Best / offline.BestLegacy:F1} ×** | — |
            | (filling the store, for scale) | {(fill is { } f ? $"{a.Rows / f:N0} events/s" : "(store reused from an earlier run: --schema)")} | — |

            Rounds (plain read / verify, events/s): {string.Join("; ", plain.Zip(verify, (p, v) => $"{a.Rows / p:N0} / {a.Rows / v:N0}"))}.
            Offline rounds (pipelined / previous, events/s): {string.Join("; ", offline.Wall.Zip(offline.LegacyWall, (w, l) => $"{offline.Events / w:N0} / {offline.Events / l:N0}"))}.

            Export to NDJSON, each size in a fresh process (peak RSS = the process's VmHWM):

            | events | seconds | events/s | file MiB | peak RSS MiB | load average then |
            |---|---|---|---|---|---|
            {string.Join("\n", exports.Select(e => $"| {e.Rows:N0} | {e.Seconds:F1} | {e.Rows / e.Seconds:N0} | {e.Bytes / 1048576.0:F0} | {e.PeakRssKb / 1024.0:F0} | {e.Load["load ".Length..]} |"))}

            """;
        Directory.CreateDirectory(Path.GetDirectoryName(a.Output)!);
        await File.WriteAllTextAsync(a.Output, md);
        await File.WriteAllTextAsync(Path.ChangeExtension(a.Output, ".json"), JsonSerializer.Serialize(new
        {
            a.Rows, machine, load, command, chainEventsPerSecond = chain is { } cs ? a.Rows / cs : (double?)null, chainCpuMicrosPerEvent = AuditBench.ChainCpuMicrosPerEvent,
            plainRowsPerSecond = plain.Select(p => a.Rows / p), verifyEventsPerSecond = verify.Select(v => a.Rows / v), ratios,
            offlineEventsPerSecond = offline.Wall.Select(o => offline.Events / o), offlineEventsPerCpuSecond = offline.Cpu.Select(o => offline.Events / o),
            previousOfflineEventsPerSecond = offline.LegacyWall.Select(o => offline.Events / o),
            exports,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(md);
    }
}
