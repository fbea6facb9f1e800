using System.Runtime.InteropServices;

namespace Monitoring.Statistics.Benchmarks.Performance;

/// <summary>
/// Inputs of the performance benchmarks. compare_performance.py writes them (numpy, seeded) to the folder named by
/// PERF_BENCH_DATA so that scikit-learn / numpy and this library time identical inputs; without it they are generated here
/// (same shapes, different numbers) so the benchmarks also run on their own.
/// Scores are uniform in [0, 1]; labels are Bernoulli(score) (so the scores are calibrated and the AUROC is about 0.83);
/// the stream for the sequential detectors is N(0, 1).
/// </summary>
internal static class PerformanceBenchData
{
    private static readonly string? Folder = Environment.GetEnvironmentVariable("PERF_BENCH_DATA");

    public static double[] Scores(int n)
    {
        if (Folder is not null) return MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(Folder, $"scores_{n}.f64"))).ToArray();
        var rng = new Random(n);
        return [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble())];
    }

    public static bool[] Labels(int n, double[] scores)
    {
        if (Folder is not null) return [.. File.ReadAllBytes(Path.Combine(Folder, $"labels_{n}.u8")).Select(b => b != 0)];
        var rng = new Random(n + 1);
        return [.. scores.Select(s => rng.NextDouble() < s)];
    }

    public static double[] Stream(int n)
    {
        if (Folder is not null) return MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(Folder, $"stream_{n}.f64"))).ToArray();
        var rng = new Random(n + 2);
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            x[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return x;
    }
}
