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
        Assert.Equal(0.80, loaded.Policy.Performance.Floors["sensitivity"]);
        Assert.Equal([["sex", "ageBand"]], loaded.Policy.Subgroups.Intersections);
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
