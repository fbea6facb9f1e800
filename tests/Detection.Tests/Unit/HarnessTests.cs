using Monitoring.Contracts;
using Monitoring.DriftDetector.Policies;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Detection.Tests.Unit;

/// <summary>The harness's binding to the detector's entry API and its scoring rules (delay, root cause, false alarms).</summary>
public sealed class HarnessTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Monitoring.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Monitoring.sln not found above the test's directory.");
    }

    private static readonly DateTimeOffset T0 = SimulationSettings.DefaultStart;

    [Fact]
    public void Driver_FeedsSimulatedTrafficThroughTheDetectorsEntryApi()
    {
        // The benchmark's policy (reference: the first 8,000 events, about a week), lateral views from day 9.
        var path = Path.Combine(Root(), "deploy", "policies", "cxr-triage.yaml");
        var plan = new RunPlan("lateral-views", 3, 12, 9);
        var result = RunEngine.Run(plan, [PolicyLoader.Load(File.ReadAllText(path), path)], embedding: false, _ => null, null);
        Assert.True(result.Events > 20_000);
        Assert.NotNull(result.ReferenceCompleteAt);
        Assert.NotEmpty(result.Affected);
        Assert.All(result.Affected, e => Assert.Equal("site-b", e.Site));
        // A quarter of one site's studies in a view absent from the reference, for three days: read back as an opened finding.
        Assert.Contains(result.Findings[0], f => f.Signal == "study:viewPosition" && f.DetectedAt >= result.ChangeStart);
    }

    private static InferenceRecorded Inference(string site, string manufacturer) => new()
    {
        InferenceId = Guid.NewGuid().ToString("N"),
        OccurredAt = T0,
        Model = new ModelRef("cxr-triage", "2.3.1"),
        Site = site,
        Study = new StudyInfo { Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = manufacturer, ManufacturerModelName = "m", ViewPosition = "PA" },
        Patient = new PatientInfo { PseudoId = "p", Sex = "F", AgeBand = "40-64" },
        Prediction = new Prediction { Scores = new Dictionary<string, double>(), PredictedLabels = [], Threshold = 0.5 },
    };

    private static Finding Finding(string id, double hours, string? site, Dictionary<string, string> subgroup, string? change = null, bool? root = null) =>
        new(id, "DistributionShift", "feature:meanIntensity", site, subgroup, "", T0 + TimeSpan.FromHours(hours), change, root);

    private static RunResult Result(IReadOnlyList<Finding> findings, IReadOnlyList<InferenceRecorded> affected) =>
        new(new RunPlan("firmware-update", 1, 20, 10), T0 - TimeSpan.FromDays(10), T0 + TimeSpan.FromDays(10), T0, T0 - TimeSpan.FromDays(3),
            [findings], affected, new OracleOutcome("feature:meanIntensity", 0.72, 1e5, 10, T0 + TimeSpan.FromHours(4)), 0);

    private static readonly AcquisitionShift Firmware = new()
    {
        Id = "firmware-update", Description = "", Start = T0, FullEffectAt = T0, Site = "site-b", Manufacturer = "SIEMENS",
        FeatureShiftSd = new Dictionary<string, double> { ["meanIntensity"] = 1.2 },
    };

    [Fact]
    public void Score_DelayIsTheFirstFindingAfterTheChangeWhoseScopeHoldsEveryAffectedEvent()
    {
        InferenceRecorded[] affected = [Inference("site-b", "SIEMENS"), Inference("site-b", "SIEMENS")];
        var findings = new[]
        {
            Finding("early", -30, null, []),                                       // before the change: a false alarm
            Finding("narrow", 2, "site-b", new() { ["sex"] = "M" }),              // after, but holds none of the affected events
            Finding("site", 6, "site-b", []),                                      // holds them all: the detection
        };
        var score = Scoring.Score(Result(findings, affected), Firmware);
        Assert.Equal(6, score.DelayHours);
        Assert.Equal(4, score.OracleHours);
        Assert.Equal(1.5, score.Ratio);
        Assert.Equal(1, score.PreChangeFalseAlarms);
        Assert.Equal(3 / 365.25, score.PreChangeYears, 6);
        Assert.Equal(2, score.RootCauseGroups);                                    // no change ids: each finding is its own group
        Assert.False(score.RootCauseCorrect);
    }

    [Fact]
    public void Score_OneGroupWhoseRootIsTheInjectedScope_IsACorrectRootCause()
    {
        InferenceRecorded[] affected = [Inference("site-b", "SIEMENS")];
        var findings = new[]
        {
            Finding("root", 3, "site-b", new() { ["manufacturer"] = "SIEMENS" }, "chg-1", true),
            Finding("consequence", 4, "site-b", [], "chg-1", false),
        };
        var score = Scoring.Score(Result(findings, affected), Firmware);
        Assert.Equal(1, score.RootCauseGroups);
        Assert.True(score.RootCauseCorrect);
        Assert.Equal("manufacturer=SIEMENS&site=site-b", score.RootCauseScope);

        // The broader site scope as root is not the injected scope (site-b ∩ SIEMENS).
        var broad = Scoring.Score(Result([findings[0] with { IsRootCause = false }, findings[1] with { IsRootCause = true }], affected), Firmware);
        Assert.False(broad.RootCauseCorrect);
    }
}
