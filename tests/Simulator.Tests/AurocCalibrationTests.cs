using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Tests;

/// <summary>One 28-day, four-site chest X-ray sample shared by the calibration tests.</summary>
public sealed class NullSampleFixture
{
    internal Sample Sample { get; } = Sample.Generate(Sample.Cxr("null", days: 28));
}

/// <summary>
/// Realised AUROC per subgroup against the target. Negatives are N(0, 1) in every cell, so the AUROC of a
/// subgroup pooled over cells is exactly the positive-weighted mean of the cells' target AUROCs; the realised
/// value must fall within 4 Hanley–McNeil standard errors of it.
/// </summary>
public class AurocCalibrationTests(NullSampleFixture fixture) : IClassFixture<NullSampleFixture>
{
    private readonly Sample _sample = fixture.Sample;

    public static TheoryData<string, string> Subgroups => new()
    {
        { "sex", "F" }, { "sex", "M" },
        { "ageBand", "18-39" }, { "ageBand", "40-64" }, { "ageBand", "65+" },
        { "ethnicity", "white" }, { "ethnicity", "black" }, { "ethnicity", "asian" }, { "ethnicity", "hispanic" },
        { "site", "site-a" }, { "site", "site-b" }, { "site", "site-c" }, { "site", "site-d" },
        { "viewPosition", "PA" }, { "viewPosition", "AP" },
    };

    private static bool InGroup(InferenceEvent e, string attribute, string value) => attribute switch
    {
        "sex" => e.Message.Patient.Sex == value,
        "ageBand" => e.Truth.AgeBand == value,
        "ethnicity" => e.Message.Patient.Ethnicity == value,
        "site" => e.Message.Site == value,
        "viewPosition" => e.Message.Study.ViewPosition == value,
        _ => throw new ArgumentOutOfRangeException(nameof(attribute)),
    };

    [Theory]
    [MemberData(nameof(Subgroups))]
    public void GivenSubgroup_WhenComputingAurocPerLabel_ThenRealisedIsWithinFourStandardErrorsOfTarget(string attribute, string value)
    {
        var group = _sample.Inferences.Where(e => InGroup(e, attribute, value)).ToArray();
        var labels = ModelCatalog.CxrTriage.Labels;
        var checkedLabels = 0;
        for (var j = 0; j < labels.Count; j++)
        {
            var scores = group.Select(e => e.Message.Prediction.Scores[labels[j].Name]).ToArray();
            var truth = group.Select(e => e.Truth.Positive[j]).ToArray();
            var positives = truth.Count(t => t);
            var negatives = truth.Length - positives;
            if (positives < 100)
            {
                continue;
            }

            var target = group.Where(e => e.Truth.Positive[j]).Average(e => e.Truth.TargetAuroc[j]);
            var realised = Stats.Auroc(scores, truth);
            var se = Stats.AurocStandardError(target, positives, negatives);
            Assert.True(Math.Abs(realised - target) < 4 * se,
                $"{attribute}={value} {labels[j].Name}: realised AUROC {realised:0.0000}, target {target:0.0000}, 4 SE = {4 * se:0.0000} (n+ {positives}, n- {negatives})");
            checkedLabels++;
        }

        Assert.True(checkedLabels >= 2, $"{attribute}={value}: too few positives to check ({checkedLabels} labels checked)");
    }

    [Fact]
    public void GivenBuiltInSubgroupEffects_WhenComparingTargets_ThenAgeAndViewOffsetsAreTheDocumentedOnes()
    {
        // Cells: an adult under 65 on PA has the label's reference AUROC; 65+ on AP is 0.05 lower.
        var pneumothorax = ModelCatalog.CxrTriage.Labels[0].Mapping.ReferenceAuroc;
        var reference = _sample.Inferences.First(e => e.Truth.AgeBand == "40-64" && e.Message.Study.ViewPosition == "PA");
        var elderlyAp = _sample.Inferences.First(e => e.Truth.AgeBand == "65+" && e.Message.Study.ViewPosition == "AP");
        Assert.Equal(pneumothorax, reference.Truth.TargetAuroc[0], 1e-9);
        Assert.Equal(pneumothorax + GenerationDefaults.ElderlyAurocOffset + GenerationDefaults.ApAurocOffset, elderlyAp.Truth.TargetAuroc[0], 1e-9);
    }

    [Fact]
    public void GivenPositives_WhenThresholded_ThenRealisedSensitivityMatchesExpectedWithinThreeStandardErrors()
    {
        var labels = ModelCatalog.CxrTriage.Labels;
        for (var j = 0; j < labels.Count; j++)
        {
            var positives = _sample.Inferences.Where(e => e.Truth.Positive[j]).ToArray();
            var expected = positives.Average(e => e.Truth.ExpectedSensitivity[j]);
            var realised = positives.Count(e => e.Message.Prediction.Scores[labels[j].Name] >= ModelCatalog.CxrTriage.Threshold) / (double)positives.Length;
            var se = Math.Sqrt(expected * (1 - expected) / positives.Length);
            Assert.True(Math.Abs(realised - expected) < 3 * se, $"{labels[j].Name}: sensitivity {realised:0.000} vs expected {expected:0.000} ± {3 * se:0.000}");
        }
    }

    [Fact]
    public void GivenReferencePopulation_WhenAveragingScores_ThenScoresAreCalibrated()
    {
        // site-b has prevalence multiplier 1; adults under 65 on PA are the reference cell: mean score ≈ prevalence.
        var cell = _sample.Inferences.Where(e => e.Message.Site == "site-b" && e.Message.Study.ViewPosition == "PA" && e.Truth.AgeBand != "65+").ToArray();
        Assert.True(cell.Length > 2000, $"reference cell too small: {cell.Length}");
        var labels = ModelCatalog.CxrTriage.Labels;
        for (var j = 0; j < labels.Count; j++)
        {
            var meanScore = cell.Average(e => e.Message.Prediction.Scores[labels[j].Name]);
            var rate = cell.Count(e => e.Truth.Positive[j]) / (double)cell.Length;
            var se = Math.Sqrt(rate * (1 - rate) / cell.Length);
            Assert.True(Math.Abs(meanScore - rate) < 4 * se + 0.005, $"{labels[j].Name}: mean score {meanScore:0.0000}, positive rate {rate:0.0000}");
            Assert.Equal(labels[j].Mapping.ReferencePrevalence, rate, 0.02);
        }
    }

    [Fact]
    public void GivenRankFormula_WhenComparedOnKnownData_ThenItMatchesScikitLearn()
    {
        // sklearn.metrics.roc_auc_score([0,0,1,1,0,1,0,1,1,0], [0.1,0.4,0.35,0.8,0.4,0.9,0.05,0.4,0.65,0.2]) = 0.88 (scikit-learn 1.2.1, Debian; ties at 0.4 get mid-ranks).
        var auc = Stats.Auroc([0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.05, 0.4, 0.65, 0.2], [false, false, true, true, false, true, false, true, true, false]);
        Assert.Equal(0.8799999999999999, auc, 1e-12);
    }
}
