using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>An invalid policy file is refused on its own, with every problem, its field, line and column.</summary>
public sealed class PolicyFileErrorTests
{
    private const string WithTypoAndBadValues = """
        deployment:
          modelId: cxr-triage
          modelVersion: 2.3.1
        window:
          count: 500
        signals:
          scroes: [pneumothorax]
          features: [meanIntensity]
        thresholds:
          alpha: 2
          correction: fdr
        minSample: lots
        """;

    [Fact]
    public void GivenATypoAWrongTypeAndOutOfRangeValues_WhenLoaded_ThenEveryProblemIsListedWithItsLineAndColumn()
    {
        var ex = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(WithTypoAndBadValues, "typo.yaml"));

        var byField = ex.Problems.ToDictionary(p => p.Field);
        Assert.Equal((7, 3), (byField["signals.scroes"].Line, byField["signals.scroes"].Column));
        Assert.Contains("unknown key 'scroes'", byField["signals.scroes"].Message);
        Assert.Equal((12, 1), (byField["minSample"].Line, byField["minSample"].Column));
        Assert.Equal((10, 3), (byField["thresholds.alpha"].Line, byField["thresholds.alpha"].Column));
        Assert.Contains("(0, 1)", byField["thresholds.alpha"].Message);
        Assert.Equal((11, 3), (byField["thresholds.correction"].Line, byField["thresholds.correction"].Column));
        Assert.All(ex.Problems, p => Assert.Equal("typo.yaml", p.File));
        Assert.Contains(ex.Errors, e => e.StartsWith("signals.scroes: unknown key", StringComparison.Ordinal) && e.EndsWith("(line 7, column 3)", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenAYamlSyntaxError_WhenLoaded_ThenItsLineAndColumnAreReported()
    {
        var ex = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load("deployment:\n  modelId: [unclosed\n", "broken.yaml"));

        var problem = Assert.Single(ex.Problems);
        Assert.NotNull(problem.Line);
        Assert.NotNull(problem.Column);
    }

    [Fact]
    public void GivenOneInvalidFileAmongValidOnes_WhenLoadedEach_ThenOnlyItIsRefused()
    {
        var directory = Directory.CreateTempSubdirectory("policies-");
        try
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, "policies", "test-policy.yaml"), Path.Combine(directory.FullName, "a-good.yaml"));
            File.WriteAllText(Path.Combine(directory.FullName, "b-bad.yaml"), WithTypoAndBadValues.Replace("cxr-triage", "other-model"));
            File.WriteAllText(Path.Combine(directory.FullName, "c-same-deployment.yaml"),
                File.ReadAllText(Path.Combine(directory.FullName, "a-good.yaml")).Replace("count: 2000", "count: 3000"));

            var result = PolicyLoader.LoadEach([directory.FullName]);

            Assert.Equal("cxr-triage@2.3.1", Assert.Single(result.Loaded).Policy.Deployment.Key);
            Assert.Equal(["b-bad.yaml", "c-same-deployment.yaml"], result.Invalid.Select(i => Path.GetFileName(i.PolicyFile)));
            Assert.True(result.Invalid[0].Problems.Count >= 4);
            Assert.Throws<PolicyValidationException>(() => PolicyLoader.LoadAll([directory.FullName]));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
