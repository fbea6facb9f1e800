using System.Security.Cryptography;
using System.Text.Json;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

public class DeterminismTests
{
    private static SimulationSettings Small(long seed, string scenario = "firmware-update") => new()
    {
        Seed = seed,
        Days = 6,
        Volume = 0.4,
        Scenario = scenario,
        ScenarioParameters = new() { ChangeStart = SimulationSettings.DefaultStart + TimeSpan.FromDays(3) },
    };

    private static async Task<string> RunToFilesAsync(SimulationSettings settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sim-determinism-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var sink = new FileSink(directory))
            {
                await SimulationRunner.RunAsync(new TrafficGenerator(settings), sink);
            }

            var hashes = new[] { FileSink.InferencesFile, FileSink.GroundTruthFile, FileSink.ReaderFeedbackFile }
                .Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, f)))));
            return string.Join("/", hashes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task GivenSameSeedAndSettings_WhenRunTwice_ThenFilesAreByteIdentical()
    {
        var first = await RunToFilesAsync(Small(11));
        var second = await RunToFilesAsync(Small(11));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task GivenDifferentSeeds_WhenRun_ThenOutputsDiffer()
    {
        Assert.NotEqual(await RunToFilesAsync(Small(11)), await RunToFilesAsync(Small(12)));
    }

    [Fact]
    public void GivenScenario_WhenComparedWithNullScenario_ThenEverythingBeforeTheChangeIsIdenticalExceptIds()
    {
        var scenario = Sample.Generate(Small(5, "lateral-views"));
        var baseline = Sample.Generate(Small(5, "null"));
        var start = scenario.ChangeStart;

        static string WithoutId(InferenceEvent e) => JsonSerializer.Serialize(e.Message with { InferenceId = "x" }, WireFormat.Options);
        var before = scenario.Inferences.Where(e => e.At < start).Select(WithoutId).ToArray();
        var baselineBefore = baseline.Inferences.Where(e => e.At < start).Select(WithoutId).ToArray();
        Assert.NotEmpty(before);
        Assert.Equal(baselineBefore, before);

        // And the change really changes what comes after.
        var after = scenario.Inferences.Where(e => e.At >= start).Select(WithoutId);
        var baselineAfter = baseline.Inferences.Where(e => e.At >= start).Select(WithoutId);
        Assert.NotEqual(baselineAfter, after);
    }

    [Fact]
    public void GivenTwoScenarios_WhenGenerated_ThenInferenceIdsNeverCollide()
    {
        var a = Sample.Generate(Small(5, "null")).Inferences.Select(e => e.Message.InferenceId).ToHashSet();
        var b = Sample.Generate(Small(5, "paediatric-mix")).Inferences.Select(e => e.Message.InferenceId);
        Assert.DoesNotContain(b, a.Contains);
        Assert.Equal(a.Count, Sample.Generate(Small(5, "null")).Inferences.Count);
    }

    [Fact]
    public void GivenRunTag_WhenGenerated_ThenIdsChangeButContentDoesNot()
    {
        var plain = Sample.Generate(Small(5, "null")).Inferences.Take(50).ToArray();
        var tagged = Sample.Generate(Small(5, "null") with { RunTag = "demo-2" }).Inferences.Take(50).ToArray();
        Assert.All(plain.Zip(tagged), p =>
        {
            Assert.NotEqual(p.First.Message.InferenceId, p.Second.Message.InferenceId);
            Assert.Equal(p.First.Message.Features, p.Second.Message.Features);
        });
    }

    [Fact]
    public void GivenTimeline_WhenEnumerated_ThenEventTimesNeverDecreaseAndStayInsideThePeriod()
    {
        var sample = Sample.Generate(Small(3));
        var settings = sample.Generator.Settings;
        Assert.All(sample.All.Zip(sample.All.Skip(1)), p => Assert.True(p.First.At <= p.Second.At, $"{p.First.At:O} > {p.Second.At:O}"));
        Assert.All(sample.All, e => Assert.InRange(e.At, settings.Start, settings.End));
    }
}

public class PacingTests
{
    [Fact]
    public async Task GivenRateLimit_WhenRunning_ThenEventsAreNotEmittedFasterThanTheRate()
    {
        var generator = new TrafficGenerator(new SimulationSettings { Seed = 1, Days = 1, Volume = 0.5, Models = ["cxr-triage"], EmbeddingDimensions = 0 });
        var events = generator.Generate().Count();
        var rate = events / 0.8; // the whole run must take at least ~0.8 s
        var result = await SimulationRunner.RunAsync(generator, new NullSink(), eventsPerSecond: rate);
        Assert.Equal(events, result.Statistics.Events);
        Assert.True(result.Elapsed >= TimeSpan.FromSeconds(0.7), $"{events} events at {rate:0}/s took only {result.Elapsed.TotalSeconds:0.000} s");
    }
}
