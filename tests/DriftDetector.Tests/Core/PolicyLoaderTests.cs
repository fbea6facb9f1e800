using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Tests.Core;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void GivenTheCommentedExamplePolicy_WhenLoaded_ThenItIsValidAndComplete()
    {
        var loaded = PolicyLoader.LoadAll([Path.Combine(AppContext.BaseDirectory, "deploy-policies")]).Single();

        Assert.Equal("cxr-triage@2.3.1", loaded.Policy.Deployment.Key);
        Assert.Equal(TimeSpan.FromDays(1), loaded.Policy.Window.Duration);
        Assert.Equal("cvm", loaded.Policy.Methods["feature:imageQuality"]);
        // The labels the cxr-triage model emits (prediction.scores keys), monitored as scores and for performance.
        string[] labels = ["pneumothorax", "pleural-effusion", "consolidation"];
        Assert.Equal(labels, loaded.Policy.Signals.Scores);
        Assert.Equal(labels, loaded.Policy.Performance.Labels);
        Assert.Subset(loaded.Policy.Signals.Features.ToHashSet(), new HashSet<string> { "meanIntensity", "noiseLevel", "kvp", "exposureIndex" });
        // Sensitivity is judged against the reference, not by a floor (one floor per metric cannot suit every label).
        Assert.False(loaded.Policy.Performance.Floors.ContainsKey("sensitivity"));
        Assert.Equal(0.70, loaded.Policy.Performance.Floors["auroc"]);
        Assert.Equal([["sex", "ageBand"], ["site", "manufacturer"]], loaded.Policy.Subgroups.Intersections);
        Assert.Equal(64, loaded.Hash.Length);
    }

    [Fact]
    public void GivenAnInvalidPolicy_WhenLoaded_ThenEveryProblemIsReportedWithItsField()
    {
        const string yaml = """
            deployment: { modelId: m, modelVersion: "1" }
            window: { count: -1 }
            thresholds: { correction: fdr, alpha: 2 }
            signals: { study: [colour] }
            sequential: { signals: ["feature:missing"] }
            """;

        var ex = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(yaml, "bad.yaml"));

        Assert.Contains(ex.Errors, e => e.StartsWith("window.count"));
        Assert.Contains(ex.Errors, e => e.StartsWith("thresholds.correction"));
        Assert.Contains(ex.Errors, e => e.StartsWith("thresholds.alpha"));
        Assert.Contains(ex.Errors, e => e.StartsWith("signals.study"));
        Assert.Contains(ex.Errors, e => e.StartsWith("sequential.signals"));
    }

    [Fact]
    public void GivenAnUnknownKey_WhenLoaded_ThenTheErrorNamesIt()
    {
        var ex = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load("deployment: { modelId: m, modelVersion: v }\nwindw: { count: 5 }", "typo.yaml"));
        Assert.Contains("windw", ex.Message);
    }

    [Fact]
    public void GivenTheSamePolicyWithKeysReordered_WhenHashed_ThenTheHashIsTheSameAndAChangedValueChangesIt()
    {
        var a = PolicyLoader.Load("deployment: { modelId: m, modelVersion: 2.10 }\nminSample: 40\nwindow: { count: 500 }", "a");
        var b = PolicyLoader.Load("window: { count: 500 }\nminSample: 40\ndeployment: { modelVersion: 2.10, modelId: m }", "b");
        var c = PolicyLoader.Load("window: { count: 501 }\nminSample: 40\ndeployment: { modelVersion: 2.10, modelId: m }", "c");

        Assert.Equal("2.10", a.Policy.Deployment.ModelVersion);
        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }
}
