using System.Runtime.InteropServices;

namespace Monitoring.Statistics.Benchmarks.Distribution;

/// <summary>
/// Inputs of the distribution benchmarks. compare_distribution.py writes them (numpy, seeded) to the folder named by
/// DIST_BENCH_DATA so that scipy and this library time identical inputs; without it they are generated here
/// (same shapes, different numbers) so the benchmarks also run on their own.
/// </summary>
internal static class DistributionBenchData
{
    private static readonly string? Folder = Environment.GetEnvironmentVariable("DIST_BENCH_DATA");

    /// <summary>Reference sample: N(0, 1).</summary>
    public static double[] X(int n) => Doubles($"x_{n}", n, seed: 2 * n, shift: 0, scale: 1);

    /// <summary>Current sample: N(0.05, 1.1²), a mild drift.</summary>
    public static double[] Y(int n) => Doubles($"y_{n}", n, seed: 2 * n + 1, shift: 0.05, scale: 1.1);

    /// <summary>Counts over n categories (every count ≥ 1 so scipy's chi2_contingency accepts them).</summary>
    public static long[] Counts(string name, int n, int seed) => Folder is null
        ? [.. Enumerable.Range(0, n).Select(i => 1L + new Random(seed + i).Next(0, 50))]
        : MemoryMarshal.Cast<byte, long>(File.ReadAllBytes(Path.Combine(Folder, $"{name}_{n}.i64"))).ToArray();

    /// <summary>n uniform p-values.</summary>
    public static double[] PValues(int n) => Folder is null
        ? [.. Enumerable.Range(0, n).Select(i => new Random(n + i).NextDouble())]
        : Read($"p_{n}");

    /// <summary>m embedding vectors of dimension 16 (rows of the x / y samples).</summary>
    public static float[][] Vectors(bool current, int m)
    {
        var source = current ? Y(m * 16) : X(m * 16);
        return [.. Enumerable.Range(0, m).Select(i => source.AsSpan(i * 16, 16).ToArray().Select(v => (float)v).ToArray())];
    }

    private static double[] Doubles(string name, int n, int seed, double shift, double scale)
    {
        if (Folder is not null)
        {
            return Read(name);
        }

        var rng = new Random(seed);
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            // Box–Muller
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            result[i] = shift + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return result;
    }

    private static double[] Read(string name)
        => MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(Folder!, name + ".f64"))).ToArray();
}
