using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Hand-built inputs for the exact tests of the detection core: one inference with every field chosen by the test, so an
/// assertion can name the value each field must produce (the synthetic streams are for behaviour over thousands of events).
/// </summary>
internal static class ExactInputs
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A policy built in memory (no file read): two features, the manufacturer, one score label with performance, subgroups
    /// site/sex/ageBand/ethnicity, the subgroup monitors off (their set-up at freeze has its own tests).
    /// </summary>
    public static MonitoringPolicy Policy(Action<MonitoringPolicy>? change = null)
    {
        var p = new MonitoringPolicy();
        p.Deployment.ModelId = "cxr-triage";
        p.Deployment.ModelVersion = "2.3.1";
        p.Reference.Count = 10_000;
        p.Signals.Features = ["meanIntensity", "imageQuality"];
        p.Signals.Study = ["manufacturer"];
        p.Signals.Scores = ["pneumothorax"];
        p.Subgroups.Attributes = ["site", "sex", "ageBand", "ethnicity"];
        p.Performance.Labels = ["pneumothorax"];
        p.Sequential.Monitors = false;
        change?.Invoke(p);
        return p;
    }

    public static PolicyHistory History(Action<MonitoringPolicy>? change = null)
    {
        var p = Policy(change);
        return new PolicyHistory([new PolicyVersion(p.Deployment.Key, 1, 0, p, null, "test")]);
    }

    public static InferenceRecorded Inference(
        string id = "inf-1", string site = "A", string sex = "M", string? ageBand = "18-39", string? age = null, string? ethnicity = "group-a",
        string manufacturer = "GE", double score = 0.7, double threshold = 0.5, double intensity = 100, double quality = 0.8,
        DateTimeOffset? at = null, double latency = 50, float[]? embedding = null, string modelVersion = "2.3.1") => new()
        {
            InferenceId = id,
            OccurredAt = at ?? T0,
            Model = new ModelRef("cxr-triage", modelVersion),
            Site = site,
            Study = new StudyInfo
            {
                Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = manufacturer, ManufacturerModelName = manufacturer + "-X1", ViewPosition = "PA", Protocol = "chest-2v",
            },
            Patient = new PatientInfo { PseudoId = new string('a', 64), AgeBand = ageBand, Age = age, Sex = sex, Ethnicity = ethnicity },
            Prediction = new Prediction { Scores = new Dictionary<string, double> { ["pneumothorax"] = score }, Threshold = threshold },
            Features = new Dictionary<string, double> { ["meanIntensity"] = intensity, ["imageQuality"] = quality },
            LatencyMs = latency,
            Embedding = embedding,
        };

    public static GroundTruthRecorded Truth(string id, bool positive, DateTimeOffset? at = null) => new()
    {
        InferenceId = id, Labels = positive ? ["pneumothorax"] : [], Source = "radiology-report", RecordedAt = at ?? T0.AddHours(6),
    };

    public static ReaderFeedbackRecorded Feedback(string id, ReaderAction action) => new() { InferenceId = id, ReaderPseudoId = "reader-1", Action = action, RecordedAt = T0.AddHours(1) };
}
