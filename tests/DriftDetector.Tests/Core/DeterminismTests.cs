using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>Replay determinism of the pure core: same events + same policy history → the same findings, ids and numbers.</summary>
public sealed class DeterminismTests
{
    private static IEnumerable<SyntheticEvent> Stream() => new SyntheticStream(21, InjectedChange.SensitivityDropInElderly, 12_000).Generate(36_000);

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenTheSameHistory_WhenReplayedTwice_ThenTheFindingsAreIdentical()
    {
        var first = new CoreHarness().Feed(Stream());
        var second = new CoreHarness().Feed(Stream());

        Assert.NotEmpty(first.Opened);
        Assert.Contains(first.Emitted, e => e is PerformanceReconciled);
        Assert.Equal(CoreHarness.Json(first.Emitted), CoreHarness.Json(second.Emitted));
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenARestartFromASnapshotMidStream_WhenTheRestIsApplied_ThenTheFindingsEqualAnUninterruptedRun()
    {
        var events = Stream().ToList();
        var uninterrupted = new CoreHarness().Feed(events);

        var restarted = new CoreHarness();
        restarted.Feed(events.Take(17_345));
        restarted.Restart();
        restarted.Feed(events.Skip(17_345));

        Assert.Equal(CoreHarness.Json(uninterrupted.Emitted), CoreHarness.Json(restarted.Emitted));
    }

    [Fact]
    public void GivenAnEventAtOrBelowTheCheckpoint_WhenApplied_ThenItIsIgnored()
    {
        var events = Stream().Take(15_000).ToList();
        var h = new CoreHarness().Feed(events);
        var inferences = h.Detector.State.Deployments.Values.Single().Inferences;

        h.Detector.Inference(100, (Monitoring.Contracts.InferenceRecorded)events.First(e => e.Data is Monitoring.Contracts.InferenceRecorded).Data);

        Assert.Equal(inferences, h.Detector.State.Deployments.Values.Single().Inferences);
    }
}
