using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The pure decision core on seeded synthetic streams with a known injected change (reference = first 10,000 inferences,
/// windows of 2,000, alpha 1e-4 Holm; see policies/test-policy.yaml). Findings come from the sequential monitors (budget 0.5
/// false alarms per deployment-year); the window tests are evidence in the status view. Stated detection delays are in
/// inferences after the change.
/// </summary>
public sealed class DetectionTests
{
    private const int ChangeAt = 12_000;

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenMeanShiftAtOneSite_WhenItsMonitorCrosses_ThenAShiftFindingOpensForThatSiteOnlyAsTheRootOfOneChange()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(11, InjectedChange.MeanShiftAtSiteB, ChangeAt).Generate(18_000));

        var siteB = h.Opened.Where(o => o.Evidence.Signal == "feature:meanIntensity" && o.Scope == "site=B").ToList();
        Assert.Single(siteB);
        Assert.Equal("B", siteB[0].Site);
        Assert.Equal(FindingKind.DistributionShift, siteB[0].Kind);
        Assert.InRange(h.InferenceIndexAt(siteB[0].IngestSequence) - ChangeAt, 0, 2_000); // stated: within 2,000 inferences (site B: ~700)
        Assert.Equal("cusum", siteB[0].Evidence.Method);
        Assert.True(siteB[0].Evidence.Statistic >= siteB[0].Evidence.Threshold);
        // The evidence window starts at the estimated start of the change (the CUSUM's excursion), at or after the change.
        Assert.InRange(h.InferenceIndexAt(siteB[0].Evidence.Window.FirstSequence) - ChangeAt, -200, 1_000);
        Assert.Equal(siteB[0].Evidence.Window.LastEventTime, siteB[0].DetectedAt);
        Assert.DoesNotContain(h.Opened, o => o.Evidence.Signal == "feature:meanIntensity" && o.Scope is "site=A" or "site=C");
        var change = Assert.Single(h.Emitted.OfType<ChangeOpened>());
        Assert.Equal("site=B", change.RootScope);
        Assert.Equal(change.ChangeId, siteB[0].ChangeId);
        Assert.All(h.Opened, o => Assert.Equal(change.ChangeId, o.ChangeId));
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenManufacturerMixChange_WhenTheNextWindowCloses_ThenAManufacturerShiftOpens()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(12, InjectedChange.ManufacturerMix, ChangeAt).Generate(16_000));

        var finding = Assert.Single(h.Opened, o => o.Evidence.Signal == "study:manufacturer" && o.Scope == "*");
        Assert.Equal("bernoulli-cusum", finding.Evidence.Method);
        Assert.InRange(h.InferenceIndexAt(finding.IngestSequence) - ChangeAt, 0, 2_000); // stated: within 2,000
        Assert.True(Math.Abs(finding.Evidence.EffectSize!.Value) > 0.1, $"share change {finding.Evidence.EffectSize}");
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenTenPointSensitivityDropInA15PercentSubgroup_WhenLabelsMature_ThenPerformanceDecayOpensForThatSubgroup()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(13, InjectedChange.SensitivityDropInElderly, ChangeAt).Generate(40_000));

        var decay = h.Opened.Where(o => o.Kind == FindingKind.PerformanceDecay && o.Evidence.Signal == "performance:sensitivity:pneumothorax").ToList();
        var rows = h.Detector.State.Deployments.Values.Single().Status.Values.Where(s => s.Scope == "ageBand=65+" && s.Signal.StartsWith("performance:sensitivity"));
        Assert.True(decay.Any(o => o.Scope == "ageBand=65+"), string.Join("\n", rows.Select(r => $"{r.Method} {r.State} stat={r.Statistic} p={r.PValue} q={r.AdjustedPValue} eff={r.EffectSize} n={r.CurrentSize}/{r.ReferenceSize}")));
        var elderly = Assert.Single(decay, o => o.Scope == "ageBand=65+");
        Assert.Equal("bernoulli-cusum", elderly.Evidence.Method);
        Assert.Equal(Severity.Critical, elderly.Severity);
        Assert.InRange(h.InferenceIndexAt(elderly.IngestSequence) - ChangeAt, 0, 24_000); // stated: within 24,000 inferences (10 pooled windows + grace)
        Assert.InRange(elderly.Evidence.EffectSize!.Value, 0.05, 0.2);
        Assert.DoesNotContain(decay, o => o.Scope is "ageBand=18-39" or "ageBand=40-64");
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenLabelPrevalenceShift_WhenMonitorsCross_ThenTheScoreOrPredictedRateFindsItAndRealizedPrevalenceIsTheEvidence()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(14, InjectedChange.PrevalenceShift, ChangeAt).Generate(24_000));

        var first = h.Opened.Where(o => o.Scope == "*" && o.Evidence.Signal is "rate:predicted-positive:pneumothorax" or "score:pneumothorax").MinBy(o => o.IngestSequence);
        Assert.NotNull(first);
        Assert.InRange(h.InferenceIndexAt(first.IngestSequence) - ChangeAt, 0, 2_000); // stated: within 2,000
        // The realized prevalence (window test at maturity) is evidence in the status view, not a second finding.
        var status = h.Detector.State.Deployments.Values.Single().Status.Values.Single(s => s.Signal == "label:prevalence:pneumothorax" && s.Scope == "*");
        Assert.Equal("detected", status.State);
        Assert.DoesNotContain(h.Opened, o => o.Evidence.Signal == "label:prevalence:pneumothorax");
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenAHundredThousandInferencesWithoutChange_WhenProcessed_ThenNoFindingOpens()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(15).Generate(100_000));

        Assert.Empty(h.Opened);
        Assert.True(h.Detector.State.Deployments.Values.Single().ClosedWindows >= 44);
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenATinySubgroup_WhenAWindowCloses_ThenItsStateIsInsufficientEvidenceNotANumber()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(16).Generate(14_000));

        var rows = h.Detector.State.Deployments.Values.Single().Status.Values.Where(s => s.Scope == "ethnicity=group-z").ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.Equal("insufficient-evidence", r.State);
            Assert.Null(r.Statistic);
            Assert.Null(r.PValue);
        });
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenAShiftThatEnds_WhenClearWindowsFollow_ThenTheFindingResolvesOnceWithoutFlapping()
    {
        var stream = new SyntheticStream(17, InjectedChange.ManufacturerMix, ChangeAt) { ChangeUntil = ChangeAt + 6_000 };
        var h = new CoreHarness().Feed(stream.Generate(30_000));

        var opened = Assert.Single(h.Opened, o => o.Evidence.Signal == "study:manufacturer" && o.Scope == "*");
        var resolved = Assert.Single(h.Emitted.OfType<FindingResolved>(), r => r.FindingId == opened.FindingId);
        Assert.Equal("recovered", resolved.Reason);
        // The monitor resolves once its capped statistic is back at 0: after the change ended, not before.
        Assert.True(h.InferenceIndexAt(resolved.IngestSequence) >= ChangeAt + 6_000, "resolves after the change ended");
        Assert.Single(h.Opened, o => o.Evidence.Signal == "study:manufacturer" && o.Scope == "*");
        Assert.Contains(h.Emitted.OfType<ChangeOpened>(), c => c.ChangeId == opened.ChangeId);
    }
}
