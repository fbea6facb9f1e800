using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Tests.Synthetic;

/// <summary>What changes after the change point.</summary>
public enum InjectedChange
{
    /// <summary>No change: the whole stream comes from the reference distribution.</summary>
    None,

    /// <summary>meanIntensity shifts by +0.6 standard deviations at site B only.</summary>
    MeanShiftAtSiteB,

    /// <summary>Manufacturer mix GE/SIEMENS/PHILIPS 50/30/20 → 20/30/50.</summary>
    ManufacturerMix,

    /// <summary>Sensitivity drops by 10 points (0.885 → 0.785) for age band 65+ (15% of traffic).</summary>
    SensitivityDropInElderly,

    /// <summary>Prevalence of the label rises from 0.40 to 0.55.</summary>
    PrevalenceShift,
}

/// <summary>An ingest event with the stream key it is appended to.</summary>
public sealed record SyntheticEvent(string StreamKey, object Data);

/// <summary>
/// Seeded synthetic inference stream for model cxr-triage@2.3.1: three sites (A 50%, B 35%, C 15%), sex M/F, age bands 18-39 (40%),
/// 40-64 (45%), 65+ (15%), ethnicity with a rare group (0.5%), two features, one score label whose positives score N(1.2, 1) and
/// negatives N(-1.2, 1) on the logit scale (sensitivity = specificity ≈ 0.885 at threshold 0.5), prevalence 0.40. Ground truth for
/// every inference arrives <see cref="LabelLag"/> inferences later; a few arrive before their inference.
/// </summary>
public sealed class SyntheticStream(int seed, InjectedChange change = InjectedChange.None, int changeAt = int.MaxValue)
{
    public const string Label = "pneumothorax";
    public static readonly ModelRef Model = new("cxr-triage", "2.3.1");
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Inferences between an inference and its ground truth.</summary>
    public int LabelLag { get; init; } = 200;

    /// <summary>Fraction of inferences that get ground truth.</summary>
    public double LabelledFraction { get; init; } = 1.0;

    /// <summary>Every this many inferences, one ground truth is sent before its inference (0: never).</summary>
    public int EarlyLabelEvery { get; init; } = 997;

    /// <summary>Inference index at which the change ends (the stream returns to the reference distribution).</summary>
    public int ChangeUntil { get; init; } = int.MaxValue;

    /// <summary>Which inference indices carry the change, when set (instead of [changeAt, <see cref="ChangeUntil"/>)): a change that comes and goes.</summary>
    public Func<int, bool>? ChangedAt { get; init; }

    /// <summary>Prefix of the inference ids (distinct streams per test).</summary>
    public string IdPrefix { get; init; } = "inf";

    /// <summary>The first <paramref name="inferences"/> inferences with their ground truth, interleaved in arrival order.</summary>
    public IEnumerable<SyntheticEvent> Generate(int inferences)
    {
        var rng = new Random(seed);
        var pendingLabels = new Queue<(int Due, GroundTruthRecorded Truth)>();
        GroundTruthRecorded? early = null;
        for (var i = 0; i < inferences; i++)
        {
            var (inference, positive) = Inference(rng, i);
            var truth = new GroundTruthRecorded
            {
                InferenceId = inference.InferenceId, Labels = positive ? [Label] : [], Source = "radiology-report", RecordedAt = inference.OccurredAt.AddHours(6),
            };
            var labelled = rng.NextDouble() < LabelledFraction;
            if (labelled && EarlyLabelEvery > 0 && i % EarlyLabelEvery == 5)
            {
                early = truth;
                yield return new SyntheticEvent(truth.InferenceId, truth);
            }
            else if (labelled)
            {
                pendingLabels.Enqueue((i + LabelLag, truth));
            }

            yield return new SyntheticEvent(inference.InferenceId, inference);
            while (pendingLabels.TryPeek(out var p) && p.Due <= i)
            {
                pendingLabels.Dequeue();
                yield return new SyntheticEvent(p.Truth.InferenceId, p.Truth);
            }
        }

        _ = early;
        while (pendingLabels.TryDequeue(out var rest))
        {
            yield return new SyntheticEvent(rest.Truth.InferenceId, rest.Truth);
        }
    }

    private (InferenceRecorded, bool) Inference(Random rng, int i)
    {
        var changed = ChangedAt?.Invoke(i) ?? (i >= changeAt && i < ChangeUntil);
        var u = rng.NextDouble();
        var site = u < 0.50 ? "A" : u < 0.85 ? "B" : "C";
        var sex = rng.NextDouble() < 0.5 ? "M" : "F";
        u = rng.NextDouble();
        var ageBand = u < 0.40 ? "18-39" : u < 0.85 ? "40-64" : "65+";
        u = rng.NextDouble();
        var ethnicity = u < 0.005 ? "group-z" : u < 0.6 ? "group-a" : "group-b";
        u = rng.NextDouble();
        var manufacturer = change == InjectedChange.ManufacturerMix && changed
            ? u < 0.20 ? "GE" : u < 0.50 ? "SIEMENS" : "PHILIPS"
            : u < 0.50 ? "GE" : u < 0.80 ? "SIEMENS" : "PHILIPS";
        var prevalence = change == InjectedChange.PrevalenceShift && changed ? 0.55 : 0.40;
        var positive = rng.NextDouble() < prevalence;
        var positiveMean = change == InjectedChange.SensitivityDropInElderly && changed && ageBand == "65+" ? 0.79 : 1.2;
        var logit = positive ? Normal(rng, positiveMean, 1) : Normal(rng, -1.2, 1);
        var score = 1 / (1 + Math.Exp(-logit));
        var intensity = Normal(rng, 100, 15) + (change == InjectedChange.MeanShiftAtSiteB && changed && site == "B" ? 9 : 0);
        var quality = Normal(rng, 0.8, 0.05);
        var inference = new InferenceRecorded
        {
            InferenceId = $"{IdPrefix}-{seed}-{i:D7}",
            OccurredAt = Start.AddSeconds(i * 30),
            Model = Model,
            Site = site,
            Study = new StudyInfo { Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = manufacturer, ManufacturerModelName = manufacturer + "-X1", ViewPosition = rng.NextDouble() < 0.7 ? "PA" : "AP" },
            Patient = new PatientInfo { PseudoId = new string('a', 64), AgeBand = ageBand, Sex = sex, Ethnicity = ethnicity },
            Prediction = new Prediction { Scores = new Dictionary<string, double> { [Label] = score }, PredictedLabels = score >= 0.5 ? [Label] : [], Threshold = 0.5 },
            Features = new Dictionary<string, double> { ["meanIntensity"] = intensity, ["imageQuality"] = quality },
            LatencyMs = 40 + rng.NextDouble() * 20,
        };
        return (inference, positive);
    }

    private static double Normal(Random rng, double mean, double sd)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
