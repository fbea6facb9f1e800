using Monitoring.DriftDetector.Detection;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The state's own logic, value by value: window bounds under out-of-order event times, the seeded reservoirs (Algorithm R) of
/// values, (score, label) pairs and embeddings, the confusion counts, and the SplitMix64 / FNV-1a generators every seed comes
/// from (pinned to published reference values, so a replay in another process draws the same samples).
/// </summary>
public sealed class StateExactTests
{
    [Fact]
    public void GivenSplitMix64FromZero_WhenDrawn_ThenItGivesTheReferenceSequence()
    {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, SplitMix.Next(ref state));
        Assert.Equal(0x6E789E6AA1B965F4UL, SplitMix.Next(ref state));
        Assert.Equal(0x06C45D188009454FUL, SplitMix.Next(ref state));
        Assert.Equal(unchecked(3 * 0x9E3779B97F4A7C15UL), state);
    }

    [Fact]
    public void GivenText_WhenSeeded_ThenItIsItsFnv1a64Hash()
    {
        Assert.Equal(0xCBF29CE484222325UL, SplitMix.Seed(""));
        Assert.Equal(0xAF63DC4C8601EC8CUL, SplitMix.Seed("a"));
        Assert.Equal(0x85944171F73967E8UL, SplitMix.Seed("foobar"));
    }

    [Fact]
    public void GivenEventsOutOfTimeOrder_WhenAddedToBounds_ThenFirstAndLastFollowSequenceAndTheSpanIsMaxMinusMin()
    {
        var b = new WindowBoundsState();
        Assert.False(b.Contains(0));

        b.Add(10, T0.AddMinutes(5));
        b.Add(11, T0);
        b.Add(12, T0.AddMinutes(9));
        b.Add(13, T0.AddMinutes(9));
        b.Add(14, T0.AddMinutes(2));

        Assert.Equal((5L, 10L, 14L, T0.AddMinutes(5), T0.AddMinutes(2)), (b.Count, b.FirstSequence, b.LastSequence, b.FirstTime, b.LastTime));
        Assert.Equal((T0, T0.AddMinutes(9)), (b.MinTime, b.MaxTime));
        Assert.Equal(TimeSpan.FromMinutes(9), b.Span);
        Assert.Equal([false, true, true, true, false], new long[] { 9, 10, 12, 14, 15 }.Select(b.Contains));
        Assert.Equal(new Monitoring.Contracts.WindowBounds(10, 14, T0.AddMinutes(5), T0.AddMinutes(2)), b.ToContract());
    }

    [Fact]
    public void GivenASnapshotWithoutMinAndMax_WhenItsSpanIsRead_ThenItIsLastMinusFirst()
    {
        var b = new WindowBoundsState { Count = 2, FirstTime = T0, LastTime = T0.AddHours(3) };

        Assert.Equal(TimeSpan.FromHours(3), b.Span);
    }

    [Fact]
    public void GivenAReservoir_WhenFilledPastCapacity_ThenEachValueLandsInTheSlotAlgorithmRDrawsOrIsDropped()
    {
        const int capacity = 3;
        var r = Reservoir.Create(SplitMix.Seed("reservoir"));
        var model = new double[capacity];
        var rng = r.Rng;
        var dropped = 0;
        var atCapacity = 0;
        for (var i = 0; i < 400; i++)
        {
            var slot = r.Add(i, capacity);
            int expected;
            if (i < capacity) expected = i;
            else
            {
                var j = (long)(SplitMix.Next(ref rng) % (ulong)(i + 1));
                if (j == capacity) atCapacity++;
                expected = j < capacity ? (int)j : -1;
            }

            Assert.Equal(expected, slot);
            if (expected >= 0) model[expected] = i;
            else dropped++;
        }

        Assert.Equal(model, r.Values);
        Assert.Equal(400L, r.Seen);
        Assert.True(dropped > 300 && atCapacity > 0, $"dropped {dropped}, drew the capacity itself {atCapacity} times");
    }

    [Fact]
    public void GivenALabelAccumulator_WhenPairsArrive_ThenTheConfusionCountsAreExactAndThePairSampleIsAlgorithmR()
    {
        const int maxPairs = 4;
        var a = new LabelAccumulator { Rng = SplitMix.Seed("pairs") };
        var rng = a.Rng;
        var scores = new double[maxPairs];
        var truth = new bool[maxPairs];
        for (var i = 0; i < 300; i++)
        {
            var predicted = i % 3 == 0;
            var positive = i % 5 < 2;
            a.Add(i, predicted, positive, maxPairs);
            if (i < maxPairs) (scores[i], truth[i]) = (i, positive);
            else
            {
                var j = (long)(SplitMix.Next(ref rng) % (ulong)(i + 1));
                if (j < maxPairs) (scores[j], truth[j]) = (i, positive);
            }
        }

        var tp = Enumerable.Range(0, 300).Count(i => i % 3 == 0 && i % 5 < 2);
        var fp = Enumerable.Range(0, 300).Count(i => i % 3 == 0 && i % 5 >= 2);
        var fn = Enumerable.Range(0, 300).Count(i => i % 3 != 0 && i % 5 < 2);
        Assert.Equal((tp, fp, fn, 300 - tp - fp - fn, 300L), ((int)a.TruePositives, (int)a.FalsePositives, (int)a.FalseNegatives, (int)a.TrueNegatives, a.PairsSeen));
        Assert.Equal(scores, a.Scores);
        Assert.Equal(truth, a.Truth);
        Assert.NotEqual([0.0, 1, 2, 3], a.Scores);
    }

    [Fact]
    public void GivenAnEmbeddingSample_WhenFilledPastCapacity_ThenItKeepsAnAlgorithmRSampleOfThatSize()
    {
        const int capacity = 2;
        var s = new EmbeddingSample { Rng = SplitMix.Seed("embedding") };
        var rng = s.Rng;
        var model = new float[capacity][];
        for (var i = 0; i < 100; i++)
        {
            var x = new float[] { i };
            s.Add(x, capacity);
            if (i < capacity) model[i] = x;
            else
            {
                var j = (long)(SplitMix.Next(ref rng) % (ulong)(i + 1));
                if (j < capacity) model[j] = x;
            }

            Assert.Equal(Math.Min(i + 1, capacity), s.Items.Count);
        }

        Assert.Equal(100L, s.Seen);
        Assert.Equal(model.Select(m => m[0]), s.Items.Select(m => m[0]));
        Assert.NotEqual([0f, 1f], s.Items.Select(m => m[0]));
    }

    [Fact]
    public void GivenFreshState_WhenCreated_ThenItsTextFieldsAreEmptyNotNull()
    {
        var d = new DeploymentState();
        var t = new TrackerState();
        var s = new SignalStatus();
        Assert.Equal(("", "", "", ""), (d.Key, d.Layout, d.Model.Id, d.Model.Version));
        Assert.Equal(["*"], d.ScopeKeys);
        Assert.Equal(0.5, d.Threshold);
        Assert.Equal(("", ""), (t.Signal, t.Scope));
        Assert.Equal(("", "", "", ""), (s.Scope, s.Signal, s.Method, s.State));
        Assert.Equal("", new SequentialState().Signal);
        Assert.Equal("", new ReferenceState().Id);
    }
}
