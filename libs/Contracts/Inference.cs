using System.Text.Json.Serialization;

namespace Monitoring.Contracts;

/// <summary>
/// One model inference on one imaging study, as sent by an inference server (contract version 1).
/// Starts the inference's stream in the event store. <see cref="InferenceId"/> is the producer's
/// idempotency key: the same id with the same content is stored once; with different content it is refused.
/// </summary>
public sealed record InferenceRecorded
{
    /// <summary>Maximum length of <see cref="InferenceId"/>.</summary>
    public const int MaxInferenceIdLength = 128;

    /// <summary>Maximum number of components in <see cref="Embedding"/>.</summary>
    public const int MaxEmbeddingLength = 4096;

    /// <summary>Producer's idempotency key (at most 128 characters).</summary>
    public required string InferenceId { get; init; }

    /// <summary>When the inference ran (event time; the detector works on this clock).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The deployed model.</summary>
    public required ModelRef Model { get; init; }

    /// <summary>Site (hospital or department) code where the study was acquired.</summary>
    public required string Site { get; init; }

    /// <summary>Acquisition attributes, with DICOM names and codes.</summary>
    public required StudyInfo Study { get; init; }

    /// <summary>Pseudonymous, coarse patient attributes; never direct identifiers.</summary>
    public required PatientInfo Patient { get; init; }

    /// <summary>The model's output.</summary>
    public required Prediction Prediction { get; init; }

    /// <summary>Numeric image or acquisition features (image quality, mean intensity, ...), by name.</summary>
    public IReadOnlyDictionary<string, double> Features { get; init; } = new Dictionary<string, double>();

    /// <summary>Optional image embedding (at most <see cref="MaxEmbeddingLength"/> components).</summary>
    public float[]? Embedding { get; init; }

    /// <summary>Inference latency in milliseconds.</summary>
    public double LatencyMs { get; init; }
}

/// <summary>A model deployment: identifier and version.</summary>
/// <param name="Id">Model identifier, e.g. <c>cxr-triage</c>.</param>
/// <param name="Version">Model version, e.g. <c>2.3.1</c>.</param>
public sealed record ModelRef(string Id, string Version)
{
    /// <inheritdoc />
    public override string ToString() => $"{Id}@{Version}";
}

/// <summary>Study attributes named after their DICOM attributes.</summary>
public sealed record StudyInfo
{
    /// <summary>DICOM Modality (0008,0060): CR, DX, CT, MR, MG, US, PT, ...</summary>
    public required string Modality { get; init; }

    /// <summary>DICOM BodyPartExamined (0018,0015), e.g. CHEST, BREAST.</summary>
    public required string BodyPartExamined { get; init; }

    /// <summary>DICOM Manufacturer (0008,0070).</summary>
    public required string Manufacturer { get; init; }

    /// <summary>DICOM ManufacturerModelName (0008,1090).</summary>
    public required string ManufacturerModelName { get; init; }

    /// <summary>DICOM ViewPosition (0018,5101): PA, AP, LL, RL, CC, MLO, ...</summary>
    public required string ViewPosition { get; init; }

    /// <summary>Optional DICOM ProtocolName (0018,1030).</summary>
    public string? Protocol { get; init; }
}

/// <summary>Coarse, pseudonymous patient attributes.</summary>
public sealed record PatientInfo
{
    /// <summary>
    /// Keyed hash of the local patient id: lowercase hex HMAC-SHA256(site secret, local id), 64 characters.
    /// </summary>
    public required string PseudoId { get; init; }

    /// <summary>Age band such as <c>18-39</c>, <c>40-64</c>, <c>65+</c>; either this or <see cref="Age"/>.</summary>
    public string? AgeBand { get; init; }

    /// <summary>DICOM age string (AS): three digits and D, W, M or Y, e.g. <c>043Y</c>; either this or <see cref="AgeBand"/>.</summary>
    public string? Age { get; init; }

    /// <summary>DICOM PatientSex: M, F, O, or U (unknown).</summary>
    public required string Sex { get; init; }

    /// <summary>Optional self-reported ethnicity category.</summary>
    public string? Ethnicity { get; init; }
}

/// <summary>Model output for one study.</summary>
public sealed record Prediction
{
    /// <summary>Probability per label, each in [0, 1].</summary>
    public required IReadOnlyDictionary<string, double> Scores { get; init; }

    /// <summary>Labels whose score reached the threshold.</summary>
    public IReadOnlyList<string> PredictedLabels { get; init; } = [];

    /// <summary>Operating threshold applied to the scores.</summary>
    public required double Threshold { get; init; }
}

/// <summary>Ground truth for an earlier inference, often days later (radiology report, pathology, ...).</summary>
public sealed record GroundTruthRecorded
{
    /// <summary>The inference it belongs to.</summary>
    public required string InferenceId { get; init; }

    /// <summary>Labels present in truth; labels of the model not listed are negative.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Where the truth comes from: <c>radiology-report</c>, <c>pathology</c>, <c>follow-up</c>, <c>consensus</c>.</summary>
    public required string Source { get; init; }

    /// <summary>When the truth was recorded.</summary>
    public required DateTimeOffset RecordedAt { get; init; }
}

/// <summary>What a reader did with a model output.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReaderAction>))]
public enum ReaderAction
{
    /// <summary>The reader agreed with the model.</summary>
    [JsonStringEnumMemberName("agreed")] Agreed,

    /// <summary>The reader overrode the model.</summary>
    [JsonStringEnumMemberName("overrode")] Overrode,

    /// <summary>The output was not reviewed.</summary>
    [JsonStringEnumMemberName("not-reviewed")] NotReviewed,
}

/// <summary>A reader's (radiologist's) response to an inference.</summary>
public sealed record ReaderFeedbackRecorded
{
    /// <summary>The inference it belongs to.</summary>
    public required string InferenceId { get; init; }

    /// <summary>Pseudonym of the reader (never a name).</summary>
    public required string ReaderPseudoId { get; init; }

    /// <summary>What the reader did.</summary>
    public required ReaderAction Action { get; init; }

    /// <summary>When the feedback was recorded.</summary>
    public required DateTimeOffset RecordedAt { get; init; }
}
