using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Simulator.Tests;

/// <summary>Each scenario's change is present after its start (by the documented magnitude) and absent before.</summary>
public class ScenarioTests
{
    private static double Mean(IEnumerable<InferenceEvent> events, string feature) => events.Average(e => e.Message.Features[feature]);

    [Fact]
    public void GivenFirmwareUpdate_WhenComparingBeforeAndAfter_ThenOnlyTheTargetSiteFeaturesShiftByTheStatedSds()
    {
        var sample = Sample.Generate(Sample.Cxr("firmware-update"));
        var start = sample.ChangeStart;
        var sd = ScannerCatalog.SiemensYsio.Feature("meanIntensity").Sd;

        var siteB = sample.Inferences.Where(e => e.Message.Site == "site-b").ToArray();
        var shift = Mean(siteB.Where(e => e.At >= start), "meanIntensity") - Mean(siteB.Where(e => e.At < start), "meanIntensity");
        Assert.InRange(shift / sd, 1.0, 1.4); // stated: +1.2 SD

        var noiseSd = ScannerCatalog.SiemensYsio.Feature("noiseLevel").Sd;
        var noiseShift = Mean(siteB.Where(e => e.At >= start), "noiseLevel") - Mean(siteB.Where(e => e.At < start), "noiseLevel");
        Assert.InRange(noiseShift / noiseSd, -1.1, -0.7); // stated: -0.9 SD

        foreach (var other in new[] { "site-a", "site-c", "site-d" })
        {
            var events = sample.Inferences.Where(e => e.Message.Site == other).ToArray();
            var otherShift = Mean(events.Where(e => e.At >= start), "meanIntensity") - Mean(events.Where(e => e.At < start), "meanIntensity");
            Assert.True(Math.Abs(otherShift) < 0.2 * sd, $"{other} moved by {otherShift / sd:0.00} SD");
        }

        Assert.All(sample.Inferences.Where(e => e.At < start), e => Assert.Empty(e.Truth.AffectedBy));
        Assert.All(siteB.Where(e => e.At >= start), e => Assert.Contains("firmware-update", e.Truth.AffectedBy));
        var auroc = siteB.Where(e => e.At >= start && e.Truth.Positive[1]).Average(e => e.Truth.TargetAuroc[1]);
        var aurocBefore = siteB.Where(e => e.At < start && e.Truth.Positive[1]).Average(e => e.Truth.TargetAuroc[1]);
        Assert.Equal(-0.03, auroc - aurocBefore, 0.005);
    }

    [Fact]
    public void GivenFirmwareUpdateWithEmbedding_WhenComparingCentroids_ThenTheTargetSiteEmbeddingMoves()
    {
        var settings = Sample.Cxr("firmware-update", days: 8, changeDay: 4) with { EmbeddingDimensions = 16 };
        var sample = Sample.Generate(settings);
        var start = sample.ChangeStart;
        double[] Centroid(IEnumerable<InferenceEvent> events)
        {
            var list = events.ToArray();
            return Enumerable.Range(0, 16).Select(k => list.Average(e => (double)e.Message.Embedding![k])).ToArray();
        }

        double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b).Sum(p => (p.First - p.Second) * (p.First - p.Second)));
        var siteB = sample.Inferences.Where(e => e.Message.Site == "site-b").ToArray();
        var siteA = sample.Inferences.Where(e => e.Message.Site == "site-a").ToArray();
        Assert.InRange(Distance(Centroid(siteB.Where(e => e.At < start)), Centroid(siteB.Where(e => e.At >= start))), 1.0, 1.4); // stated length 1.2
        Assert.True(Distance(Centroid(siteA.Where(e => e.At < start)), Centroid(siteA.Where(e => e.At >= start))) < 0.2);
    }

    [Fact]
    public void GivenSubgroupDecay_WhenFullyInEffect_ThenSubgroupSensitivityDropsTenPointsAndOthersDoNot()
    {
        var sample = Sample.Generate(Sample.Cxr("subgroup-decay", days: 32, changeDay: 8));
        var start = sample.ChangeStart;
        var full = sample.FullEffectAt;
        Assert.Equal(7, (full - start).TotalDays);

        (double Realised, double Expected, int N) Sensitivity(IEnumerable<InferenceEvent> events)
        {
            int hits = 0, n = 0;
            var expected = 0.0;
            foreach (var e in events)
            {
                for (var j = 0; j < e.Truth.Positive.Count; j++)
                {
                    if (!e.Truth.Positive[j])
                    {
                        continue;
                    }

                    n++;
                    expected += e.Truth.ExpectedSensitivity[j];
                    if (e.Message.Prediction.PredictedLabels.Contains(ModelCatalog.CxrTriage.Labels[j].Name))
                    {
                        hits++;
                    }
                }
            }

            return (hits / (double)n, expected / n, n);
        }

        var asian = sample.Inferences.Where(e => e.Message.Patient.Ethnicity == "asian").ToArray();
        var before = Sensitivity(asian.Where(e => e.At < start));
        var after = Sensitivity(asian.Where(e => e.At >= full));
        Assert.Equal(-0.10, after.Expected - before.Expected, 0.01);
        var se = Math.Sqrt(before.Realised * (1 - before.Realised) / before.N + after.Realised * (1 - after.Realised) / after.N);
        Assert.True(Math.Abs(after.Realised - before.Realised + 0.10) < 3 * se, $"realised drop {before.Realised - after.Realised:0.000} (n {before.N}/{after.N}), 3 SE {3 * se:0.000}");

        var others = sample.Inferences.Where(e => e.Message.Patient.Ethnicity != "asian").ToArray();
        var otherBefore = Sensitivity(others.Where(e => e.At < start));
        var otherAfter = Sensitivity(others.Where(e => e.At >= full));
        Assert.Equal(otherBefore.Expected, otherAfter.Expected, 0.01);

        // Specificity is unchanged in the subgroup: negatives keep their score distribution.
        double FalsePositiveRate(IEnumerable<InferenceEvent> events) =>
            events.Where(e => !e.Truth.Positive[1]).Average(e => e.Message.Prediction.Scores["pleural-effusion"] >= 0.08 ? 1.0 : 0.0);
        Assert.Equal(FalsePositiveRate(asian.Where(e => e.At < start)), FalsePositiveRate(asian.Where(e => e.At >= full)), 0.03);

        // Share of traffic: the "subgroup that is 15 % of traffic".
        Assert.InRange(asian.Length / (double)sample.Inferences.Count, 0.11, 0.17);
    }

    [Fact]
    public void GivenSubgroupDecayOnSex_WhenGenerated_ThenOnlyThatSexIsAffected()
    {
        var sample = Sample.Generate(Sample.Cxr("subgroup-decay", days: 14, changeDay: 4, parameters: new ScenarioParameters { SubgroupAttribute = "sex", SubgroupValue = "F" }));
        Assert.All(sample.Inferences.Where(e => e.Truth.AffectedBy.Count > 0), e => Assert.Equal("F", e.Message.Patient.Sex));
        Assert.Contains(sample.Inferences, e => e.Truth.AffectedBy.Count > 0);
    }

    [Fact]
    public void GivenPaediatricMix_WhenGenerated_ThenChildrenAppearOnlyAfterTheStartAtTheTargetSite()
    {
        var sample = Sample.Generate(Sample.Cxr("paediatric-mix"));
        var start = sample.ChangeStart;
        Assert.DoesNotContain(sample.Inferences, e => e.Truth.AgeBand == "0-17" && (e.At < start || e.Message.Site != "site-b"));
        var after = sample.Inferences.Where(e => e.At >= start && e.Message.Site == "site-b").ToArray();
        Assert.InRange(after.Count(e => e.Truth.AgeBand == "0-17") / (double)after.Length, 0.17, 0.23);
        var portable = after.Where(e => e.Message.Study.ViewPosition == "AP").ToArray();
        var childKvp = portable.Where(e => e.Truth.AgeBand == "0-17").Average(e => e.Message.Features["kvp"]);
        var adultKvp = portable.Where(e => e.Truth.AgeBand != "0-17").Average(e => e.Message.Features["kvp"]);
        Assert.InRange(adultKvp - childKvp, 22, 28); // stated: -25 kVp
        Assert.All(after.Where(e => e.Truth.AgeBand == "0-17"), e => Assert.True(e.Truth.TargetAuroc[0] < ModelCatalog.CxrTriage.Labels[0].Mapping.ReferenceAuroc - 0.09));
    }

    [Fact]
    public void GivenLateralViews_WhenGenerated_ThenLateralsAppearOnlyAfterTheStartAtTheTargetSite()
    {
        var sample = Sample.Generate(Sample.Cxr("lateral-views"));
        var start = sample.ChangeStart;
        Assert.DoesNotContain(sample.Inferences, e => e.Message.Study.ViewPosition == "LL" && (e.At < start || e.Message.Site != "site-b"));
        var after = sample.Inferences.Where(e => e.At >= start && e.Message.Site == "site-b").ToArray();
        var laterals = after.Where(e => e.Message.Study.ViewPosition == "LL").ToArray();
        Assert.InRange(laterals.Length / (double)after.Length, 0.22, 0.28);
        Assert.All(laterals, e => Assert.Equal("XR CHEST LAT", e.Message.Study.Protocol));
    }

    [Fact]
    public void GivenPrevalenceShift_WhenFullyInEffect_ThenConsolidationTriplesAndVolumeRises()
    {
        var sample = Sample.Generate(Sample.Cxr("prevalence-shift", days: 28, changeDay: 7));
        var start = sample.ChangeStart;
        var full = sample.FullEffectAt;
        double Rate(IEnumerable<InferenceEvent> events) => events.Average(e => e.Truth.Positive[2] ? 1.0 : 0.0);
        var before = sample.Inferences.Where(e => e.At < start).ToArray();
        var after = sample.Inferences.Where(e => e.At >= full).ToArray();
        Assert.InRange(Rate(after) / Rate(before), 2.6, 3.4);
        Assert.InRange(Rate(after.Select(e => e)), 0, 1);
        var perDayBefore = before.Length / (start - sample.Generator.Settings.Start).TotalDays;
        var perDayAfter = after.Length / (sample.Generator.Settings.End - full).TotalDays;
        Assert.InRange(perDayAfter / perDayBefore, 1.15, 1.45);

        // Pneumothorax, not targeted, keeps its prevalence (only the AP share moves it a little).
        double Pneumothorax(IEnumerable<InferenceEvent> events) => events.Average(e => e.Truth.Positive[0] ? 1.0 : 0.0);
        Assert.InRange(Pneumothorax(after) / Pneumothorax(before), 0.85, 1.25);
    }

    [Fact]
    public void GivenGradualDrift_WhenProgressing_ThenTheShiftGrowsLinearlyToTheStatedSize()
    {
        var sample = Sample.Generate(Sample.Cxr("gradual-drift", days: 40, changeDay: 6, parameters: new ScenarioParameters { RampDays = 28 }));
        var start = sample.ChangeStart;
        var baseline = Mean(sample.Inferences.Where(e => e.At < start && e.Message.Site == "site-a"), "meanIntensity");
        var sd = ScannerCatalog.GeDefinium.Feature("meanIntensity").Sd;
        double ShiftAround(double day) => (Mean(sample.Inferences.Where(e => e.Message.Site == "site-a"
            && e.At >= start + TimeSpan.FromDays(day - 1) && e.At < start + TimeSpan.FromDays(day + 1)), "meanIntensity") - baseline) / sd;

        Assert.InRange(ShiftAround(7), -0.6, -0.15);   // quarter way: -0.375 SD
        Assert.InRange(ShiftAround(14), -1.0, -0.5);   // half way: -0.75 SD
        Assert.InRange(ShiftAround(29), -1.8, -1.2);   // full: -1.5 SD
    }

    [Fact]
    public void GivenNewSite_WhenGenerated_ThenItSendsOnlyAfterItsStartWithItsOwnScannersAndPopulation()
    {
        var sample = Sample.Generate(Sample.Cxr("new-site"));
        var start = sample.ChangeStart;
        var newSite = sample.Inferences.Where(e => e.Message.Site == "site-e").ToArray();
        Assert.NotEmpty(newSite);
        Assert.All(newSite, e =>
        {
            Assert.True(e.At >= start);
            Assert.Equal("Canon Inc.", e.Message.Study.Manufacturer);
            Assert.Contains("new-site", e.Truth.AffectedBy);
        });
        Assert.DoesNotContain(sample.Inferences, e => e.Message.Site != "site-e" && e.Message.Study.Manufacturer == "Canon Inc.");
        Assert.InRange(newSite.Count(e => e.Message.Patient.Ethnicity == "asian") / (double)newSite.Length, 0.32, 0.44);
    }

    [Fact]
    public void GivenNewSite_WhenComparedWithTheNetwork_ThenEveryOneOfItsVendorsIsNewForEveryModel()
    {
        var existing = HospitalNetwork.Sites(4).SelectMany(s => s.Scanners).Select(i => (i.ModelId, i.Scanner.Manufacturer)).ToHashSet();
        var joining = HospitalNetwork.NewSite("site-e").Scanners;
        Assert.Equal(3, joining.Select(i => i.ModelId).Distinct().Count());
        Assert.All(joining, i => Assert.DoesNotContain((i.ModelId, i.Scanner.Manufacturer), existing));
    }

    [Fact]
    public void GivenNullScenario_WhenGenerated_ThenNothingIsAffectedAndNothingIsExpected()
    {
        var generator = new TrafficGenerator(Sample.Cxr("null", days: 3));
        Assert.Empty(generator.Scenario.Changes);
        Assert.All(generator.Generate().OfType<InferenceEvent>(), e => Assert.Empty(e.Truth.AffectedBy));
        Assert.Empty(generator.Statistics.Changes);
    }

    [Fact]
    public void GivenEveryScenario_WhenPlanned_ThenEachChangeHasAStartInsideTheRunAndExpectedFindingsWithDeadlines()
    {
        foreach (var (name, _) in ScenarioCatalog.List.Where(s => s.Name != "null"))
        {
            var generator = new TrafficGenerator(new SimulationSettings { Scenario = name });
            var change = Assert.Single(generator.Scenario.Changes);
            Assert.Equal(SimulationSettings.DefaultStart + TimeSpan.FromDays(30), change.Start);
            Assert.True(change.FullEffectAt >= change.Start);
            Assert.NotEmpty(change.Expected);
            Assert.All(change.Expected, x =>
            {
                Assert.True(x.DeadlineHours > 0, $"{name}: {x.Signal} has no deadline");
                Assert.False(string.IsNullOrWhiteSpace(x.EvidenceNeeded));
            });
        }
    }

    [Theory]
    [InlineData(0.85, 0.10, 143)] // scipy: ((norm.ppf(.99)*sqrt(.85*.15) + norm.ppf(.8)*sqrt(.75*.25)) / .1)**2 = 142.8
    [InlineData(0.8821, 0.10, 121)]
    [InlineData(0.9, 0.3, 50)]    // 13.7 by the formula, raised to the minimum sample
    public void GivenSensitivityDrop_WhenPlanningEvidence_ThenPositivesNeededFollowTheOneSidedPowerFormula(double p0, double drop, int expected) =>
        Assert.Equal(expected, Planner.PositivesNeeded(p0, drop));

    [Fact]
    public void GivenAlias_WhenCreatingGenerator_ThenItIsTheCatalogScenarioWithTheSameIds()
    {
        var alias = new TrafficGenerator(Sample.Cxr("subgroup-sensitivity-decay", days: 2, changeDay: 1));
        var canonical = new TrafficGenerator(Sample.Cxr("subgroup-decay", days: 2, changeDay: 1));
        Assert.Equal("subgroup-decay", alias.Scenario.Name);
        Assert.Equal(canonical.Generate().Take(20).Select(e => e.ToString()), alias.Generate().Take(20).Select(e => e.ToString()));
    }

    [Fact]
    public void GivenUnknownScenarioOrSite_WhenCreatingGenerator_ThenTheErrorNamesIt()
    {
        Assert.Contains("firmware-updat'", Assert.Throws<ArgumentException>(() => new TrafficGenerator(new SimulationSettings { Scenario = "firmware-updat" })).Message);
        Assert.Contains("site-q", Assert.Throws<ArgumentException>(() => new TrafficGenerator(new SimulationSettings
        {
            Scenario = "firmware-update",
            ScenarioParameters = new ScenarioParameters { TargetSite = "site-q" },
        })).Message);
    }
}
