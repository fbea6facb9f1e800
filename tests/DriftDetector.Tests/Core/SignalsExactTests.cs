using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Policies;
using static Monitoring.DriftDetector.Tests.Core.ExactInputs;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The policy compiled into signal tables (default methods, slots, groups, severities, minimum effects) and the extraction of
/// each signal and subgroup attribute from one inference, value by value.
/// </summary>
public sealed class SignalsExactTests
{
    private static MonitoringPolicy Policy(Action<MonitoringPolicy>? change = null)
    {
        var p = new MonitoringPolicy();
        p.Signals.Features = ["meanIntensity"];
        p.Signals.Scores = ["pneumothorax"];
        p.Signals.Study = ["manufacturer"];
        p.Performance.Labels = ["pneumothorax", "nodule"];
        change?.Invoke(p);
        return p;
    }

    [Fact]
    public void GivenNoMethodOverrides_WhenCompiled_ThenEverySignalHasItsDefaultMethodTypeSourceKeyAndSlot()
    {
        var c = new CompiledPolicy(Policy(p => p.Signals.Latency = true), 3);

        Assert.Equal(
            [
                new SignalDef("feature:meanIntensity", SignalType.Numeric, SignalSource.Feature, "meanIntensity", "ks", 0),
                new SignalDef("score:pneumothorax", SignalType.Numeric, SignalSource.Score, "pneumothorax", "ks", 1),
                new SignalDef("score:nodule", SignalType.Numeric, SignalSource.Score, "nodule", "ks", 2),
                new SignalDef("latency", SignalType.Numeric, SignalSource.Latency, "", "ks", 3),
            ], c.Numeric);
        Assert.Equal(
            [
                new SignalDef("study:manufacturer", SignalType.Categorical, SignalSource.Study, "manufacturer", "chi2", 0),
                new SignalDef("rate:predicted-positive:pneumothorax", SignalType.Categorical, SignalSource.PredictedPositive, "pneumothorax", "chi2", 1),
                new SignalDef("rate:predicted-positive:nodule", SignalType.Categorical, SignalSource.PredictedPositive, "nodule", "chi2", 2),
            ], c.Categorical);
        Assert.Equal(3, c.Version);
        Assert.Equal(new Dictionary<string, int> { ["pneumothorax"] = 1, ["nodule"] = 2 }, c.ScoreIndexByLabel);
    }

    [Fact]
    public void GivenMethodOverrides_WhenCompiled_ThenTheyReplaceTheDefaultsButNotThePredictedRateTest()
    {
        var c = new CompiledPolicy(Policy(p =>
        {
            p.Signals.Latency = true;
            p.Methods = new() { ["feature:meanIntensity"] = "psi", ["score:pneumothorax"] = "cvm", ["latency"] = "wasserstein", ["study:manufacturer"] = "g-test" };
        }), 1);

        Assert.Equal(["psi", "cvm", "ks", "wasserstein"], c.Numeric.Select(n => n.Method));
        Assert.Equal(["g-test", "chi2", "chi2"], c.Categorical.Select(n => n.Method));
    }

    [Fact]
    public void GivenAttributesAndAnIntersection_WhenCompiled_ThenEachAttributeAndTheIntersectionIsAGroup()
    {
        var c = new CompiledPolicy(Policy(p =>
        {
            p.Subgroups.Attributes = ["site", "sex"];
            p.Subgroups.Intersections = [["site", "sex"]];
        }), 1);

        Assert.Equal(["site", "sex", "site&sex"], c.Groups.Select(g => g.Name));
        Assert.Equal(["site", "sex"], c.Groups[2].Attributes);
    }

    [Fact]
    public void GivenASequentialSignalThatIsNotMonitored_WhenCompiled_ThenItFails()
    {
        Assert.Throws<InvalidOperationException>(() => new CompiledPolicy(Policy(p => p.Sequential.Signals = ["feature:missing"]), 1));
        Assert.Equal(["score:pneumothorax"], new CompiledPolicy(Policy(p => p.Sequential.Signals = ["score:pneumothorax"]), 1).Sequential.Select(s => s.Name));
    }

    [Theory]
    [InlineData("distribution-shift", FindingKind.DistributionShift)]
    [InlineData("performance-decay", FindingKind.PerformanceDecay)]
    [InlineData("estimated-performance-decay", FindingKind.EstimatedPerformanceDecay)]
    [InlineData("fairness-gap", FindingKind.FairnessGap)]
    [InlineData("abrupt-change", FindingKind.AbruptChange)]
    public void GivenASeverityPerKind_WhenAsked_ThenEachKindReadsItsOwnEntry(string name, FindingKind kind)
    {
        foreach (var (text, severity) in new[] { ("info", Severity.Info), ("warning", Severity.Warning), ("error", Severity.Error), ("critical", Severity.Critical) })
        {
            var c = new CompiledPolicy(Policy(p => p.Severity = new() { [name] = text }), 1);
            Assert.Equal(severity, c.SeverityFor(kind, Severity.Warning));
        }

        // Another kind's entry does not apply: the fallback does.
        var other = new CompiledPolicy(Policy(p => p.Severity = new() { ["no-such-kind"] = "info" }), 1);
        Assert.Equal(Severity.Error, other.SeverityFor(kind, Severity.Error));
    }

    [Fact]
    public void GivenNoMinimumEffectOverrides_WhenAsked_ThenEachMethodHasItsDefault()
    {
        var c = new CompiledPolicy(Policy(), 1);

        Assert.Equal(
            [0.05, 0.03, 0.03, 0.03, 0.1, 0.02, 0.0, 0.0],
            new[] { "ks", "chi2", "g-test", "tv", "psi", "rate", "cvm", "" }.Select(c.MinEffect));
        Assert.Equal(0.2, new CompiledPolicy(Policy(p => p.Thresholds.MinEffect = new() { ["ks"] = 0.2 }), 1).MinEffect("ks"));
    }

    [Fact]
    public void GivenAnInference_WhenEachAttributeIsRead_ThenItComesFromItsOwnField()
    {
        var e = Inference(site: "S", sex: "F", ageBand: "40-64", ethnicity: "group-b", manufacturer: "PHILIPS");

        Assert.Equal(
            ["S", "F", "40-64", "group-b", "PHILIPS", "DX", "PA", null],
            new[] { "site", "sex", "ageBand", "ethnicity", "manufacturer", "modality", "viewPosition", "other" }.Select(a => Extract.Attribute(e, a)));
        Assert.Equal(
            ["DX", "CHEST", "PHILIPS", "PHILIPS-X1", "PA", "chest-2v", null],
            new[] { "modality", "bodyPartExamined", "manufacturer", "manufacturerModelName", "viewPosition", "protocol", "other" }.Select(f => Extract.Study(e, f)));
    }

    [Fact]
    public void GivenAnAgeBandAndADicomAge_WhenTheBandIsRead_ThenTheBandWinsAndTheAgeIsTheFallback()
    {
        Assert.Equal("18-39", Extract.Attribute(Inference(ageBand: "18-39", age: "070Y"), "ageBand"));
        Assert.Equal("65+", Extract.Attribute(Inference(ageBand: null, age: "070Y"), "ageBand"));
        Assert.Null(Extract.Attribute(Inference(ageBand: null, age: null), "ageBand"));
    }

    [Theory]
    [InlineData("017Y", "0-17")]
    [InlineData("018Y", "18-39")]
    [InlineData("039Y", "18-39")]
    [InlineData("040Y", "40-64")]
    [InlineData("064Y", "40-64")]
    [InlineData("065Y", "65+")]
    [InlineData("000Y", "0-17")]
    [InlineData("240M", "18-39")]
    [InlineData("215M", "0-17")]
    [InlineData("520W", "0-17")]
    [InlineData("936W", "18-39")]
    [InlineData("365D", "0-17")]
    [InlineData("043X", null)]
    [InlineData("43Y", null)]
    [InlineData("0043Y", null)]
    [InlineData("-43Y", null)]
    [InlineData(null, null)]
    public void GivenADicomAgeString_WhenBanded_ThenItFallsInTheRightBand(string? age, string? band) =>
        Assert.Equal(band, Extract.AgeBandFromDicom(age));

    [Fact]
    public void GivenNumericSignals_WhenExtracted_ThenFiniteValuesAreKeptAndMissingOrNonFiniteOnesAreNull()
    {
        var c = new CompiledPolicy(Policy(p => p.Signals.Latency = true), 1);
        var feature = c.Numeric[0];
        var score = c.Numeric[1];
        var latency = c.Numeric[3];

        Assert.Equal(101.5, Extract.Numeric(Inference(intensity: 101.5), feature));
        Assert.Null(Extract.Numeric(Inference(intensity: double.NaN), feature));
        Assert.Null(Extract.Numeric(Inference(intensity: double.PositiveInfinity), feature));
        Assert.Equal(0.25, Extract.Numeric(Inference(score: 0.25), score));
        Assert.Null(Extract.Numeric(Inference(), c.Numeric[2])); // no "nodule" score in the inference
        Assert.Equal(42.0, Extract.Numeric(Inference(latency: 42), latency));
        Assert.Null(Extract.Numeric(Inference(latency: double.NaN), latency));
        Assert.Null(Extract.Numeric(Inference(), new SignalDef("x", SignalType.Numeric, SignalSource.Study, "manufacturer", "ks", 0)));
    }

    [Fact]
    public void GivenAScoreAtTheThreshold_WhenThePredictedRateIsRead_ThenItIsPositiveAndBelowItNegative()
    {
        var c = new CompiledPolicy(Policy(), 1);
        var rate = c.Categorical[1];

        Assert.Equal("positive", Extract.Categorical(Inference(score: 0.5, threshold: 0.5), rate));
        Assert.Equal("negative", Extract.Categorical(Inference(score: 0.4999, threshold: 0.5), rate));
        Assert.Null(Extract.Categorical(Inference(), c.Categorical[2]));
        Assert.Equal("SIEMENS", Extract.Categorical(Inference(manufacturer: "SIEMENS"), c.Categorical[0]));
        Assert.Null(Extract.Categorical(Inference(), new SignalDef("x", SignalType.Categorical, SignalSource.Feature, "meanIntensity", "chi2", 0)));
    }

    [Fact]
    public void GivenReservedCharacters_WhenEscaped_ThenPercentAmpersandAndEqualsAreEncodedInThatOrder() =>
        Assert.Equal("a%25b%26c%3Dd", Extract.Escape("a%b&c=d"));
}
