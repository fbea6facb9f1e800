using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The window evaluation's last untriaged mutants (docs/quality.md, "Equivalent mutants of the detector set"): several windows
/// maturing at one close (a shorter grace under a new policy version), a matured window without any late event, the order
/// of the fairness groups, the fairness tolerance met exactly by the gap or by its lower bound, and the choice of Fisher's
/// test when only the current side's expected count is small. Scripted streams of a few dozen inferences whose labels
/// arrive right after them (as in <see cref="EvaluationExactTests"/>).
/// </summary>
public sealed class UntriagedEvaluationTests
{
    private const string Key = "cxr-triage@2.3.1";
    private const string Fairness = "fairness:equalized-odds:pneumothorax";

    private sealed record Case(string Site, double Score, bool? Truth, string Sex = "M");

    /// <summary>The small policy of <see cref="EvaluationExactTests"/> (reference 20, windows 10, minimum labelled 5).</summary>
    private static MonitoringPolicy Small(Action<MonitoringPolicy>? change = null) => EvaluationExactTests.Small(change);

    private sealed class Run(params PolicyVersion[] versions)
    {
        private readonly Dictionary<string, (long Sequence, InferenceRecorded Inference)> sent = new(StringComparer.Ordinal);
        private int next;

        public Run(MonitoringPolicy policy) : this(new PolicyVersion(Key, 1, 0, policy, null, "h")) { }

        public Detector Detector { get; } = new(new PolicyHistory(versions), new DetectorState());
        public List<object> Emitted { get; } = [];
        public DeploymentState State => Detector.State.Deployments[Key];

        public Run Feed(IEnumerable<Case> cases)
        {
            foreach (var c in cases)
            {
                var id = "i" + next;
                var e = Inference(id, site: c.Site, sex: c.Sex, score: c.Score, intensity: 100 + next % 7, at: T0.AddMinutes(next));
                next++;
                var sequence = Detector.State.LastSequence + 1;
                Detector.Inference(sequence, e);
                sent[id] = (sequence, e);
                if (c.Truth is { } t) Detector.GroundTruth(Detector.State.LastSequence + 1, Truth(id, t), new JoinedInference(sequence, e));
            }

            Emitted.AddRange(Detector.TakeEmitted());
            return this;
        }

        public SignalStatus? Status(FindingKind kind, string signal, string method, string scope = "*") =>
            State.Status.GetValueOrDefault($"{kind}|{signal}|{method}|{scope}");

        public SignalStatus Gap(string scope = "site=*") => Status(FindingKind.FairnessGap, Fairness, "equalized-odds", scope)!;
    }

    /// <summary>Labelled cases: true positives score 0.8, false negatives 0.3, true negatives 0.2, false positives 0.7.</summary>
    private static IEnumerable<Case> Labelled(string site, int tp, int fn, int tn, int fp, string sex = "M") =>
        Enumerable.Repeat(new Case(site, 0.8, true, sex), tp)
            .Concat(Enumerable.Repeat(new Case(site, 0.3, true, sex), fn))
            .Concat(Enumerable.Repeat(new Case(site, 0.2, false, sex), tn))
            .Concat(Enumerable.Repeat(new Case(site, 0.7, false, sex), fp));

    private static IEnumerable<Case> Unlabelled(string site, int n) => Enumerable.Repeat(new Case(site, 0.6, null), n);

    [Fact]
    public void GivenAShorterLabelGraceUnderANewPolicyVersion_WhenTheNextWindowCloses_ThenTheWindowsItMaturesAreReconciledOldestFirst()
    {
        // Version 1 waits 3 windows for labels: windows 0–2 close (sequences 31–60, after a reference of 10 labelled and 10
        // unlabelled inferences) and none matures. Version 2 (same layout: the state carries over) waits 1: the close of window 3
        // matures 0, 1 and 2 at once.
        var r = new Run(
            new PolicyVersion(Key, 1, 0, Small(p => p.Performance.LabelGraceWindows = 3), null, "h1"),
            new PolicyVersion(Key, 2, 60, Small(), null, "h2"));
        r.Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 40));
        Assert.Equal(["0", "1", "2"], r.State.Recent.Select(c => c.Index + (c.Matured ? "m" : "")));
        Assert.Equal(1, r.State.PolicyVersion);

        r.Feed(Unlabelled("A", 10));

        Assert.Equal(2, r.State.PolicyVersion);
        Assert.Equal([0, 1, 2], r.Emitted.OfType<PerformanceReconciled>().Select(x => x.WindowIndex));
    }

    [Fact]
    public void GivenReaderOverrideRateAndAWindowWithNoLateEvent_WhenItMatures_ThenItsOverrideRateIsInsufficientWithNothingCounted()
    {
        var r = new Run(Small(p => p.Signals.ReaderOverrideRate = true)).Feed(Unlabelled("A", 20)).Feed(Unlabelled("A", 20));

        Assert.Empty(r.State.Recent.Single(c => c.Index == 0).Late);
        Assert.True(r.State.Recent.Single(c => c.Index == 0).Matured);
        var rate = r.Status(FindingKind.DistributionShift, "reader:override-rate", "rate")!;
        Assert.Equal(("insufficient-evidence", 0L, 0L), (rate.State, rate.ReferenceSize, rate.CurrentSize));
    }

    [Fact]
    public void GivenTwoAttributesWithAFairnessGap_WhenTheWindowMatures_ThenTheirFindingsOpenInOrdinalOrderOfTheGroups()
    {
        // Site A (all men) classified perfectly, site B (all women) misses every positive: both gaps are exactly 1 in every
        // bootstrap replicate. The policy lists site before sex; the findings open sex first (ordinal order).
        var r = new Run(Small(p =>
        {
            p.Subgroups.Attributes = ["site", "sex"];
            p.Performance.FairnessTolerance = 0.1;
            p.Window.Count = 20;
        }));

        r.Feed(Unlabelled("A", 20)).Feed(Labelled("A", 5, 0, 5, 0, "M")).Feed(Labelled("B", 0, 5, 5, 0, "F")).Feed(Unlabelled("A", 20));

        Assert.Equal((1.0, 1.0), (r.Gap("sex=*").Interval!.Lower, r.Gap("site=*").Interval!.Lower));
        Assert.Equal(["sex=*", "site=*"], r.Emitted.OfType<FindingOpened>().Where(o => o.Kind == FindingKind.FairnessGap).Select(o => o.Scope));
    }

    /// <summary>Site A: 5 TP, 5 TN; site B: 15 TP, 5 FN, 5 TN: equalized-odds difference 1 − 15/20 = 0.25 exactly (no false positives).</summary>
    private static Run QuarterGap(double tolerance) => new Run(Small(p =>
        {
            p.Performance.FairnessTolerance = tolerance;
            p.Window.Count = 35;
        }))
        .Feed(Unlabelled("A", 20)).Feed(Labelled("A", 5, 0, 5, 0)).Feed(Labelled("B", 15, 5, 5, 0)).Feed(Unlabelled("A", 35));

    [Fact]
    public void GivenAGapExactlyAtTheTolerance_WhenTheWindowMatures_ThenItIsClear()
    {
        var gap = QuarterGap(0.25).Gap();

        Assert.Equal((0.25, 0.25), (gap.Statistic, gap.Threshold));
        Assert.True(gap.Interval!.Lower < 0.25);
        Assert.Equal("ok", gap.State);
    }

    [Fact]
    public void GivenALowerBoundExactlyAtTheTolerance_WhenTheWindowMatures_ThenTheGapIsInconclusiveNotAFinding()
    {
        // The bootstrap bound does not depend on the tolerance (its seed is the deployment, group, label and window).
        var lower = QuarterGap(0.01).Gap().Interval!.Lower;
        Assert.InRange(lower, 0.01, 0.25 - 1e-9);

        var r = QuarterGap(lower);

        var gap = r.Gap();
        Assert.Equal((lower, lower), (gap.Interval!.Lower, gap.Threshold));
        Assert.Equal("inconclusive", gap.State);
        Assert.DoesNotContain(r.Emitted.OfType<FindingOpened>(), o => o.Kind == FindingKind.FairnessGap);
    }

    [Fact]
    public void GivenATwoByTwoTableWhoseOnlySmallExpectedCountIsOnTheCurrentSide_WhenCompared_ThenFishersExactTestIsUsed()
    {
        // Expected counts: reference 100·52/110 ≈ 47.3 and 100·58/110 ≈ 52.7; current 10·52/110 ≈ 4.73 (< 5) and 5.27.
        // scipy.stats.fisher_exact([[50, 50], [2, 8]]) = 0.09852833648227363 (chi-squared would give 0.0700).
        var c = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["a"] = 50, ["b"] = 50 }, new Dictionary<string, long> { ["a"] = 2, ["b"] = 8 });

        Assert.Equal(0.09852833648227363, c.PValue!.Value, 1e-12);
        Assert.Equal(0.3, c.Effect, 12);
    }
}
