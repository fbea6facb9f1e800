using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The runtime's last untriaged mutants (docs/quality.md, "Equivalent mutants of the detector set"): the subgroup monitors'
/// calls with the monitors on (attribute counts while the reference is open, creation at the freeze, every later inference,
/// labels of inferences after the reference only, in the label's own subgroups), a freeze with no reference accumulator, the
/// uploaded profile's sample seeds, and the close of a quiet change by the next inference.
/// </summary>
public sealed class UntriagedRuntimeTests
{
    private const string Key = "cxr-triage@2.3.1";

    private static Detector New(Action<MonitoringPolicy>? change = null) => new(History(change), new DetectorState());

    [Fact]
    public void GivenMonitorsOn_WhenTheReferenceFillsFreezesAndLabelsArrive_ThenTheMonitorsCountCreateObserveAndSeeOnlyLaterLabelsInTheirOwnScopes()
    {
        var d = New(p =>
        {
            p.Sequential.Monitors = true;
            p.Subgroups.Attributes = ["site"];
            p.Reference.Count = 4;
        });
        InferenceRecorded[] events =
        [
            Inference("i1", site: "A"), Inference("i2", site: "A"), Inference("i3", site: "B"), Inference("i4", site: "A"),
            Inference("i5", site: "B"), Inference("i6", site: "A"),
        ];
        for (var i = 0; i < events.Length; i++) d.Inference(i + 1, events[i]);
        var s = d.State.Deployments[Key];

        // The reference (i1–i4) counted the site of each scope's inferences; the fourth froze it and created the monitors.
        Assert.Equal(["*", "site=A", "site=B"], s.ScopeKeys);
        Assert.Equal(new Dictionary<string, long> { ["A"] = 3, ["B"] = 1 }, s.Monitors.AttributeCounts[0][0]);
        Assert.Equal(new Dictionary<string, long> { ["A"] = 3 }, s.Monitors.AttributeCounts[1][0]);
        Assert.Equal(new Dictionary<string, long> { ["B"] = 1 }, s.Monitors.AttributeCounts[2][0]);
        Assert.True(s.Monitors.Ready);
        Assert.Equal([("*", 4L), ("site=A", 3L), ("site=B", 1L)], s.Monitors.Scopes.Select(m => (m.Scope, m.ReferenceCount)));
        // i5 and i6 were observed after the freeze.
        Assert.Equal([2L, 1L, 1L], s.Monitors.Scopes.Select(m => m.Count));

        // i5's label (site B) comes after i6 (site A) was resolved: it must be seen in * and site=B. The labels of i4 (the
        // reference's last inference) and i1 feed the reference, never the monitors.
        d.GroundTruth(7, Truth("i5", true), new JoinedInference(5, events[4]));
        d.GroundTruth(8, Truth("i4", true), new JoinedInference(4, events[3]));
        d.GroundTruth(9, Truth("i1", true), new JoinedInference(1, events[0]));

        Assert.Equal([1L, 0L, 1L], s.Monitors.Scopes.Select(m => m.Outcomes[0].Sensitivity.Seen));
        Assert.Equal(2L, s.Reference.Late[0].Labels[0].PairsSeen);
    }

    [Fact]
    public void GivenMonitorsOnAndADateRangeReferenceThatSawNothing_WhenTheFirstInferenceAfterItArrives_ThenItsScopesGetMonitorsWithoutAReferenceSample()
    {
        // The inference resolves five scopes before the reference freezes empty: monitors for each, no reference accumulator.
        var d = New(p =>
        {
            p.Sequential.Monitors = true;
            p.Reference.Kind = "date-range";
            p.Reference.From = T0;
            p.Reference.To = T0.AddHours(1);
        });

        d.Inference(1, Inference("i1", at: T0.AddHours(5)));

        var s = d.State.Deployments[Key];
        Assert.True(s.Reference.Frozen);
        Assert.Empty(s.Reference.Scopes);
        Assert.Equal(["*", "site=A", "sex=M", "ageBand=18-39", "ethnicity=group-a"], s.Monitors.Scopes.Select(m => m.Scope));
        Assert.All(s.Monitors.Scopes, m => Assert.Equal((0L, 1L), (m.ReferenceCount, m.Count)));
        Assert.All(s.Monitors.Scopes.SelectMany(m => m.Numeric), c => Assert.Equal(0.0, c.S));
    }

    [Fact]
    public void GivenAnUploadedProfileLargerThanTheSample_WhenLoaded_ThenEachSignalIsSampledWithTheReferencesOwnSeed()
    {
        var policy = Policy(p =>
        {
            p.Reference.Kind = "uploaded";
            p.Reference.MaxSample = 2;
        });
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8];
        var profile = new ReferenceProfile { Id = "p", Scopes = new() { ["*"] = new() { ["feature:meanIntensity"] = new ProfileSignal { Values = [.. values] } } } };

        var rt = DeploymentRuntime.Start(Key, new PolicyVersion(Key, 1, 0, policy, profile, "h"), null, [], 0);

        var expected = Reservoir.Create(SplitMix.Seed($"{Key}|ref|*|feature:meanIntensity"));
        foreach (var v in values) expected.Add(v, 2);
        var loaded = rt.State.Reference.Scopes[0].Numeric[0];
        Assert.Equal(expected.Values, loaded.Values);
        Assert.Equal(8L, loaded.Seen);
    }

    [Fact]
    public void GivenAChangeQuietForTwoDays_WhenTheNextInferenceArrives_ThenItClosesAtThatTimeAndTheOthersStayOpen()
    {
        var state = new DeploymentState { Key = Key, PolicyVersion = 1 };
        state.Reference.Frozen = true;
        state.Changes.Add(new ChangeState { Id = "chg-quiet", QuietSince = T0 });
        state.Changes.Add(new ChangeState { Id = "chg-recent", QuietSince = T0.AddTicks(1) });
        state.Changes.Add(new ChangeState { Id = "chg-open" });
        var emitted = new List<object>();
        var rt = new DeploymentRuntime(state, new CompiledPolicy(Policy(p => p.Subgroups.Attributes = []), 1), emitted);

        rt.OnInference(7, Inference("i1", at: T0 + ChangeTracker.Quiet));

        Assert.Equal([new ChangeClosed("chg-quiet", T0 + ChangeTracker.Quiet, 7)], emitted);
        Assert.Equal(["chg-recent", "chg-open"], state.Changes.Select(c => c.Id));
    }
}
