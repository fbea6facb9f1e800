using BenchmarkDotNet.Attributes;

namespace Monitoring.Statistics.Benchmarks.Distribution;

/// <summary>Two-sample kernels on N reference vs N current values (N(0,1) vs N(0.05,1.1²)).</summary>
[Config(typeof(KernelBenchConfig))]
public class DistributionContinuousBenchmarks
{
    private double[] _x = [];
    private double[] _y = [];

    /// <summary>Values per sample.</summary>
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = DistributionBenchData.X(N);
        _y = DistributionBenchData.Y(N);
    }

    [Benchmark]
    public TestResult KolmogorovSmirnov() => Monitoring.Statistics.KolmogorovSmirnov.TwoSample(_x, _y);

    [Benchmark]
    public TestResult CramerVonMises() => Monitoring.Statistics.CramerVonMises.TwoSample(_x, _y);

    [Benchmark]
    public TestResult AndersonDarling() => Monitoring.Statistics.AndersonDarling.KSample([_x, _y]);

    [Benchmark]
    public TestResult MannWhitney() => Monitoring.Statistics.MannWhitney.U(_x, _y);

    [Benchmark]
    public double Wasserstein() => Distances.Wasserstein1(_x, _y);

    [Benchmark]
    public double Energy() => Distances.Energy(_x, _y);

    [Benchmark]
    public PsiResult Psi() => PopulationStability.Index(_x, _y);
}

/// <summary>Kernels on N categories (counts), N p-values, or a 2×2 table with N observations.</summary>
[Config(typeof(KernelBenchConfig))]
public class DistributionDiscreteBenchmarks
{
    private long[] _ref = [];
    private long[] _cur = [];
    private double[] _refD = [];
    private double[] _curD = [];
    private double[] _p = [];

    /// <summary>Categories, p-values, or table total.</summary>
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ref = DistributionBenchData.Counts("cref", N, 11);
        _cur = DistributionBenchData.Counts("ccur", N, 13);
        _refD = [.. _ref.Select(v => (double)v)];
        _curD = [.. _cur.Select(v => (double)v)];
        _p = DistributionBenchData.PValues(N);
    }

    [Benchmark]
    public double JensenShannon() => Distances.JensenShannon(_refD, _curD);

    [Benchmark]
    public double Hellinger() => Distances.Hellinger(_refD, _curD);

    [Benchmark]
    public double TotalVariation() => Distances.TotalVariation(_refD, _curD);

    [Benchmark]
    public TestResult ChiSquared() => Categorical.ChiSquaredHomogeneity(_ref, _cur);

    [Benchmark]
    public TestResult GTest() => Categorical.GTest(_ref, _cur);

    /// <summary>Table [[0.30N, 0.20N], [0.25N, 0.25N]] (N a multiple of 20).</summary>
    [Benchmark]
    public TestResult FisherExact() => Categorical.FisherExact(N * 3 / 10, N * 2 / 10, N / 4, N / 4);

    [Benchmark]
    public double[] BenjaminiHochberg() => MultipleTesting.BenjaminiHochberg(_p);

    [Benchmark]
    public double[] Holm() => MultipleTesting.Holm(_p);

    [Benchmark]
    public double[] Bonferroni() => MultipleTesting.Bonferroni(_p);
}

/// <summary>MMD with 200 permutations on N vs N 16-dimensional vectors (O(N²) per permutation, hence the smaller sizes).</summary>
[Config(typeof(KernelBenchConfig))]
public class DistributionMmdBenchmarks
{
    private float[][] _x = [];
    private float[][] _y = [];

    /// <summary>Vectors per sample.</summary>
    [Params(100, 250, 500)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = DistributionBenchData.Vectors(current: false, N);
        _y = DistributionBenchData.Vectors(current: true, N);
    }

    [Benchmark]
    public MmdResult Mmd() => MaximumMeanDiscrepancy.Test(_x, _y, permutations: 200, seed: 1);
}
