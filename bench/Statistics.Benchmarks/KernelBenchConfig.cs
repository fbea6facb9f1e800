using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Monitoring.Statistics.Benchmarks;

/// <summary>
/// The one job of every kernel benchmark here: in-process (BenchmarkDotNet's generated project cannot follow this
/// project's assembly name), 1 launch, 6 warm-ups (with 2, the first 1k cases measured up to 80× slower than the same
/// benchmark run alone), 5 iterations of at least 250 ms, so a whole suite runs in minutes. No MemoryDiagnoser: with
/// the in-process toolchain of BenchmarkDotNet 0.15.8 it made a 0.1 ms KS call measure 2.7 ms. The compare_*.py
/// drivers also run it with tiered compilation off (DOTNET_TieredCompilation=0), because on this loaded machine the
/// background tier-up lagged by seconds and early benchmarks measured tier-0 code.
/// </summary>
public sealed class KernelBenchConfig : ManualConfig
{
    public KernelBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(6)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(250)));
    }
}
