using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// One deployment's runtime on a handful of hand-built inferences: subgroup keys and their cap (also after a restart), the
/// reference kinds (first events, date range, uploaded profile) and what freezing computes, the accumulators and the seeds
/// of their samples, labels (threshold, missing score, too late) and the close-out of a replaced policy version.
/// </summary>
public sealed class RuntimeExactTests
{
    private const string Key = "cxr-triage@2.3.1";

    private static Detector New(Action<MonitoringPolicy>? change = null, DetectorState? state = null) => new(History(change), state ?? new DetectorState());

    private static DeploymentState Feed(Detector d, params InferenceRecorded[] events)
    {
        foreach (var e in events) d.Inference(d.State.LastSequence + 1, e);
        return d.State.Deployments[Key];
    }

    [Fact]
    public void GivenSubgroupValues_WhenResolved_ThenKeysAreEscapedIntersectionsJoinedIncompleteOnesSkippedAndEachAttributeCapped()
    {
        var d = New(p =>
        {
            p.Subgroups.Attributes = ["site", "sex", "ethnicity"];
            p.Subgroups.Intersections = [["site", "sex"]];
            p.Subgroups.MaxValuesPerAttribute = 2;
        });

        var s = Feed(d,
            Inference("i1", site: "A", sex: "M", ethnicity: null),
            Inference("i2", site: "x=y", sex: "F", ethnicity: "group-a"),
            Inference("i3", site: "C", sex: "M", ethnicity: "group-a"));

        Assert.Equal(["*", "site=A", "sex=M", "site=A&sex=M", "site=x%3Dy", "sex=F", "ethnicity=group-a", "site=x%3Dy&sex=F"], s.ScopeKeys);
        // i3: site=C is a third site (capped), site=C&sex=M a third intersection value (capped).
        Assert.Equal(2L, s.UntrackedScopeValues);
        // Population, then i1's three subgroups, i2's four, i3's two.
        Assert.Equal([3L, 1, 2, 1, 1, 1, 2, 1], s.Reference.Scopes.Select(a => a.Count));
    }

    [Fact]
    public void GivenCappedSubgroups_WhenTheDetectorRestartsOverTheSameState_ThenTheCapStillHolds()
    {
        var state = new DetectorState();
        Action<MonitoringPolicy> policy = p =>
        {
            p.Subgroups.Attributes = ["site"];
            p.Subgroups.MaxValuesPerAttribute = 2;
        };
        Feed(New(policy, state), Inference("i1", site: "A"), Inference("i2", site: "B"));

        var s = Feed(New(policy, state), Inference("i3", site: "C"), Inference("i4", site: "A"));

        Assert.Equal(["*", "site=A", "site=B"], s.ScopeKeys);
        Assert.Equal(1L, s.UntrackedScopeValues);
    }

    [Fact]
    public void GivenReferenceInferences_WhenAccumulated_ThenEachSignalIsCountedPerScopeAndSampledWithItsOwnSeed()
    {
        var d = New(p =>
        {
            p.Subgroups.Attributes = ["site"];
            p.Reference.MaxSample = 3;
            p.Performance.MaxPairs = 2;
        });
        var events = Enumerable.Range(0, 12).Select(i => Inference($"i{i}", site: "A", intensity: i, manufacturer: i % 3 == 0 ? "GE" : "SIEMENS", score: i / 12.0)).ToArray();

        var s = Feed(d, events);
        for (var i = 0; i < 12; i++) d.GroundTruth(100 + i, Truth($"i{i}", i % 2 == 0), new JoinedInference(i + 1, events[i]));

        var population = s.Reference.Scopes[0];
        Assert.Equal((12L, 3, 2), (population.Count, population.Numeric.Count, population.Categorical.Count));
        Assert.Equal(new Dictionary<string, long> { ["GE"] = 4, ["SIEMENS"] = 8 }, population.Categorical[0]);
        Assert.Equal(new Dictionary<string, long> { ["negative"] = 6, ["positive"] = 6 }, population.Categorical[1]);
        foreach (var (scope, si) in new[] { ("*", 0), ("site=A", 1) })
        {
            var expected = Reservoir.Create(SplitMix.Seed($"{Key}|ref|{scope}|feature:meanIntensity"));
            foreach (var e in events) expected.Add(e.Features["meanIntensity"], 3);
            Assert.Equal(expected.Values, s.Reference.Scopes[si].Numeric[0].Values);

            var pairs = new LabelAccumulator { Rng = SplitMix.Seed($"{Key}|late|{scope}|pneumothorax") };
            for (var i = 0; i < 12; i++) pairs.Add(i / 12.0, i / 12.0 >= 0.5, i % 2 == 0, 2);
            Assert.Equal(pairs.Scores, s.Reference.Late[si].Labels[0].Scores);
            Assert.Equal(pairs.Truth, s.Reference.Late[si].Labels[0].Truth);
        }
    }

    [Fact]
    public void GivenAFrozenReference_WhenWindowInferencesArrive_ThenTheWindowSamplesWithItsOwnSeed()
    {
        var d = New(p =>
        {
            p.Subgroups.Attributes = [];
            p.Reference.Count = 2;
            p.Window.MaxSample = 3;
            p.Window.Count = 100;
        });
        var events = Enumerable.Range(0, 14).Select(i => Inference($"i{i}", intensity: i)).ToArray();

        var s = Feed(d, events);

        Assert.True(s.Reference.Frozen);
        var expected = Reservoir.Create(SplitMix.Seed($"{Key}|w0|*|feature:meanIntensity"));
        foreach (var e in events.Skip(2)) expected.Add(e.Features["meanIntensity"], 3);
        Assert.Equal(expected.Values, s.Current.Scopes[0].Numeric[0].Values);
        Assert.Equal(12L, s.Current.Scopes[0].Count);
        Assert.Equal(0.5, s.Reference.Means![0]);
    }

    [Fact]
    public void GivenEmbeddings_WhenTheReferenceAccumulates_ThenOneSeededSampleOfThePopulationKeepsThem()
    {
        var d = New(p =>
        {
            p.Subgroups.Attributes = ["site"];
            p.Signals.Embedding.Enabled = true;
            p.Signals.Embedding.Sample = 2;
        });
        var events = Enumerable.Range(0, 10).Select(i => Inference($"i{i}", embedding: [i, 1])).ToArray();

        var s = Feed(d, events);

        var expected = new EmbeddingSample { Rng = SplitMix.Seed($"{Key}|ref|embedding") };
        foreach (var e in events) expected.Add(e.Embedding!, 2);
        Assert.Equal(expected.Items.Select(x => x[0]), s.Reference.Scopes[0].Embeddings!.Items.Select(x => x[0]));
        Assert.Equal(10L, s.Reference.Scopes[0].Embeddings!.Seen);
        Assert.Null(s.Reference.Scopes[1].Embeddings);
    }

    [Fact]
    public void GivenADateRangeReference_WhenEventsArrive_ThenOnlyThoseFromItsStartAreTakenAndTheFirstAtItsEndFreezesIt()
    {
        var d = New(p =>
        {
            p.Subgroups.Attributes = [];
            p.Reference.Kind = "date-range";
            p.Reference.From = T0.AddHours(1);
            p.Reference.To = T0.AddHours(2);
        });

        var s = Feed(d,
            Inference("i0", at: T0.AddHours(1).AddTicks(-1), intensity: 1000),
            Inference("i1", at: T0.AddHours(1), intensity: 10),
            Inference("i2", at: T0.AddHours(2).AddTicks(-1), intensity: 20));
        Assert.False(s.Reference.Frozen);
        Feed(d, Inference("i3", at: T0.AddHours(2), intensity: 30));

        Assert.True(s.Reference.Frozen);
        Assert.Equal((2L, 2L, 3L), (s.Reference.Bounds.Count, s.Reference.Bounds.FirstSequence, s.Reference.Bounds.LastSequence));
        Assert.Equal($"{Key}/v1/ref/2-3", s.Reference.Id);
        Assert.Equal((1L, 4L), (s.Current.Bounds.Count, s.Current.Bounds.FirstSequence));
        Assert.Equal(4L, s.Inferences);
        Assert.Equal(15.0, s.Reference.Means![0], 12);
        Assert.Equal(Math.Sqrt(50), s.Reference.StandardDeviations![0], 12);
    }

    [Fact]
    public void GivenADateRangeReferenceThatSawNothing_WhenItsEndPasses_ThenItFreezesEmptyWithZeroMeansAndDeviations()
    {
        var d = New(p =>
        {
            p.Reference.Kind = "date-range";
            p.Reference.From = T0;
            p.Reference.To = T0.AddHours(1);
        });

        var s = Feed(d, Inference("i1", at: T0.AddHours(5)));

        Assert.True(s.Reference.Frozen);
        Assert.Empty(s.Reference.Scopes);
        Assert.Equal([0.0, 0.0, 0.0], s.Reference.Means!);
        Assert.Equal([0.0, 0.0, 0.0], s.Reference.StandardDeviations!);
    }

    [Fact]
    public void GivenAnUploadedProfile_WhenTheDeploymentStarts_ThenTheReferenceIsLoadedFrozenFromIt()
    {
        var policy = Policy(p =>
        {
            p.Reference.Kind = "uploaded";
            p.Subgroups.Attributes = ["site"];
            p.Subgroups.MaxValuesPerAttribute = 1;
        });
        var profile = new ReferenceProfile
        {
            Id = "profile-7",
            Scopes = new()
            {
                ["site=B"] = new() { ["feature:meanIntensity"] = new ProfileSignal { Values = [5, 6] } },
                ["*"] = new()
                {
                    ["feature:meanIntensity"] = new ProfileSignal { Values = [1, 2, 3] },
                    ["study:manufacturer"] = new ProfileSignal { Counts = new() { ["GE"] = 4, ["SIEMENS"] = 5 } },
                    ["feature:unknown"] = new ProfileSignal { Values = [9] },
                },
                ["site=C"] = new() { ["feature:meanIntensity"] = new ProfileSignal { Values = [7] } },
            },
        };
        var emitted = new List<object>();

        var rt = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 1, 0, policy, profile, "h"), null, emitted, 0);

        var r = rt.State.Reference;
        Assert.True(r.Frozen);
        Assert.Equal("profile-7", r.Id);
        // Ordinal order: "*" first, then site=B (tracked), site=C over the cap of one site.
        Assert.Equal(["*", "site=B"], rt.State.ScopeKeys);
        Assert.Equal(1L, rt.State.UntrackedScopeValues);
        Assert.Equal([1.0, 2, 3], r.Scopes[0].Numeric[0].Values);
        Assert.Empty(r.Scopes[0].Numeric[1].Values);
        Assert.Equal(new Dictionary<string, long> { ["GE"] = 4, ["SIEMENS"] = 5 }, r.Scopes[0].Categorical[0]);
        Assert.Equal(9L, r.Scopes[0].Count);
        Assert.Equal([5.0, 6], r.Scopes[1].Numeric[0].Values);
        Assert.Equal(2L, r.Scopes[1].Count);
        Assert.Equal(2.0, r.Means![0]);
        Assert.Empty(emitted);
    }

    [Fact]
    public void GivenAProfileWithAnEmptyScopeKey_WhenLoaded_ThenItIsThePopulation()
    {
        var policy = Policy(p => p.Reference.Kind = "uploaded");
        var profile = new ReferenceProfile { Id = "p", Scopes = new() { [""] = new() { ["feature:meanIntensity"] = new ProfileSignal { Values = [4, 8] } } } };

        var rt = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 1, 0, policy, profile, "h"), null, [], 0);

        Assert.Equal(["*"], rt.State.ScopeKeys);
        Assert.Equal([4.0, 8], rt.State.Reference.Scopes[0].Numeric[0].Values);
        Assert.Equal(2L, rt.State.Reference.Scopes[0].Count);
    }

    [Fact]
    public void GivenAProfileButAnotherReferenceKind_WhenTheDeploymentStarts_ThenTheProfileIsIgnored()
    {
        var profile = new ReferenceProfile { Id = "p", Scopes = new() { ["*"] = new() { ["feature:meanIntensity"] = new ProfileSignal { Values = [4, 8] } } } };

        var rt = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 1, 0, Policy(), profile, "h"), null, [], 0);

        Assert.False(rt.State.Reference.Frozen);
        Assert.Empty(rt.State.Reference.Scopes);
    }

    private static FindingEvidence Evidence(string signal, int last) => new()
    {
        Signal = signal, Method = "chi2", Statistic = 1, Window = new WindowBounds(1, last, T0, T0.AddHours(last)), ReferenceSize = 10, CurrentSize = 10,
        ReferenceId = "r", PolicyVersion = 1,
    };

    [Fact]
    public void GivenOpenFindingsAndChanges_WhenANewPolicyVersionChangesTheLayout_ThenEachIsClosedInKeyOrderAndTheStateStartsAfresh()
    {
        var previous = new DeploymentState { Key = Key, PolicyVersion = 1, Layout = "old", Inferences = 50 };
        previous.Trackers["b"] = new TrackerState { OpenFindingId = "f-b", LastEvidence = Evidence("b", 2) };
        previous.Trackers["a"] = new TrackerState { OpenFindingId = "f-a", LastEvidence = Evidence("a", 3) };
        previous.Trackers["c"] = new TrackerState { OpenFindingId = "f-c" };
        previous.Trackers["d"] = new TrackerState { LastEvidence = Evidence("d", 4) };
        previous.Monitors.Open["y"] = new MonitorFinding { FindingId = "m-y", Evidence = Evidence("y", 5) };
        previous.Monitors.Open["x"] = new MonitorFinding { FindingId = "m-x", Evidence = Evidence("x", 6) };
        previous.Changes.Add(new ChangeState { Id = "chg-1", LastDetectedAt = T0.AddHours(9) });
        var emitted = new List<object>();

        var rt = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 2, 40, Policy(p => p.Sequential.Signals = ["score:pneumothorax"]), null, "h2"), previous, emitted, 77);

        Assert.Equal(
            [
                new FindingResolved("f-a", Evidence("a", 3), T0.AddHours(3), "policy-replaced", 77),
                new FindingResolved("f-b", Evidence("b", 2), T0.AddHours(2), "policy-replaced", 77),
                new FindingResolved("m-x", Evidence("x", 6), T0.AddHours(6), "policy-replaced", 77),
                new FindingResolved("m-y", Evidence("y", 5), T0.AddHours(5), "policy-replaced", 77),
                new ChangeClosed("chg-1", T0.AddHours(9), 77),
            ], emitted);
        Assert.NotSame(previous, rt.State);
        Assert.Equal((Key, 2, 0L, new ModelRef("cxr-triage", "2.3.1"), (string?)null), (rt.State.Key, rt.State.PolicyVersion, rt.State.Inferences, rt.State.Model, rt.State.Site));
        Assert.Equal(["score:pneumothorax"], rt.State.Sequential.Select(q => q.Signal));
    }

    [Fact]
    public void GivenANewPolicyVersionWithTheSameLayout_WhenItStarts_ThenTheStateCarriesOverWithNothingClosed()
    {
        var emitted = new List<object>();
        var first = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 1, 0, Policy(), null, "h"), null, emitted, 0);
        first.State.Trackers["a"] = new TrackerState { OpenFindingId = "f-a", LastEvidence = Evidence("a", 3) };

        var second = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 2, 10, Policy(p => p.Thresholds.Alpha = 0.05), null, "h2"), first.State, emitted, 11);

        Assert.Same(first.State, second.State);
        Assert.Equal(2, second.State.PolicyVersion);
        Assert.Empty(emitted);
    }

    [Fact]
    public void GivenLabels_WhenJoined_ThenAScoreAtTheThresholdIsPredictedPositiveAndAMissingScoreIsNotCounted()
    {
        var d = New(p => p.Subgroups.Attributes = []);
        var atThreshold = Inference("i1", score: 0.5, threshold: 0.5);
        var noScore = Inference("i2") with { Prediction = new Prediction { Scores = new Dictionary<string, double>(), Threshold = 0.5 } };
        var notFinite = Inference("i3", score: double.NaN);
        var s = Feed(d, atThreshold, noScore, notFinite);

        d.GroundTruth(10, Truth("i1", true), new JoinedInference(1, atThreshold));
        d.GroundTruth(11, Truth("i2", true), new JoinedInference(2, noScore));
        d.GroundTruth(12, Truth("i3", true), new JoinedInference(3, notFinite));

        var a = s.Reference.Late[0].Labels[0];
        Assert.Equal((1L, 0L, 0L, 0L, 1L), (a.TruePositives, a.FalseNegatives, a.FalsePositives, a.TrueNegatives, a.PairsSeen));
        Assert.Equal(0L, s.LabelsTooLate);
    }

    [Fact]
    public void GivenALabelForAnInferenceNoWindowHolds_WhenJoined_ThenItIsCountedTooLate()
    {
        var d = New(p => p.Subgroups.Attributes = []);
        var s = Feed(d, Inference("i1"));

        d.GroundTruth(10, Truth("old", true), new JoinedInference(0, Inference("old")));
        d.ReaderFeedback(11, Feedback("old", ReaderAction.Overrode), new JoinedInference(0, Inference("old")));

        Assert.Equal(1L, s.LabelsTooLate);
    }

    [Fact]
    public void GivenADefaultRow_WhenCreated_ThenItsTextsAreEmptyAndItsVerbIsShifted()
    {
        var r = new Row();
        Assert.Equal(("", "", "", "shifted"), (r.Scope, r.Signal, r.Method, r.Verb));
    }
}
