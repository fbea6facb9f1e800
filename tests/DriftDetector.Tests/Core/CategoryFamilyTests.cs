using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.Statistics;
using static Monitoring.DriftDetector.Tests.Core.MonitorFixture;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The category family on reference counts written into the state: which (scope, input) gets monitors and which categories it
/// watches, each cell's design and calibrated threshold, the exact step of a share or new-category alarm, its evidence, and
/// the bookkeeping of new subgroup values.
/// </summary>
public sealed class CategoryFamilyTests
{
    private static double R(double x) => Math.Round(x, 9);

    private static MonitorFixture Manufacturer(params (string, long)[] counts) =>
        new MonitorFixture(Policy(p => p.Signals.Study = ["manufacturer"])).Categories(0, 0, counts).Freeze();

    /// <summary>The designed chart of a share p moved by the odds ratio 2 (up) or 1/2 (down), with its calibrated threshold.</summary>
    private static (double Hit, double Miss, double H) Chart(double p, bool up, long count, long n, double alarmsPerYear)
    {
        var chart = BernoulliCusum.Design(p, BernoulliCusum.ShiftOdds(p, (up ? 1 : -1) * Math.Log(2)), 2);
        return (chart.Hit, chart.Miss, CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, count, n, 10.0 * n, alarmsPerYear));
    }

    [Fact]
    public void GivenReferenceCounts_WhenFrozen_ThenEachInputWatchesItsCategoriesOfFiveOrMoreInOrdinalOrder()
    {
        // A binary input watches its first category only (the other's share is its mirror). Scopes: *, site=A (fixes site), sex=F&site=A (fixes both), site=B (no reference accumulator, no attribute counts).
        var f = new MonitorFixture(Policy(p =>
        {
            p.Signals.Study = ["manufacturer", "viewPosition"];
            p.Subgroups.Attributes = ["site", "sex"];
        }), "site=A", "sex=F&site=A", "site=B");
        f.State.Reference.Scopes.RemoveAt(3);
        f.Categories(0, 0, ("SIEMENS", 100), ("GE", 200), ("PHILIPS", 4), ("agfa", 96))
            .Categories(0, 1, ("PA", 300), ("AP", 100))
            .Categories(1, 0, ("GE", 20), ("SIEMENS", 5), ("PHILIPS", 5)) // exactly minSample (30); 5 is enough to be watched
            .Categories(1, 1, ("PA", 25), ("AP", 4))          // 29: below minSample
            .Categories(2, 0, ("GE", 40));
        f.Attribute(0, 0, ("A", 250), ("B", 150)).Attribute(0, 1, ("F", 200), ("M", 200))
            .Attribute(1, 0, ("A", 30)).Attribute(1, 1, ("F", 20), ("M", 10))
            .Attribute(2, 0, ("A", 40)).Attribute(2, 1, ("F", 40));

        f.Freeze();

        string Describe(CategoryMonitors? m) => m is null ? "-" :
            $"{m.ReferenceTotal}:{string.Join(",", m.Categories.Zip(m.ReferenceCounts, (c, n) => $"{c}={n}"))}|{string.Join(",", m.Known)}|{m.Cells.Count}";
        Assert.Equal(
            [
                "400:GE=200,SIEMENS=100,agfa=96|PHILIPS|7", "400:AP=100|PA|3", "400:A=250|B|3", "400:F=200|M|3",
                "30:GE=20,PHILIPS=5,SIEMENS=5||7", "-", "-", "30:F=20|M|3",
                "40:GE=40||3", "-", "-", "-",
                "-", "-", "-", "-",
            ],
            f.State.Monitors.Scopes.SelectMany(s => s.Categories.Select(Describe)));
    }

    [Fact]
    public void GivenThreeCategories_WhenOneOfThemIsAllThatArrives_ThenEachCellMovesByItsDesignedIncrementAndItsRiseAlarmsFirst()
    {
        // GE/SIEMENS/PHILIPS 200/120/80 of 400: up and down cells for each, and the new-category cell: 7 cells, 0.5/7 a year each.
        var f = Manufacturer(("GE", 200), ("SIEMENS", 120), ("PHILIPS", 80));
        var a = 0.5 / 7;
        var geDown = Chart(0.5, false, 200, 400, a);
        var siemensDown = Chart(0.3, false, 120, 400, a);
        var philipsUp = Chart(0.2, true, 80, 400, a);

        for (var i = 0; i < 3; i++) f.Observe([0], [], ["PHILIPS"]);

        var cells = f.Scope(0).Categories[0]!.Cells;
        // Ordinal order: GE, PHILIPS, SIEMENS (up, down each), then the new-category cell.
        Assert.Equal([0, R(3 * geDown.Miss), R(3 * philipsUp.Hit), 0, 0, R(3 * siemensDown.Miss), 0], cells.Select(c => R(c.S)));
        Assert.Equal([0, 0, 3.0, 0, 0, 0, 0], cells.Select(c => c.Sum));
        Assert.Equal([0L, 3, 3, 0, 0, 3, 0], cells.Select(c => c.N));

        var steps = (int)Math.Ceiling(philipsUp.H / philipsUp.Hit);
        for (var i = 3; i < steps; i++) f.Observe([0], [], ["PHILIPS"]);

        var o = Assert.Single(f.Opened);
        Assert.Equal((1000L + steps, "*", "study:manufacturer", "bernoulli-cusum", philipsUp.H, 0.8, 400, steps),
            (o.IngestSequence, o.Scope, o.Evidence.Signal, o.Evidence.Method, o.Evidence.Threshold, R(o.Evidence.EffectSize!.Value), o.Evidence.ReferenceSize, o.Evidence.CurrentSize));
        Assert.Contains($": share of 'PHILIPS' rose: 1 over {steps} events against 0.2 in the reference since", o.Summary, StringComparison.Ordinal);
        Assert.Equal(1, f.State.Monitors.Open["*|study:manufacturer"].AlarmedCells);

        // Later the fall of GE's share alarms too: the same finding, one more alarmed cell.
        var geSteps = (int)Math.Ceiling(geDown.H / geDown.Miss);
        for (var i = steps; i < geSteps; i++) f.Observe([0], [], ["PHILIPS"]);
        Assert.Single(f.Opened);
        Assert.True(cells[1].Alarmed);
        Assert.Equal(cells.Count(c => c.Alarmed), f.State.Monitors.Open["*|study:manufacturer"].AlarmedCells);
    }

    [Fact]
    public void GivenABinaryInput_WhenTheOtherValueIsAllThatArrives_ThenTheFirstCategorysDownCellAlarmsWithTheFallInItsSummary()
    {
        // GE/SIEMENS 200/200: only GE is watched (up, down) plus the new-category cell: 3 cells.
        var f = Manufacturer(("GE", 200), ("SIEMENS", 200));
        var geDown = Chart(0.5, false, 200, 400, 0.5 / 3);
        var steps = (int)Math.Ceiling(geDown.H / geDown.Miss);

        for (var i = 0; i < steps; i++) f.Observe([0], [], ["SIEMENS"]);

        var o = Assert.Single(f.Opened);
        Assert.Equal((1000L + steps, geDown.H, -0.5), (o.IngestSequence, o.Evidence.Threshold, o.Evidence.EffectSize));
        Assert.Contains($": share of 'GE' fell: 0 over {steps} events against 0.5 in the reference since", o.Summary, StringComparison.Ordinal);
        Assert.Equal([0, R(steps * geDown.Miss), 0], f.Scope(0).Categories[0]!.Cells.Select(c => R(c.S)));
    }

    [Fact]
    public void GivenAlmostEverythingInOneCategory_WhenItKeepsArriving_ThenItsCellsAndTheRareOnesDownCellsAreOff()
    {
        // A 950, B 30, C 20 of 1,000: A (≥ 0.95) has no cell, B and C (< 0.05) only an up cell; with the new-category cell 3 cells.
        var f = Manufacturer(("A", 950), ("B", 30), ("C", 20));

        for (var i = 0; i < 300; i++) f.Observe([0], [], ["A"]);

        Assert.Empty(f.Emitted);
        Assert.All(f.Scope(0).Categories[0]!.Cells, c => Assert.Equal((0.0, 0L), (c.S, c.N)));

        var bUp = Chart(0.03, true, 30, 1000, 0.5 / 3);
        var steps = (int)Math.Ceiling(bUp.H / bUp.Hit);
        for (var i = 0; i < steps; i++) f.Observe([0], [], ["B"]);
        var o = Assert.Single(f.Opened);
        Assert.Equal((1300L + steps, bUp.H), (o.IngestSequence, o.Evidence.Threshold));
    }

    [Fact]
    public void GivenAValueAbsentFromTheReference_WhenItKeepsArriving_ThenTheNewCategoryCellAlarmsAtTheNewGroupShare()
    {
        // p₀ = 1/401 against p₁ = newGroupShare 0.05; known values (PHILIPS, too rare to watch) are not new.
        var f = Manufacturer(("GE", 200), ("SIEMENS", 196), ("PHILIPS", 4));
        var chart = BernoulliCusum.Design(1.0 / 401, 0.05, 2);
        var h = CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, 0, 400, 4000, 0.5 / 5);

        f.Observe([0], [], ["PHILIPS"]).Observe([0], [], [null]);
        Assert.Equal(0.0, f.Scope(0).Categories[0]!.Cells[^1].S);
        var steps = (int)Math.Ceiling(h / chart.Hit);
        for (var i = 0; i < steps; i++) f.Observe([0], [], ["CANON"]);

        var o = Assert.Single(f.Opened);
        Assert.Equal((1002L + steps, "new-category-cusum", h, 1.0, steps), (o.IngestSequence, o.Evidence.Method, o.Evidence.Threshold, o.Evidence.EffectSize, o.Evidence.CurrentSize));
        Assert.Contains($": 'CANON', absent from the reference, reached a share above 0.05: 1 over {steps} events against 0 in the reference since", o.Summary, StringComparison.Ordinal);
        Assert.Null(f.State.Changes.Single().Members.Single().NewGroup); // a study field's new value is not a new group
        Assert.Empty(f.State.Monitors.NewGroupEvents);
    }

    [Fact]
    public void GivenANewSubgroupValue_WhenItArrives_ThenItsEventsAreCountedPerScopeAndItsFindingNamesTheGroup()
    {
        var f = new MonitorFixture(Policy(p => p.Subgroups.Attributes = ["site"]), "sex=F");
        f.Attribute(0, 0, ("A", 250), ("B", 150)).Attribute(1, 0, ("A", 120), ("B", 80));
        f.Count(0, 400).Count(1, 200).Freeze();
        var chart = BernoulliCusum.Design(1.0 / 401, 0.05, 2);
        // Binary: A up and down, and the new cell; two scopes: 6 cells.
        var h = CalibratedThreshold.Bernoulli(chart.Hit, chart.Miss, 0, 400, 4000, 0.5 / 6);
        var steps = (int)Math.Ceiling(h / chart.Hit);

        for (var i = 0; i < steps; i++) f.Observe(i % 2 == 0 ? [0, 1] : [0], [], [], f.Inference(site: "Z&Y"));

        Assert.Equal(new Dictionary<string, long> { ["*"] = steps, ["sex=F"] = (steps + 1) / 2 }, f.State.Monitors.NewGroupEvents["site=Z%26Y"]);
        var o = f.Opened.First(o => o.Scope == "*");
        Assert.Equal((1000L + steps, "subgroup:site", h), (o.IngestSequence, o.Evidence.Signal, o.Evidence.Threshold));
        Assert.Equal("site=Z%26Y", f.State.Changes.Single().Members.First(m => m.FindingId == o.FindingId).NewGroup);
    }

    [Fact]
    public void GivenTwoHundredNewGroupsAlready_WhenAnotherOneArrives_ThenItIsNotTrackedButKnownOnesStillCount()
    {
        var f = new MonitorFixture(Policy(p => p.Subgroups.Attributes = ["site"]));
        f.Attribute(0, 0, ("A", 400)).Count(0, 400).Freeze();
        for (var i = 0; i < 199; i++) f.State.Monitors.NewGroupEvents["site=old" + i] = new Dictionary<string, long> { ["*"] = 1 };

        f.Observe([0], [], [], f.Inference(site: "N1")).Observe([0], [], [], f.Inference(site: "N2")).Observe([0], [], [], f.Inference(site: "N1"));

        Assert.Equal(200, f.State.Monitors.NewGroupEvents.Count);
        Assert.Equal(2L, f.State.Monitors.NewGroupEvents["site=N1"]["*"]);
        Assert.False(f.State.Monitors.NewGroupEvents.ContainsKey("site=N2"));
    }

    [Fact]
    public void GivenANarrowScopeWhoseReferenceMissedAPopulationValue_WhenThatValueArrives_ThenItIsNotNewThereAndASmallReferenceHasNoNewCell()
    {
        // *: GE/SIEMENS/PHILIPS 200/150/50; site=A saw only GE (40) and site=B only 30 GE (p₀ = 1/31: 2p₀ > 0.05, no new cell).
        var f = new MonitorFixture(Policy(p => p.Signals.Study = ["manufacturer"]), "site=A", "site=B")
            .Categories(0, 0, ("GE", 200), ("SIEMENS", 150), ("PHILIPS", 50)).Categories(1, 0, ("GE", 40)).Categories(2, 0, ("GE", 30)).Freeze();

        for (var i = 0; i < 50; i++) f.Observe([1, 2], [], ["PHILIPS"]);
        for (var i = 0; i < 50; i++) f.Observe([2], [], ["CANON"]);

        Assert.Equal(["PHILIPS", "SIEMENS"], f.Scope(1).Categories[0]!.Known.Order(StringComparer.Ordinal));
        Assert.Equal(0.0, f.Scope(1).Categories[0]!.Cells[^1].S);
        Assert.Equal(0.0, f.Scope(2).Categories[0]!.Cells[^1].S);
        Assert.Empty(f.Opened);
    }
}
