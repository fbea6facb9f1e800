using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>The alarm semantics of issue 11 in the pure core: evidence of harm, new groups, one change = one root cause.</summary>
public sealed class MonitorSemanticsTests
{
    [Theory]
    [InlineData(0.70, 0.80, 0.75, "NotDemonstrated")] // straddles the floor: no evidence of harm, none of safety
    [InlineData(0.60, 0.74, 0.75, "Detected")]        // the whole interval below the floor: evidence of harm
    [InlineData(0.76, 0.90, 0.75, "Clear")]
    public void GivenAnIntervalAndAFloor_WhenJudged_ThenOnlyAnUpperBoundBelowTheFloorIsAFinding(double lower, double upper, double floor, string expected)
    {
        Assert.Equal(expected, DeploymentRuntime.FloorOutcome(new Interval(lower, upper, 0.95), floor).ToString());
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenFloorsAFewPointsUnderTruePerformanceAndMinLabelled50_WhenNothingChanges_ThenNoFindingAndTheStraddleIsShownAsNotDemonstrated()
    {
        // A policy a new user writes: sensitivity floor 0.85 against a true 0.885, 50 labelled positives, 3 pooled windows.
        var policies = CoreHarness.TestPolicy(p =>
        {
            p.Performance.MinLabelled = 50;
            p.Performance.PoolWindows = 3;
            p.Performance.Floors = new() { ["sensitivity"] = 0.85 };
        });
        var h = new CoreHarness(policies).Feed(new SyntheticStream(21).Generate(40_000));

        Assert.Empty(h.Opened);
        var status = h.Detector.State.Deployments.Values.Single().Status.Values;
        Assert.Contains(status, s => s.Method == "wilson-floor" && s.State == "not-demonstrated");
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenAFloorWellAboveTheTruePerformance_WhenJudgedAtTheDeploymentsBudget_ThenTheEvidenceOfHarmStillOpensAFinding()
    {
        // The finding level is far stricter than 95 % (a union bound over a year of evaluations), yet sensitivity 0.885 against a
        // floor of 0.97 is evidence of harm that it must still find: strictness costs power on borderline floors only.
        var policies = CoreHarness.TestPolicy(p =>
        {
            p.Performance.MinLabelled = 50;
            p.Performance.PoolWindows = 3;
            p.Performance.Floors = new() { ["sensitivity"] = 0.97 };
        });
        var h = new CoreHarness(policies).Feed(new SyntheticStream(21).Generate(40_000));

        Assert.Contains(h.Opened, o => o.Evidence.Method == "wilson-floor" && o.Evidence.Signal.StartsWith("performance:sensitivity", StringComparison.Ordinal));
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenASubgroupValueAbsentFromTheReference_WhenItReachesItsShare_ThenANewGroupFindingNamesItsSiteAsTheRootAndTheGroupInTheSummary()
    {
        // After inference 12,000 (the reference holds the first 10,000), a third of site B's patients belong to a group never seen.
        var inferences = 0;
        var events = new SyntheticStream(22).Generate(16_000).Select(e =>
            e.Data is InferenceRecorded r && ++inferences > 12_000 && r.Site == "B" && inferences % 3 == 0
                ? e with { Data = r with { Patient = r.Patient with { Ethnicity = "new-group" } } }
                : e).ToList();
        var h = new CoreHarness().Feed(events);

        var finding = h.Opened.Where(o => o.Evidence.Method == "new-category-cusum" && o.Evidence.Signal == "subgroup:ethnicity").MinBy(o => o.IngestSequence);
        Assert.True(finding is not null, string.Join("\n", h.Opened.Select(o => o.Summary)));
        Assert.InRange(h.InferenceIndexAt(finding.IngestSequence) - 12_000, 0, 1_500);
        var change = h.Emitted.OfType<ChangeOpened>().Single(c => c.ChangeId == finding.ChangeId);
        var root = h.Emitted.OfType<ChangeRevised>().Where(r => r.ChangeId == change.ChangeId).Select(r => r.RootSubgroup).LastOrDefault() ?? change.RootSubgroup;
        var members = string.Join("\n", h.Opened.Where(o => o.ChangeId == change.ChangeId).Select(o => $"{o.Scope} {o.Evidence.Signal} {o.Evidence.EffectSize} {o.Evidence.ReferenceSize}"));
        // The place whose mix changed is the scope (site B); the new group is what changed there, named in the summary.
        Assert.True(root.GetValueOrDefault("site") == "B" && !root.ContainsKey("ethnicity"), $"root {string.Join(",", root)}\n{members}");
        var summary = h.Emitted.OfType<ChangeRevised>().Where(r => r.ChangeId == change.ChangeId).Select(r => r.Summary).LastOrDefault() ?? change.Summary;
        Assert.Contains("new-group", summary, StringComparison.Ordinal);
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenASlowRampEverywhere_WhenItIsStillUnderHalfTheDesignShift_ThenTheSmallShiftChartHasOpenedItsFinding()
    {
        // From inference 12,000 meanIntensity drifts linearly by +0.6 SD over 20,000 inferences at every site (detector ageing).
        // The design chart (k = 0.5) gains nothing until the drift passes 0.5 SD (inference ~28,700); the small-shift chart
        // (k = 0.25) accumulates from 0.25 SD (inference ~20,300), so the population's finding opens thousands of inferences
        // earlier (21,597 here, against 26,625 with the design chart alone).
        var inferences = 0;
        var events = new SyntheticStream(24).Generate(36_000).Select(e =>
        {
            if (e.Data is not InferenceRecorded r || ++inferences <= 12_000) return e;
            var drift = 15 * 0.6 * Math.Min(1, (inferences - 12_000) / 20_000.0);
            var features = new Dictionary<string, double>(r.Features!) { ["meanIntensity"] = r.Features!["meanIntensity"] + drift };
            return e with { Data = r with { Features = features } };
        }).ToList();
        var h = new CoreHarness().Feed(events);

        var finding = h.Opened.Where(o => o.Evidence.Signal == "feature:meanIntensity" && o.Scope == "*").MinBy(o => o.IngestSequence);
        Assert.True(finding is not null, string.Join("\n", h.Opened.Select(o => o.Summary)));
        var at = h.InferenceIndexAt(finding.IngestSequence);
        Assert.True(at < 24_000, $"opened at inference {at} (drift {0.6 * (at - 12_000) / 20_000.0:0.00} SD): {finding.Summary}");
        Assert.Contains("small-shift chart", finding.Summary, StringComparison.Ordinal);
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenAReferenceWhoseEventsArriveOutOfTimeOrder_WhenItFreezes_ThenTheMonitorsRatesComeFromItsTrueSpan()
    {
        // The reference (first 10,000 inferences) spans several days; its first stored event carries its latest time and its
        // last stored event its earliest, so last − first is negative (taken before for "a week of traffic").
        var list = new SyntheticStream(25).Generate(12_000).ToList();
        var refs = list.Select((e, i) => (e, i)).Where(x => x.e.Data is InferenceRecorded).Take(10_000).Select(x => x.i).ToList();
        var times = refs.Select(i => ((InferenceRecorded)list[i].Data).OccurredAt).ToList();
        var (min, max) = (times.Min(), times.Max());
        list[refs[0]] = list[refs[0]] with { Data = (InferenceRecorded)list[refs[0]].Data with { OccurredAt = max } };
        list[refs[^1]] = list[refs[^1]] with { Data = (InferenceRecorded)list[refs[^1]].Data with { OccurredAt = min } };
        var h = new CoreHarness().Feed(list);

        var bank = h.Detector.State.Deployments.Values.Single().Monitors;
        Assert.True(bank.Ready);
        Assert.Equal((max - min).TotalDays / 365.25, bank.ReferenceYears, 9);
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenNoChange_WhenMonitorsRunAHundredThousandEvents_ThenTheirStatisticsStayBelowTheirThresholds()
    {
        var h = new CoreHarness().Feed(new SyntheticStream(23).Generate(100_000));

        var bank = h.Detector.State.Deployments.Values.Single().Monitors;
        Assert.True(bank.Ready);
        Assert.Empty(bank.Open);
        Assert.DoesNotContain(h.Emitted, e => e is ChangeOpened);
    }
}
