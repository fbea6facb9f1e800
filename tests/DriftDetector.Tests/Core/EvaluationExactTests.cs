using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Policies;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Window close, CBPE, maturity, AUROC, fairness and the sequential detectors on scripted streams of a few dozen inferences
/// whose labels arrive right after them, so each count that a boundary compares (labelled positives and negatives of the
/// reference and of a window, sample sizes) is set exactly by the test: reference of 20 inferences, windows of 10, minimum
/// sample 10, minimum labelled 5.
/// </summary>
public sealed class EvaluationExactTests
{
    private const string Key = "cxr-triage@2.3.1";

    /// <summary>One scripted inference: its site, score and (when labelled) its truth.</summary>
    private sealed record Case(string Site, double Score, bool? Truth, double Intensity = 100);

    internal static MonitoringPolicy Small(Action<MonitoringPolicy>? change = null) => Policy(p =>
    {
        p.Signals.Features = ["meanIntensity"];
        p.Signals.Study = [];
        p.Signals.PredictedPositiveRate = false;
        p.Subgroups.Attributes = ["site"];
        p.Reference.Count = 20;
        p.Window.Count = 10;
        p.MinSample = 10;
        p.Performance.MinLabelled = 5;
        p.Performance.LabelGraceWindows = 1;
        p.Performance.PoolWindows = 2;
        p.Performance.FairnessTolerance = 0;
        p.Performance.Floors = new() { ["sensitivity"] = 0.5, ["specificity"] = 0.5 };
        change?.Invoke(p);
    });

    private sealed class Run(MonitoringPolicy policy)
    {
        public Detector Detector { get; } = new(new PolicyHistory([new PolicyVersion(Key, 1, 0, policy, null, "h")]), new DetectorState());
        public List<object> Emitted { get; } = [];
        public Dictionary<string, (long Sequence, InferenceRecorded Inference)> Sent { get; } = new(StringComparer.Ordinal);
        private int next;

        public DeploymentState State => Detector.State.Deployments[Key];

        /// <summary>Adds (inference index mod 7) to every intensity, so that a sample has a spread.</summary>
        public bool Jitter { get; init; } = true;

        public Run Feed(IEnumerable<Case> cases)
        {
            foreach (var c in cases)
            {
                var id = "i" + next;
                var e = Inference(id, site: c.Site, score: c.Score, intensity: c.Intensity + (Jitter ? next % 7 : 0), at: T0.AddMinutes(next));
                next++;
                var sequence = Detector.State.LastSequence + 1;
                Detector.Inference(sequence, e);
                Sent[id] = (sequence, e);
                if (c.Truth is { } t) Label(id, t);
            }

            Emitted.AddRange(Detector.TakeEmitted());
            return this;
        }

        public void Label(string id, bool truth)
        {
            var (sequence, e) = Sent[id];
            Detector.GroundTruth(Detector.State.LastSequence + 1, Truth(id, truth), new JoinedInference(sequence, e));
            Emitted.AddRange(Detector.TakeEmitted());
        }

        public SignalStatus? Status(FindingKind kind, string signal, string method, string scope = "*") =>
            State.Status.GetValueOrDefault($"{kind}|{signal}|{method}|{scope}");
    }

    /// <summary>Labelled cases: true positives score 0.8, false negatives 0.3, true negatives 0.2, false positives 0.7.</summary>
    private static IEnumerable<Case> Labelled(string site, int tp, int fn, int tn, int fp) =>
        Enumerable.Repeat(new Case(site, 0.8, true), tp)
            .Concat(Enumerable.Repeat(new Case(site, 0.3, true), fn))
            .Concat(Enumerable.Repeat(new Case(site, 0.2, false), tn))
            .Concat(Enumerable.Repeat(new Case(site, 0.7, false), fp));

    private static IEnumerable<Case> Unlabelled(string site, int n, double score = 0.6) => Enumerable.Repeat(new Case(site, score, null), n);

    private static string Recent(Run r) => string.Join(",", r.State.Recent.Select(c => c.Index + (c.Matured ? "m" : "")));

    private const string Sensitivity = "performance:sensitivity:pneumothorax";
    private const string Auroc = "performance:auroc:pneumothorax";
    private const string Estimated = "estimated:sensitivity:pneumothorax";
    private const string Prevalence = "label:prevalence:pneumothorax";

    [Fact]
    public void GivenExactlyTheMinimumLabelledOnEachSide_WhenAWindowMatures_ThenEveryPerformanceTestRuns()
    {
        // Reference: 5 positives (4 TP, 1 FN) and 5 negatives, 10 labelled = minSample; window 0 the same; window 1 unlabelled.
        var r = new Run(Small()).Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10));

        Assert.Equal("0m,1", Recent(r));
        var estimated = r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!;
        Assert.Equal(("ok", 1.0, 10L, 10L), (estimated.State, estimated.Statistic, estimated.CurrentSize, estimated.ReferenceSize));
        var twoProportion = r.Status(FindingKind.PerformanceDecay, Sensitivity, "two-proportion")!;
        Assert.Equal(("ok", 0.8, 5L, 5L), (twoProportion.State, twoProportion.Statistic, twoProportion.CurrentSize, twoProportion.ReferenceSize));
        Assert.Equal("not-demonstrated", r.Status(FindingKind.PerformanceDecay, Sensitivity, "wilson-floor")!.State);
        var auroc = r.Status(FindingKind.PerformanceDecay, Auroc, "delong")!;
        Assert.Equal(("ok", 0.96, 10L, 10L), (auroc.State, auroc.Statistic, auroc.CurrentSize, auroc.ReferenceSize));
        var prevalence = r.Status(FindingKind.DistributionShift, Prevalence, "rate")!;
        Assert.Equal(("ok", 0.0, 10L, 10L), (prevalence.State, prevalence.Statistic, prevalence.CurrentSize, prevalence.ReferenceSize));
    }

    [Theory]
    [InlineData(3, 1, 4, 1)] // 4 labelled positives in the reference
    [InlineData(4, 1, 3, 1)] // 4 labelled negatives
    public void GivenOneLabelledCaseTooFewOnOneSideOfTheReference_WhenWindowsClose_ThenNoCalibratorAndNoComparisonWithTheReference(int tp, int fn, int tn, int fp)
    {
        var r = new Run(Small()).Feed(Labelled("A", tp, fn, tn, fp)).Feed(Unlabelled("A", 11))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10));

        Assert.Equal("insufficient-evidence", r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!.State);
        Assert.Null(r.Status(FindingKind.PerformanceDecay, Auroc, "delong"));
        Assert.Equal(tp + fn == 5, r.Status(FindingKind.PerformanceDecay, Sensitivity, "two-proportion") is not null);
        // The window's own AUROC has its 5 and 5: only the comparison with the reference is missing.
        Assert.Equal("0m,1", Recent(r));
    }

    [Fact]
    public void GivenReferenceLabelsArrivingAfterTheFreeze_WhenTheNextWindowCloses_ThenTheCalibratorIsRefitted()
    {
        var r = new Run(Small()).Feed(Labelled("A", 3, 1, 4, 1)).Feed(Unlabelled("A", 11)).Feed(Unlabelled("A", 10));
        Assert.Equal("insufficient-evidence", r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!.State);

        r.Label("i9", true); // a reference inference (score 0.6): the fifth labelled positive
        r.Feed(Unlabelled("A", 10));

        var estimated = r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!;
        Assert.Equal(("ok", 10L, 10L), (estimated.State, estimated.CurrentSize, estimated.ReferenceSize));
    }

    [Fact]
    public void GivenNoLabelsAtAll_WhenWindowsCloseAndMature_ThenEstimatesAreInsufficientAndOnlyThePoolIsKept()
    {
        var r = new Run(Small()).Feed(Unlabelled("A", 20)).Feed(Unlabelled("A", 50));

        Assert.Equal("2m,3m,4", Recent(r));
        Assert.Equal(5, r.State.ClosedWindows);
        var estimated = r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!;
        Assert.Equal(("insufficient-evidence", 10L), (estimated.State, estimated.CurrentSize));
        Assert.Equal("insufficient-evidence", r.Status(FindingKind.PerformanceDecay, Sensitivity, "wilson-floor")!.State);
        Assert.Equal("insufficient-evidence", r.Status(FindingKind.DistributionShift, Prevalence, "rate")!.State);
    }

    [Fact]
    public void GivenNoFloors_WhenAnEstimateIsMade_ThenItHasNoThresholdNoEffectAndIsClear()
    {
        var r = new Run(Small(p => p.Performance.Floors = [])).Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10)).Feed(Unlabelled("A", 10));

        var estimated = r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe")!;
        Assert.Equal(("ok", (double?)null, 0.0, 1.0), (estimated.State, estimated.Threshold, estimated.EffectSize, estimated.Statistic));
    }

    [Fact]
    public void GivenSubgroupsMissingFromSomeWindowsAndFromTheReference_WhenWindowsCloseAndMature_ThenTheyAreJudgedEmptyNotSkippedOrMixedUp()
    {
        var r = new Run(Small())
            .Feed(Labelled("A", 3, 2, 3, 2)).Feed(Labelled("B", 3, 2, 3, 2))
            .Feed(Labelled("A", 4, 1, 4, 1))
            .Feed(Labelled("A", 4, 1, 3, 1)).Feed([new Case("C", 0.8, true)]);

        Assert.Equal(["*", "site=A", "site=B", "site=C"], r.State.ScopeKeys);
        Assert.Equal("0m,1", Recent(r));
        var c = r.Status(FindingKind.PerformanceDecay, Sensitivity, "wilson-floor", "site=C")!;
        Assert.Equal(("insufficient-evidence", 0L, 0L), (c.State, c.CurrentSize, c.ReferenceSize));
        var b = r.Status(FindingKind.DistributionShift, Prevalence, "rate", "site=B")!;
        Assert.Equal(("insufficient-evidence", 0L, 10L), (b.State, b.CurrentSize, b.ReferenceSize));
        var estimatedB = r.Status(FindingKind.EstimatedPerformanceDecay, Estimated, "cbpe", "site=B")!;
        Assert.Equal(("insufficient-evidence", 0L), (estimatedB.State, estimatedB.CurrentSize));
        Assert.Equal(10L, r.Status(FindingKind.PerformanceDecay, Sensitivity, "wilson-floor", "site=A")!.CurrentSize + 5);
    }

    [Theory]
    [InlineData(0.5, 0.7, "Clear")]
    [InlineData(0.3, 0.5, "NotDemonstrated")]
    [InlineData(0.49, 0.6, "NotDemonstrated")]
    [InlineData(0.2, 0.4999, "Detected")]
    public void GivenAnIntervalAndAFloorOfHalf_WhenJudged_ThenOnlyAWholeIntervalBelowIsHarmAndAWholeIntervalAtOrAboveIsClear(double lower, double upper, string expected) =>
        Assert.Equal(Enum.Parse<Outcome>(expected), DeploymentRuntime.FloorOutcome(new Interval(lower, upper, 0.95), 0.5));

    private const string Fairness = "fairness:equalized-odds:pneumothorax";

    [Fact]
    public void GivenExactlyTwoSubgroupsWithLabels_WhenTheirWindowsMature_ThenTheFairnessGapIsEstimatedOverBoth()
    {
        var r = new Run(Small(p => p.Performance.FairnessTolerance = 0.05))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Labelled("B", 4, 1, 4, 1))
            .Feed(Labelled("A", 3, 2, 3, 2)).Feed(Labelled("B", 3, 2, 3, 2)).Feed(Unlabelled("A", 10));

        var gap = r.Status(FindingKind.FairnessGap, Fairness, "equalized-odds", "site=*")!;
        Assert.NotEqual("insufficient-evidence", gap.State);
        Assert.Equal((0.0, 20L, 0.05), (gap.Statistic, gap.CurrentSize, gap.Threshold));
    }

    [Fact]
    public void GivenFourSmallSubgroupsWithIdenticalRates_WhenTheirWindowsMature_ThenNoGapIsDetectedThoughTheBootstrapIntervalLiesAboveTheTolerance()
    {
        // Four sites of 5 positives and 5 negatives each, every one with sensitivity 0.6 and false-positive rate 0.4: the gap
        // is exactly 0. The percentile bootstrap of a largest difference between four small groups is biased upwards: almost
        // no resample has all four rates equal, so its whole interval lies above a tolerance of 0.05. A gap of 0 is not harm.
        var r = new Run(Small(p =>
        {
            p.Reference.Count = 40;
            p.Performance.PoolWindows = 4;
            p.Performance.FairnessTolerance = 0.05;
        }));
        foreach (var site in new[] { "A", "B", "C", "D" }) r.Feed(Labelled(site, 4, 1, 4, 1));
        foreach (var site in new[] { "A", "B", "C", "D" }) r.Feed(Labelled(site, 3, 2, 3, 2));
        r.Feed(Unlabelled("A", 10));

        var gap = r.Status(FindingKind.FairnessGap, Fairness, "equalized-odds", "site=*")!;
        Assert.Equal((0.0, 40L), (gap.Statistic, gap.CurrentSize));
        Assert.True(gap.Interval!.Lower > 0.05, $"the bootstrap interval [{gap.Interval.Lower}, {gap.Interval.Upper}] no longer lies above the tolerance: this test no longer shows the bias");
        Assert.Equal("ok", gap.State);
        Assert.DoesNotContain(r.Emitted, e => e is Monitoring.DriftDetector.Findings.FindingOpened { Kind: FindingKind.FairnessGap });
    }

    [Fact]
    public void GivenOneSubgroupValueOnly_WhenItsWindowMatures_ThenTheFairnessGapIsInsufficientWithNoSize()
    {
        var r = new Run(Small(p => p.Performance.FairnessTolerance = 0.05))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10));

        var gap = r.Status(FindingKind.FairnessGap, Fairness, "equalized-odds", "site=*")!;
        Assert.Equal(("insufficient-evidence", 0L, (double?)null), (gap.State, gap.CurrentSize, gap.Threshold));
    }

    [Fact]
    public void GivenASecondSubgroupWithTooFewLabels_WhenTheWindowMatures_ThenTheGapIsInsufficientButCountsEveryCase()
    {
        var r = new Run(Small(p => p.Performance.FairnessTolerance = 0.05))
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Labelled("B", 4, 1, 4, 1))
            .Feed(Labelled("A", 4, 1, 4, 1).Take(6)).Feed(Labelled("B", 2, 0, 2, 0)).Feed(Unlabelled("A", 10));

        var gap = r.Status(FindingKind.FairnessGap, Fairness, "equalized-odds", "site=*")!;
        Assert.Equal(("insufficient-evidence", 10L), (gap.State, gap.CurrentSize));
    }

    private static MonitoringPolicy Sequential(string method) => Small(p =>
    {
        p.Sequential.Signals = ["feature:meanIntensity"];
        p.Sequential.Method = method;
        p.Sequential.BatchSize = 5;
        p.Sequential.TargetRunLength = 1000;
        p.Performance.Labels = [];
        p.Signals.Scores = [];
        p.Window.Count = 100;
    });

    private static SequentialState Batches(Run r) => r.State.Sequential[0];

    private static SignalStatus? Abrupt(Run r, string method) => r.Status(FindingKind.AbruptChange, "feature:meanIntensity", method);

    [Fact]
    public void GivenAShiftOfManyDeviations_WhenCusumBatchesComplete_ThenEachAlarmsAndRestartsTheStatistic()
    {
        // Reference intensities 100 + (i mod 7): mean 102.85, SD 1.98; batches of 5 at 130 are z ≈ 34 each.
        var r = new Run(Sequential("cusum")).Feed(Unlabelled("A", 20)).Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 12));

        var s = Batches(r);
        Assert.Equal((2L, 2, 2L, 0L, 0.0, 0.0), (s.Batches, s.BatchCount, s.Alarms, s.Count, s.Upper, s.Lower));
        Assert.Equal(r.State.Reference.Bounds.LastSequence + 11, s.Batch.FirstSequence);
        var row = Abrupt(r, "cusum")!;
        Assert.Equal(("detected", 5L, 20L), (row.State, row.CurrentSize, row.ReferenceSize));
        Assert.Equal(33.76073487818123, row.Statistic!.Value, 9);
        Assert.Equal(5.7496397544084985, row.Threshold!.Value, 9);
    }

    [Fact]
    public void GivenPageHinkley_WhenAShiftAlarmsAndTheNextBatchesFollow_ThenTheStatisticIsTheThresholdAtTheAlarmAndRestartsAfter()
    {
        var r = new Run(Sequential("page-hinkley")).Feed(Unlabelled("A", 40));
        Assert.Equal((4L, 0L), (Batches(r).Batches, Batches(r).Alarms));
        Assert.Null(Abrupt(r, "page-hinkley"));

        r.Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 5));
        var alarm = Abrupt(r, "page-hinkley")!;
        Assert.Equal(("detected", 5L, 1L), (alarm.State, Batches(r).Batches, Batches(r).Alarms));
        Assert.Equal(5.7496397544084985, alarm.Threshold!.Value, 9);
        Assert.Equal(alarm.Threshold, alarm.Statistic);

        r.Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 5));
        var s = Batches(r);
        // Restarted at the alarm: one observation, the running sums ∓ shift/2 = ∓0.5.
        Assert.Equal((1L, -0.5, -0.5, 0.5, 0.5), (s.Count, s.PhSumUp, s.PhMinUp, s.PhSumDown, s.PhMaxDown));
        Assert.Equal(("ok", 0.0), (Abrupt(r, "page-hinkley")!.State, Abrupt(r, "page-hinkley")!.Statistic));

        r.Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 10));
        Assert.Equal((3L, 8L), (Batches(r).Count, Batches(r).Batches));
        Assert.Equal(0.17731271587837227, Abrupt(r, "page-hinkley")!.Statistic!.Value, 9);
    }

    [Fact]
    public void GivenAConstantReference_WhenWindowInferencesArrive_ThenTheSequentialDetectorHasNoScaleAndSkipsThem()
    {
        var r = new Run(Sequential("cusum")) { Jitter = false }.Feed(Unlabelled("A", 20)).Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 10));

        Assert.Equal(0.0, r.State.Reference.StandardDeviations![0]);
        Assert.Equal((0L, 0), (Batches(r).Batches, Batches(r).BatchCount));
        Assert.Null(Abrupt(r, "cusum"));
    }

    [Fact]
    public void GivenInferencesWithoutTheSignal_WhenWindowInferencesArrive_ThenOnlyThoseWithAValueFillTheBatch()
    {
        var r = new Run(Sequential("cusum")).Feed(Unlabelled("A", 20))
            .Feed(Enumerable.Repeat(new Case("A", 0.6, null, double.NaN), 3)).Feed(Enumerable.Repeat(new Case("A", 0.6, null, 130), 2));

        Assert.Equal((0L, 2), (Batches(r).Batches, Batches(r).BatchCount));
        Assert.Equal(r.State.Reference.Bounds.LastSequence + 4, Batches(r).Batch.FirstSequence);
    }

    private static MonitoringPolicy AllFloors() => Small(p => p.Performance.Floors = new() { ["sensitivity"] = 0.5, ["specificity"] = 0.5, ["auroc"] = 0.9 });

    [Fact]
    public void GivenEveryLabelledCaseMisclassified_WhenTheWindowMatures_ThenEachHarmRowOpensAFindingSayingWhatHappened()
    {
        var r = new Run(AllFloors())
            .Feed(Labelled("A", 4, 1, 4, 1)).Feed(Labelled("A", 4, 1, 4, 1))
            .Feed(Labelled("A", 0, 5, 0, 5)).Feed(Unlabelled("A", 10, 0.6));

        var opened = r.Emitted.OfType<Findings.FindingOpened>().Where(o => o.Scope == "*").ToDictionary(o => $"{o.Evidence.Signal} {o.Evidence.Method}", o => o.Summary);
        Assert.StartsWith("performance:sensitivity:pneumothorax fell below its floor in the whole population", opened["performance:sensitivity:pneumothorax wilson-floor"]);
        Assert.StartsWith("performance:specificity:pneumothorax dropped against the reference in", opened["performance:specificity:pneumothorax two-proportion"]);
        Assert.StartsWith("performance:auroc:pneumothorax fell below its floor in", opened["performance:auroc:pneumothorax delong-floor"]);
        Assert.StartsWith("performance:auroc:pneumothorax dropped against the reference in", opened["performance:auroc:pneumothorax delong"]);
        Assert.StartsWith("estimated:specificity:pneumothorax is estimated below its floor in", opened["estimated:specificity:pneumothorax cbpe"]);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.9)]
    public void GivenAWindowWhoseScoresAllCalibrateToZeroOrToOne_WhenItCloses_ThenItsEstimatesAreInsufficientInsteadOfAbortingTheClose(double score)
    {
        // Reference scores 0.2 (negative), 0.3 (positive), 0.7 (negative), 0.8 (positive): isotonic calibration gives 0 up to
        // 0.2 and 1 from 0.8, so a window of scores 0.1 expects no positive case and one of 0.9 no negative case; CBPE is
        // undefined there (it threw and stopped the window close before).
        var r = new Run(AllFloors()).Feed(Labelled("A", 4, 1, 4, 1)).Feed(Unlabelled("A", 10)).Feed(Unlabelled("A", 10, score));

        Assert.Equal(1, r.State.ClosedWindows);
        foreach (var metric in new[] { "sensitivity", "specificity" })
        {
            var estimated = r.Status(FindingKind.EstimatedPerformanceDecay, $"estimated:{metric}:pneumothorax", "cbpe")!;
            Assert.Equal(("insufficient-evidence", 10L), (estimated.State, estimated.CurrentSize));
        }

        Assert.Equal("ok", r.Status(FindingKind.DistributionShift, "feature:meanIntensity", "ks")!.State);
    }

    [Fact]
    public void GivenReaderFeedback_WhenTheWindowMatures_ThenTheOverrideRateIsComparedWithTheReferenceWhereBothHaveEnough()
    {
        var r = new Run(Small(p => p.Signals.ReaderOverrideRate = true)).Feed(Unlabelled("A", 20));
        void Feedback(int first, int count, int overrides)
        {
            for (var i = first; i < first + count; i++)
            {
                var (sequence, e) = r.Sent["i" + i];
                r.Detector.ReaderFeedback(r.Detector.State.LastSequence + 1, ExactInputs.Feedback("i" + i, i - first < overrides ? ReaderAction.Overrode : ReaderAction.Agreed), new JoinedInference(sequence, e));
            }
        }

        Feedback(0, 10, 2);
        r.Feed(Unlabelled("A", 9)).Feed(Unlabelled("B", 1));
        Feedback(20, 10, 5);
        r.Feed(Unlabelled("A", 10));

        var expected = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["overrode"] = 2, ["agreed"] = 8 }, new Dictionary<string, long> { ["overrode"] = 5, ["agreed"] = 5 });
        var population = r.Status(FindingKind.DistributionShift, "reader:override-rate", "rate")!;
        Assert.Equal((10L, 10L, expected.Statistic, expected.PValue), (population.ReferenceSize, population.CurrentSize, population.Statistic!.Value, population.PValue));
        Assert.NotEqual("insufficient-evidence", population.State);
        var siteA = r.Status(FindingKind.DistributionShift, "reader:override-rate", "rate", "site=A")!;
        Assert.Equal(("insufficient-evidence", 10L, 9L), (siteA.State, siteA.ReferenceSize, siteA.CurrentSize));
        var siteB = r.Status(FindingKind.DistributionShift, "reader:override-rate", "rate", "site=B")!;
        Assert.Equal(("insufficient-evidence", 0L, 1L), (siteB.State, siteB.ReferenceSize, siteB.CurrentSize));
    }
}
