using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.Statistics;
using static Monitoring.DriftDetector.Tests.Core.MonitorFixture;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The monitor bank around its families: when it is active, what it creates at freeze (scopes, cells, channels, the reference's
/// span in years), the reference counts of subgroup attributes, how the budget is split between families, and its guards.
/// </summary>
public sealed class MonitorBankTests
{
    [Fact]
    public void GivenMonitorsOn_WhenTheReferenceFreezes_ThenTheBankBecomesActiveWithOneEntryPerScopeAndItsCells()
    {
        // Two features, one study field, attributes site and sex (sex&site an intersection, not an attribute), two labels: three
        // outcome channels (one per label and the pooled one). The third scope has no reference accumulator.
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Features = ["meanIntensity", "imageQuality"];
            p.Signals.Study = ["manufacturer"];
            p.Subgroups.Attributes = ["site", "sex"];
            p.Subgroups.Intersections = [["sex", "site"]];
            p.Performance.Labels = ["pneumothorax", "effusion"];
        }), "site=A", "site=B");
        f.State.Reference.Scopes.RemoveAt(2);
        f.Count(0, 400).Count(1, 150);
        Assert.Equal(["site", "sex"], f.Bank.Attributes);
        Assert.Equal(2, f.Bank.AttributeValues.Length);
        Assert.False(f.Bank.Active);

        f.Freeze();

        Assert.True(f.Bank.Active);
        Assert.True(f.State.Monitors.Ready);
        Assert.Equal(0.1, f.State.Monitors.ReferenceYears, 12);
        Assert.Equal(["*", "site=A", "site=B"], f.State.Monitors.Scopes.Select(s => s.Scope));
        Assert.Equal([400L, 150, 0], f.State.Monitors.Scopes.Select(s => s.ReferenceCount));
        // Numeric slots: 2 features and the 2 labels' scores, 4 cells each.
        Assert.All(f.State.Monitors.Scopes, s => Assert.Equal((16, 3, 3, 0L), (s.Numeric.Count, s.Categories.Count, s.Outcomes.Count, s.Count)));
        Assert.Equal([4000, 1500, 10], Enumerable.Range(0, 3).Select(si => Math.Round(f.Bank.ScopeRate(si), 9)));

        // A second freeze (a restart replays the freeze) creates nothing twice.
        f.Bank.Create();
        Assert.Equal(3, f.State.Monitors.Scopes.Count);
        Assert.Equal(16, f.Scope(0).Numeric.Count);
    }

    [Fact]
    public void GivenOneLabel_WhenFrozen_ThenEachScopeHasOneOutcomeChannel()
    {
        var f = new MonitorFixture(Policy(p => p.Performance.Labels = ["pneumothorax"])).Freeze();

        Assert.Equal((4, 0, 1), (f.Scope(0).Numeric.Count, f.Scope(0).Categories.Count, f.Scope(0).Outcomes.Count));
    }

    [Theory]
    [InlineData(36.525 * 24 * 60, 0.1)]
    [InlineData(0.0, 7 / 365.25)]           // an uploaded profile has no span: a week of traffic
    [InlineData(30.0, 1.0 / 24 / 365.25)]   // at least an hour
    [InlineData(120.0, 2.0 / 24 / 365.25)]
    public void GivenAReferenceSpan_WhenFrozen_ThenReferenceYearsIsItsSpanWithAWeekForNoneAndAnHourAtLeast(double minutes, double years)
    {
        var f = new MonitorFixture(Policy()).Span(TimeSpan.FromMinutes(minutes)).Freeze();

        Assert.Equal(years, f.State.Monitors.ReferenceYears, 12);
    }

    [Fact]
    public void GivenMonitorsOffInThePolicy_WhenTheReferenceIsCountedAndFreezes_ThenNothingIsCountedOrCreated()
    {
        var f = new MonitorFixture(Policy(p =>
        {
            p.Sequential.Monitors = false;
            p.Subgroups.Attributes = ["site"];
            p.Signals.Features = ["meanIntensity"];
        })).Ramp(0, 0, 100);

        f.Bank.CountReference([0], f.Inference());
        f.Freeze();
        f.Observe([0], [1e6]);

        Assert.Empty(f.State.Monitors.AttributeCounts);
        Assert.False(f.State.Monitors.Ready);
        Assert.Empty(f.State.Monitors.Scopes);
        Assert.False(f.Bank.Active);
        Assert.Empty(f.Emitted);
    }

    [Fact]
    public void GivenMonitorsSwitchedOffAfterTheFreeze_WhenInferencesAndLabelsArrive_ThenTheBankIsInactiveAndChangesNothing()
    {
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Features = ["meanIntensity"];
            p.Performance.Labels = ["pneumothorax"];
        })).Ramp(0, 0, 100).Freeze();
        f.Bank.Spec.Monitors = false;

        f.Observe([0], [1e6]);
        f.Label([0], positive: true, predicted: false);

        Assert.False(f.Bank.Active);
        Assert.Equal((0L, 0.0, 0L), (f.Scope(0).Count, f.Scope(0).Numeric[0].S, f.Scope(0).Outcomes[0].Sensitivity.Seen));
    }

    [Fact]
    public void GivenAnOpenReference_WhenInferencesAreCounted_ThenEachScopeCountsEachAttributesNonEmptyValues()
    {
        var f = new MonitorFixture(Policy(p => p.Subgroups.Attributes = ["site", "sex", "ethnicity"]), "site=A");

        f.Bank.CountReference([0, 1], f.Inference(site: "A", sex: "F"));
        f.Bank.CountReference([0, 1], f.Inference(site: "A", sex: "M"));
        f.Bank.CountReference([0], f.Inference(site: "B", sex: "F") with { Patient = new PatientInfo { PseudoId = new string('a', 64), Sex = "F", Ethnicity = "" } });

        var counts = f.State.Monitors.AttributeCounts;
        Assert.Equal(2, counts.Count);
        Assert.Equal(new Dictionary<string, long> { ["A"] = 2, ["B"] = 1 }, counts[0][0]);
        Assert.Equal(new Dictionary<string, long> { ["F"] = 2, ["M"] = 1 }, counts[0][1]);
        Assert.Equal(new Dictionary<string, long> { ["group-a"] = 2 }, counts[0][2]);
        Assert.Equal(new Dictionary<string, long> { ["A"] = 2 }, counts[1][0]);
        Assert.Equal(new Dictionary<string, long> { ["F"] = 1, ["M"] = 1 }, counts[1][1]);
    }

    [Theory]
    [InlineData(false, 0, 0.0, 0.5)]
    [InlineData(false, 1, 0.0, 0.4)]   // window floors also open findings: they get HarmShare (0.2) of the budget
    [InlineData(false, 0, 0.1, 0.4)]   // so does the fairness gap
    [InlineData(true, 1, 0.1, 0.5)]    // window findings: floors and gaps are judged there, the monitors keep the whole budget
    public void GivenFloorsFairnessAndWindowFindings_WhenTheBudgetIsAsked_ThenTheMonitorsShareIsAllOrAllButTheHarmShare(bool windowFindings, int floors, double fairness, double budget)
    {
        var f = new MonitorFixture(Policy(p =>
        {
            p.Thresholds.WindowFindings = windowFindings;
            if (floors > 0) p.Performance.Floors = new() { ["sensitivity"] = 0.8 };
            p.Performance.FairnessTolerance = fairness;
        }));

        Assert.Equal(budget, f.Bank.Budget, 15);
        Assert.Equal(budget / 8, f.Bank.AlarmsPerYear(1.0 / 8), 15);
    }

    [Fact]
    public void GivenANumericAndACategoryFamily_WhenCompiled_ThenTheBudgetIsSplitEquallyBetweenTheFamiliesPresent()
    {
        // Numeric: one scope × 4 cells; categories: manufacturer GE/SIEMENS/PHILIPS 200/120/80 of 400 → up and down cells for
        // each (3 × 2) and the new-category cell (p₀ = 1/401 < 0.05/2): 7. Each numeric cell gets 0.5 / 2 / 4.
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Features = ["meanIntensity"];
            p.Signals.Study = ["manufacturer"];
        })).Ramp(0, 0, 400).Categories(0, 0, ("GE", 200), ("SIEMENS", 120), ("PHILIPS", 80)).Freeze();

        var h = NumericThresholdAtAlarm(f, ["GE"]);

        Assert.Equal(CalibratedThreshold.NormalScoreCusum(0.5, 400, GridRate(4000), 0.5 / 2 / 4), h);
    }

    [Fact]
    public void GivenACategoryInputWithoutCells_WhenCompiled_ThenTheNumericFamilyKeepsTheWholeBudget()
    {
        // The study field was never filled in the reference: no category cells, so one family is present.
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Features = ["meanIntensity"];
            p.Signals.Study = ["protocol"];
        })).Ramp(0, 0, 400).Freeze();

        var h = NumericThresholdAtAlarm(f, [null]);

        Assert.Equal(CalibratedThreshold.NormalScoreCusum(0.5, 400, GridRate(4000), 0.5 / 4), h);
    }

    [Fact]
    public void GivenAFeatureAbsentFromTheReference_WhenItArrivesAfterTheFreeze_ThenItIsIgnoredAndTheOtherFamiliesRun()
    {
        // Regression: a family without cells was not compiled, and its first Observe indexed its empty tables (crash on every
        // inference). The feature has no reference values anywhere, so no chart; the category family still runs.
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Features = ["meanIntensity"];
            p.Signals.Study = ["manufacturer"];
        })).Categories(0, 0, ("GE", 200), ("SIEMENS", 200)).Freeze();

        for (var i = 0; i < 40; i++) f.Observe([0], [5.0], ["PHILIPS"]);

        Assert.Equal(40L, f.Scope(0).Count);
        Assert.All(f.Scope(0).Numeric, c => Assert.Equal(0.0, c.S));
        Assert.Equal("study:manufacturer", Assert.Single(f.Opened).Evidence.Signal);
    }

    private static double NumericThresholdAtAlarm(MonitorFixture f, string?[] categorical)
    {
        for (var i = 0; i < 10 && !f.Opened.Any(); i++) f.Observe([0], [1e6], categorical);
        var o = Assert.Single(f.Opened);
        Assert.Equal("feature:meanIntensity", o.Evidence.Signal);
        return o.Evidence.Threshold!.Value;
    }

    [Fact]
    public void GivenAScopeThatAppearedAfterTheFreeze_WhenAnInferenceIsObserved_ThenOnlyTheKnownScopesCountIt()
    {
        var f = new MonitorFixture(Policy(p => p.Subgroups.Attributes = ["site", "sex"]), "site=A").Freeze();
        f.State.ScopeKeys.Add("site=Q");

        f.Observe([0, 2, 1], [], [], f.Inference(site: "Q", sex: "M"));

        Assert.Equal([1L, 1], f.State.Monitors.Scopes.Select(s => s.Count));
        Assert.Equal("Q,M", string.Join(",", f.Bank.AttributeValues));
    }

    [Fact]
    public void GivenAnUnfrozenReference_WhenInferencesAndLabelsArrive_ThenNothingIsObserved()
    {
        var f = new MonitorFixture(Policy(p => p.Performance.Labels = ["pneumothorax"]));

        f.Observe([0], []);
        f.Label([0], positive: true, predicted: false);

        Assert.Empty(f.State.Monitors.Scopes);
        Assert.Empty(f.Emitted);
    }
}
