using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The detector's event routing, exactly: the checkpoint (an event at or before it is ignored), the dirty set, late events
/// parked until their inference (bounded, oldest evicted, stale ids dropped from the order queue), reader feedback, and the
/// runtime rebuilt over an existing state after a restart. Tiny streams (the reference never freezes), so each test is
/// milliseconds.
/// </summary>
public sealed class DetectorExactTests
{
    private const string Key = "cxr-triage@2.3.1";

    private static PolicyHistory Policies(bool overrides = true) => History(p => p.Signals.ReaderOverrideRate = overrides);

    [Fact]
    public void GivenEventsAtOrBeforeTheCheckpoint_WhenApplied_ThenTheyAreIgnored()
    {
        var d = new Detector(Policies(), new DetectorState());

        d.Inference(5, Inference("i1"));
        d.Inference(5, Inference("i2"));
        d.GroundTruth(5, Truth("x", true), null);
        d.ReaderFeedback(5, Feedback("y", ReaderAction.Agreed), null);
        d.ReaderFeedback(4, Feedback("y", ReaderAction.Agreed), null);

        Assert.Equal(1L, d.State.Deployments[Key].Inferences);
        Assert.Empty(d.State.Pending);
        Assert.Equal(5L, d.State.LastSequence);
    }

    [Fact]
    public void GivenSkippedSequences_WhenMarked_ThenTheCheckpointOnlyMovesForward()
    {
        var d = new Detector(Policies(), new DetectorState());

        d.Skip(7);
        Assert.Equal(7L, d.State.LastSequence);
        d.Skip(3);
        d.Skip(7);
        Assert.Equal(7L, d.State.LastSequence);
        d.Inference(7, Inference("i1"));
        Assert.Empty(d.State.Deployments);
        d.Skip(8);
        Assert.Equal(8L, d.State.LastSequence);
    }

    [Fact]
    public void GivenEventsOfTwoDeployments_WhenApplied_ThenEachTouchedDeploymentIsDirtyOnceInOrdinalOrder()
    {
        var policy = Policy();
        var d = new Detector(new PolicyHistory(
        [
            new PolicyVersion("cxr-triage@2.4.0", 1, 0, policy, null, "a"),
            new PolicyVersion(Key, 1, 0, policy, null, "b"),
        ]), new DetectorState());

        d.Inference(1, Inference("i1", modelVersion: "2.4.0"));
        d.Inference(2, Inference("i2"));
        d.Inference(3, Inference("i3", modelVersion: "9.9"));

        Assert.Equal([Key, "cxr-triage@2.4.0"], d.TakeDirty());
        Assert.Empty(d.Dirty);
        d.GroundTruth(4, Truth("i2", true), new JoinedInference(2, Inference("i2")));
        Assert.Equal([Key], d.TakeDirty());
        d.ReaderFeedback(5, Feedback("i1", ReaderAction.Overrode), new JoinedInference(1, Inference("i1", modelVersion: "2.4.0")));
        Assert.Equal(["cxr-triage@2.4.0"], d.TakeDirty());
        Assert.Empty(d.TakeDirty());
    }

    [Fact]
    public void GivenFeedbackAfterItsInference_WhenApplied_ThenItCountsInTheWindowThatHeldTheInference()
    {
        var d = new Detector(Policies(), new DetectorState());
        var e = Inference("i1");
        d.Inference(1, e);

        d.ReaderFeedback(2, Feedback("i1", ReaderAction.Overrode), new JoinedInference(1, e));
        d.ReaderFeedback(3, Feedback("i1", ReaderAction.Agreed), new JoinedInference(1, e));
        d.ReaderFeedback(4, Feedback("i1", ReaderAction.NotReviewed), new JoinedInference(1, e));

        var late = d.State.Deployments[Key].Reference.Late;
        // Population and the inference's four subgroups (site, sex, ageBand, ethnicity).
        Assert.Equal(5, late.Count);
        Assert.All(late, l => Assert.Equal((2L, 1L), (l.Feedback, l.Overrides)));
        Assert.Equal(4L, d.State.LastSequence);
    }

    [Fact]
    public void GivenFeedbackWithTheOverrideRateOff_WhenApplied_ThenNothingIsCounted()
    {
        var d = new Detector(Policies(overrides: false), new DetectorState());
        var e = Inference("i1");
        d.Inference(1, e);

        d.ReaderFeedback(2, Feedback("i1", ReaderAction.Overrode), new JoinedInference(1, e));

        Assert.Empty(d.State.Deployments[Key].Reference.Late);
    }

    [Fact]
    public void GivenFeedbackAndALabelBeforeTheirInference_WhenTheInferenceArrives_ThenBothAreApplied()
    {
        var d = new Detector(Policies(), new DetectorState());

        d.ReaderFeedback(1, Feedback("i1", ReaderAction.Overrode), null);
        d.GroundTruth(2, Truth("i1", true), null);
        Assert.Equal(["i1"], d.State.PendingOrder);
        var parked = d.State.Pending["i1"];
        Assert.Equal((1L, ReaderAction.Overrode, (List<string>?)null), (parked[0].Sequence, parked[0].Action, parked[0].Labels));
        Assert.Equal((2L, (ReaderAction?)null, "pneumothorax"), (parked[1].Sequence, parked[1].Action, parked[1].Labels![0]));

        d.Inference(3, Inference("i1", score: 0.9));

        Assert.Empty(d.State.Pending);
        var population = d.State.Deployments[Key].Reference.Late[0];
        Assert.Equal((1L, 1L), (population.Feedback, population.Overrides));
        Assert.Equal((1L, 0L), (population.Labels[0].TruePositives, population.Labels[0].FalseNegatives));
    }

    [Fact]
    public void GivenLateEventsForAnInferenceWithoutAPolicy_WhenItArrives_ThenTheyAreDroppedWithoutError()
    {
        var d = new Detector(Policies(), new DetectorState());
        d.GroundTruth(1, Truth("i1", true), null);
        d.ReaderFeedback(2, Feedback("i1", ReaderAction.Overrode), null);

        d.Inference(3, Inference("i1", modelVersion: "9.9"));

        Assert.Empty(d.State.Pending);
        Assert.Empty(d.State.Deployments);
    }

    [Fact]
    public void GivenMoreParkedInferencesThanTheLimit_WhenOneMoreArrives_ThenTheOldestIsEvicted()
    {
        var d = new Detector(Policies(), new DetectorState(), new DetectorLimits(MaxPendingLateEvents: 2));

        d.GroundTruth(1, Truth("a", true), null);
        d.GroundTruth(2, Truth("b", true), null);
        d.GroundTruth(3, Truth("b", false), null); // same id: no new entry
        Assert.Equal((2, 0L), (d.State.Pending.Count, d.State.PendingEvicted));
        d.GroundTruth(4, Truth("c", true), null);

        Assert.Equal(["b", "c"], d.State.Pending.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["b", "c"], d.State.PendingOrder);
        Assert.Equal(1L, d.State.PendingEvicted);
        Assert.Equal(2, d.State.Pending["b"].Count);
    }

    [Fact]
    public void GivenAParkedIdWhoseInferenceArrived_WhenItReachesTheHeadOfTheQueue_ThenItIsDroppedFromTheOrder()
    {
        var d = new Detector(Policies(), new DetectorState(), new DetectorLimits(MaxPendingLateEvents: 2));
        d.GroundTruth(1, Truth("a", true), null);
        d.GroundTruth(2, Truth("b", true), null);
        d.Inference(3, Inference("a"));
        Assert.Equal(["a", "b"], d.State.PendingOrder); // "a" is stale but not yet dropped

        d.GroundTruth(4, Truth("c", true), null);

        Assert.Equal(["b", "c"], d.State.PendingOrder);
        Assert.Equal(0L, d.State.PendingEvicted);
        d.GroundTruth(5, Truth("d", true), null);
        Assert.Equal(["c", "d"], d.State.PendingOrder);
        Assert.Equal(1L, d.State.PendingEvicted);
    }

    [Fact]
    public void GivenTheDefaultLimit_WhenManyLateEventsAreParked_ThenNoneIsEvicted()
    {
        var d = new Detector(Policies(), new DetectorState());
        for (var i = 1; i <= 50; i++) d.GroundTruth(i, Truth("x" + i, true), null);

        Assert.Equal((50, 0L), (d.State.Pending.Count, d.State.PendingEvicted));
        Assert.Equal(100_000, new DetectorLimits().MaxPendingLateEvents);
    }

    [Fact]
    public void GivenAStateFromBeforeARestart_WhenANewDetectorResumesIt_ThenItKeepsCountingIntoTheSameState()
    {
        var state = new DetectorState();
        var first = new Detector(Policies(), state);
        first.Inference(1, Inference("i1"));
        var deployment = state.Deployments[Key];

        var resumed = new Detector(Policies(), state);
        resumed.Inference(2, Inference("i2"));
        resumed.Inference(3, Inference("i3"));

        Assert.Same(deployment, state.Deployments[Key]);
        Assert.Equal(3L, deployment.Inferences);
        Assert.Equal(3L, deployment.Reference.Bounds.Count);
        Assert.Empty(resumed.TakeEmitted());
    }
}
