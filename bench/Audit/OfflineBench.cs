using System.Diagnostics;

namespace Monitoring.Audit.Benchmarks;

/// <summary>Offline <c>verify --export</c>: the pipelined verifier against the previous line-by-line one, alternated on one file.</summary>
internal sealed record OfflineResult(long Events, List<double> Wall, List<double> Cpu, List<double> LegacyWall, List<double> LegacyCpu)
{
    public double Best => Events / Wall.Min();

    public double BestLegacy => Events / LegacyWall.Min();

    public IEnumerable<string> Lines => Wall.Select((w, i) =>
        $"round {i + 1}: verify --export {Events / w:N0} events/s ({Events / Cpu[i]:N0} per CPU-second); previous verifier {Events / LegacyWall[i]:N0} events/s ({Events / LegacyCpu[i]:N0} per CPU-second)");
}

internal static class OfflineBench
{
    public static OfflineResult Run(string file, int rounds)
    {
        var result = new OfflineResult(0, [], [], [], []);
        var events = 0L;
        for (var i = 0; i < rounds; i++)
        {
            events = Once(file, legacy: false, result.Wall, result.Cpu);
            var legacyEvents = Once(file, legacy: true, result.LegacyWall, result.LegacyCpu);
            if (legacyEvents != events) throw new InvalidOperationException($"the verifiers disagree: {events} against {legacyEvents} events");
        }

        return result with { Events = events };
    }

    private static long Once(string file, bool legacy, List<double> wall, List<double> cpu)
    {
        GC.Collect();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var report = legacy ? LegacyExportVerifier.Verify(input, new Dictionary<string, byte[]>()) : ExportVerifier.Verify(input, new Dictionary<string, byte[]>());
        wall.Add(sw.Elapsed.TotalSeconds);
        cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        if (!report.Ok) throw new InvalidOperationException(report.ToString());
        return report.Events;
    }
}
