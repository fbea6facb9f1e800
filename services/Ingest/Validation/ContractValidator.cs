using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Monitoring.Contracts;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// Validates one item of contract v1 (schema and privacy) and builds the contract record. Pure: the current
/// time is a parameter (only used to refuse timestamps far in the future).
/// </summary>
public static partial class ContractValidator
{
    /// <summary>Serializer for the canonical JSON that is hashed and published: camelCase, nulls omitted.</summary>
    public static readonly JsonSerializerOptions CanonicalJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly FieldNames InferenceFields =
        new("inferenceId", "occurredAt", "model", "site", "study", "patient", "prediction", "features", "embedding", "latencyMs");
    private static readonly FieldNames ModelFields = new("id", "version");
    private static readonly FieldNames StudyFields =
        new("modality", "bodyPartExamined", "manufacturer", "manufacturerModelName", "viewPosition", "protocol");
    private static readonly FieldNames PatientFields = new("pseudoId", "ageBand", "age", "sex", "ethnicity");
    private static readonly FieldNames PredictionFields = new("scores", "predictedLabels", "threshold");
    private static readonly FieldNames GroundTruthFields = new("inferenceId", "labels", "source", "recordedAt");
    private static readonly FieldNames FeedbackFields = new("inferenceId", "readerPseudoId", "action", "recordedAt");

    /// <summary>Maximum number of entries in <c>features</c>.</summary>
    public const int MaxFeatures = 256;

    /// <summary>Maximum number of labels in <c>prediction.scores</c> and ground-truth <c>labels</c>.</summary>
    public const int MaxLabels = 256;

    /// <summary>Validates <paramref name="item"/> as <paramref name="kind"/>; returns the item or null with errors added.</summary>
    public static ValidItem? Validate(EventKind kind, JsonElement item, int index, string path, DateTimeOffset now, List<ValidationError> errors)
    {
        var before = errors.Count;
        PrivacyGuard.CheckNames(item, path, index, errors);
        var reader = new ItemReader(index, errors);
        object? result = kind switch
        {
            EventKind.Inference => ReadInference(reader, item, path, now),
            EventKind.GroundTruth => ReadGroundTruth(reader, item, path, now),
            EventKind.ReaderFeedback => ReadFeedback(reader, item, path, now),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (result is null || errors.Count > before)
        {
            return null;
        }

        var inferenceId = result switch
        {
            InferenceRecorded i => i.InferenceId,
            GroundTruthRecorded g => g.InferenceId,
            ReaderFeedbackRecorded r => r.InferenceId,
            _ => throw new InvalidOperationException(),
        };
        return new ValidItem(kind, inferenceId, result, Hash(result));
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? hashBuffer;
    [ThreadStatic] private static Utf8JsonWriter? hashWriter;

    /// <summary>Lowercase hex SHA-256 of the canonical JSON of a contract record.</summary>
    public static string Hash(object record)
    {
        // The same bytes as JsonSerializer.SerializeToUtf8Bytes(record, type, CanonicalJson), written into a buffer
        // reused by this thread instead of a fresh array per item.
        var buffer = hashBuffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = hashWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = CanonicalJson.Encoder, Indented = CanonicalJson.WriteIndented });
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, record, record.GetType(), CanonicalJson); // flushes the writer
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, digest);

        // The buffer kept per thread stays bounded: the contract's limits (4096 embedding components; 256 features, scores and
        // labels of at most 64 ASCII characters, each escaped to at most 6 bytes) keep a valid item's canonical JSON under 0.5 MB.
        return Convert.ToHexStringLower(digest);
    }

    private static InferenceRecorded? ReadInference(ItemReader r, JsonElement item, string path, DateTimeOffset now)
    {
        if (!r.Object(item, path, InferenceFields))
        {
            return null;
        }

        var inferenceId = InferenceId(r, item, path);
        var occurredAt = r.Timestamp(item, path, "occurredAt", now);
        var site = r.String(item, path, "site", true, 64, SitePattern(), "must be a site code of 1-64 letters, digits, '.', '_' or '-'", freeText: true);
        var model = ReadModel(r, item, path);
        var study = ReadStudy(r, item, path);
        var patient = ReadPatient(r, item, path);
        var prediction = ReadPrediction(r, item, path);
        var features = r.NumberMap(item, path, "features", false, MaxFeatures, double.MinValue, double.MaxValue);
        var embedding = ReadEmbedding(r, item, path);
        var latency = r.Number(item, path, "latencyMs", false, 0, 86_400_000);
        if (inferenceId is null || occurredAt is null || site is null || model is null || study is null ||
            patient is null || prediction is null || features is null || embedding.Invalid)
        {
            return null;
        }

        return new InferenceRecorded
        {
            InferenceId = inferenceId,
            OccurredAt = occurredAt.Value,
            Model = model,
            Site = site,
            Study = study,
            Patient = patient,
            Prediction = prediction,
            Features = features,
            Embedding = embedding.Value,
            LatencyMs = latency ?? 0,
        };
    }

    private static string? InferenceId(ItemReader r, JsonElement item, string path)
    {
        var id = r.String(item, path, "inferenceId", true, InferenceRecorded.MaxInferenceIdLength, InferenceIdPattern(),
            "must be 1-128 characters of letters, digits and . _ : -");
        if (id is null)
        {
            return null;
        }

        // An accession number, MRN or study UID reused as the idempotency key (and stream key) would leak an identifier.
        if (InferenceIdRule(id) is { } problem)
        {
            r.Error(JsonPath.Property(path, "inferenceId"), problem, ValidationError.Privacy);
            return null;
        }

        return id;
    }

    /// <summary>
    /// Rule <c>opaque-inference-id</c> (docs/contracts.md): a UUID (36 or 32 hex characters, optionally after a short prefix such
    /// as <c>inf-</c>) or an opaque token of at least 16 characters of which at most half are digits. Accession numbers
    /// (<c>A10023456</c>, <c>ACC-2024-55123</c>), record numbers and DICOM UIDs are short, mostly digits, or both.
    /// </summary>
    public static string? InferenceIdRule(string id)
    {
        if (UuidPattern().IsMatch(id))
        {
            return null;
        }

        if (PrivacyGuard.IdentifierLike(id) is "looks like a DICOM UID (study, series or instance identifier)")
        {
            return $"'{id}' looks like a DICOM UID; rule opaque-inference-id: use a UUID or an opaque token of at least 16 characters that is not mostly digits";
        }

        var digits = id.Count(char.IsAsciiDigit);
        var alphanumeric = id.Count(char.IsAsciiLetterOrDigit);
        if (id.Length < 16 || digits * 2 > alphanumeric)
        {
            return $"'{id}' could be an accession or record number ({(id.Length < 16 ? $"{id.Length} characters" : $"{digits} of {alphanumeric} characters are digits")}); " +
                "rule opaque-inference-id: use a UUID or an opaque token of at least 16 characters that is not mostly digits";
        }

        return null;
    }

    private static ModelRef? ReadModel(ItemReader r, JsonElement item, string path)
    {
        var modelPath = JsonPath.Property(path, "model");
        if (ItemReader.Get(item, "model") is not { } model)
        {
            r.Error(modelPath, "is required");
            return null;
        }

        if (!r.Object(model, modelPath, ModelFields))
        {
            return null;
        }

        var id = r.String(model, modelPath, "id", true, 128, InferenceIdPattern(), "must be 1-128 characters of letters, digits and . _ : -");
        var version = r.String(model, modelPath, "version", true, 64, InferenceIdPattern(), "must be 1-64 characters of letters, digits and . _ : -");
        return id is null || version is null ? null : new ModelRef(id, version);
    }

    private static StudyInfo? ReadStudy(ItemReader r, JsonElement item, string path)
    {
        var studyPath = JsonPath.Property(path, "study");
        if (ItemReader.Get(item, "study") is not { } study)
        {
            r.Error(studyPath, "is required");
            return null;
        }

        if (!r.Object(study, studyPath, StudyFields))
        {
            return null;
        }

        const string csHint = "must be a DICOM code string: up to 16 of A-Z, 0-9, space and _";
        var modality = r.String(study, studyPath, "modality", true, 16, CodeString(), csHint);
        var bodyPart = r.String(study, studyPath, "bodyPartExamined", true, 16, CodeString(), csHint);
        var manufacturer = r.String(study, studyPath, "manufacturer", true, 64, freeText: true);
        var modelName = r.String(study, studyPath, "manufacturerModelName", true, 64, freeText: true);
        var view = r.String(study, studyPath, "viewPosition", true, 16, CodeStringOrEmpty(), csHint + " (empty when the modality has no view)");
        var protocol = r.String(study, studyPath, "protocol", false, 64, freeText: true, descriptive: true);
        if (modality is null || bodyPart is null || manufacturer is null || modelName is null || view is null ||
            (ItemReader.Get(study, "protocol") is not null && protocol is null))
        {
            return null;
        }

        return new StudyInfo
        {
            Modality = modality,
            BodyPartExamined = bodyPart,
            Manufacturer = manufacturer,
            ManufacturerModelName = modelName,
            ViewPosition = view,
            Protocol = protocol,
        };
    }

    private static PatientInfo? ReadPatient(ItemReader r, JsonElement item, string path)
    {
        var patientPath = JsonPath.Property(path, "patient");
        if (ItemReader.Get(item, "patient") is not { } patient)
        {
            r.Error(patientPath, "is required");
            return null;
        }

        if (!r.Object(patient, patientPath, PatientFields))
        {
            return null;
        }

        var pseudoId = PseudoId(r, patient, patientPath, "pseudoId");
        var ageBand = r.String(patient, patientPath, "ageBand", false, 16, AgeBandPattern(), "must be an age band such as 18-39 or 85+");
        var age = r.String(patient, patientPath, "age", false, 4, DicomAge(), "must be a DICOM age string: 3 digits and D, W, M or Y, e.g. 043Y");
        var sex = r.String(patient, patientPath, "sex", true, 1, SexPattern(), "must be DICOM PatientSex M, F, O or U");
        var ethnicity = r.String(patient, patientPath, "ethnicity", false, 64, freeText: true, descriptive: true);
        var ok = pseudoId is not null && sex is not null;
        ok &= ItemReader.Get(patient, "ageBand") is null || ageBand is not null;
        ok &= ItemReader.Get(patient, "age") is null || age is not null;
        ok &= ItemReader.Get(patient, "ethnicity") is null || ethnicity is not null;
        if (ageBand is not null && age is not null)
        {
            r.Error(JsonPath.Property(patientPath, "age"), "send either ageBand or age, not both");
            ok = false;
        }

        if (ageBand is not null && !AgeBandOrdered(ageBand))
        {
            r.Error(JsonPath.Property(patientPath, "ageBand"), $"'{ageBand}' must have lower ≤ upper ≤ 130");
            ok = false;
        }

        if (!ok)
        {
            return null;
        }

        var (storedBand, storedAge) = AgeCoarsening.Coarsen(ageBand, age);
        return new PatientInfo { PseudoId = pseudoId!, AgeBand = storedBand, Age = storedAge, Sex = sex!, Ethnicity = ethnicity };
    }

    private static string? PseudoId(ItemReader r, JsonElement obj, string path, string name) =>
        r.String(obj, path, name, true, 64, PseudonymPattern(),
            "must be a keyed hash: 64 lowercase hex characters of HMAC-SHA256(site secret, local id); see docs/ingest.md#pseudonyms",
            freeText: false);

    private static bool AgeBandOrdered(string band)
    {
        var parts = band.TrimEnd('+').Split('-');
        var lower = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var upper = parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : lower;
        return lower <= upper && upper <= 130;
    }

    private static Prediction? ReadPrediction(ItemReader r, JsonElement item, string path)
    {
        var predictionPath = JsonPath.Property(path, "prediction");
        if (ItemReader.Get(item, "prediction") is not { } prediction)
        {
            r.Error(predictionPath, "is required");
            return null;
        }

        if (!r.Object(prediction, predictionPath, PredictionFields))
        {
            return null;
        }

        var scores = r.NumberMap(prediction, predictionPath, "scores", true, MaxLabels, 0, 1);
        var predicted = r.Labels(prediction, predictionPath, "predictedLabels", false, MaxLabels);
        var threshold = r.Number(prediction, predictionPath, "threshold", true, 0, 1);
        if (scores is null || predicted is null || threshold is null)
        {
            return null;
        }

        var ok = true;
        for (var i = 0; i < predicted.Count; i++)
        {
            if (!scores.ContainsKey(predicted[i]))
            {
                r.Error($"{JsonPath.Property(predictionPath, "predictedLabels")}[{i}]", $"'{predicted[i]}' has no score in prediction.scores");
                ok = false;
            }
        }

        return ok ? new Prediction { Scores = scores, PredictedLabels = predicted, Threshold = threshold.Value } : null;
    }

    private static (float[]? Value, bool Invalid) ReadEmbedding(ItemReader r, JsonElement item, string path)
    {
        if (ItemReader.Get(item, "embedding") is not { } embedding)
        {
            return (null, false);
        }

        if (embedding.ValueKind != JsonValueKind.Array)
        {
            r.Error(JsonPath.Property(path, "embedding"), $"must be an array of numbers, found {ItemReader.Describe(embedding)}");
            return (null, true);
        }

        var length = embedding.GetArrayLength();
        if (length is 0 or > InferenceRecorded.MaxEmbeddingLength)
        {
            r.Error(JsonPath.Property(path, "embedding"), $"must have 1 to {InferenceRecorded.MaxEmbeddingLength} components, found {length}");
            return (null, true);
        }

        var values = new float[length];
        var i = 0;
        foreach (var component in embedding.EnumerateArray())
        {
            if (component.ValueKind != JsonValueKind.Number || !component.TryGetSingle(out var f))
            {
                r.Error($"{JsonPath.Property(path, "embedding")}[{i}]", "must be a finite number (single precision)");
                return (null, true);
            }

            if (Storable.SingleProblem(component, f) is { } unstorable)
            {
                r.Error($"{JsonPath.Property(path, "embedding")}[{i}]", unstorable);
                return (null, true);
            }

            values[i++] = f;
        }

        return (values, false);
    }

    private static GroundTruthRecorded? ReadGroundTruth(ItemReader r, JsonElement item, string path, DateTimeOffset now)
    {
        if (!r.Object(item, path, GroundTruthFields))
        {
            return null;
        }

        var inferenceId = InferenceId(r, item, path);
        var labels = r.Labels(item, path, "labels", true, MaxLabels);
        var source = r.String(item, path, "source", true, 64, SourcePattern(),
            "must be a lowercase source code such as radiology-report, pathology, follow-up or consensus", descriptive: true);
        var recordedAt = r.Timestamp(item, path, "recordedAt", now);
        return inferenceId is null || labels is null || source is null || recordedAt is null
            ? null
            : new GroundTruthRecorded { InferenceId = inferenceId, Labels = labels, Source = source, RecordedAt = recordedAt.Value };
    }

    private static ReaderFeedbackRecorded? ReadFeedback(ItemReader r, JsonElement item, string path, DateTimeOffset now)
    {
        if (!r.Object(item, path, FeedbackFields))
        {
            return null;
        }

        var inferenceId = InferenceId(r, item, path);
        var reader = PseudoId(r, item, path, "readerPseudoId");
        var actionText = r.String(item, path, "action", true, 16, ActionPattern(), "must be agreed, overrode or not-reviewed");
        var recordedAt = r.Timestamp(item, path, "recordedAt", now);
        if (inferenceId is null || reader is null || actionText is null || recordedAt is null)
        {
            return null;
        }

        var action = actionText switch
        {
            "agreed" => ReaderAction.Agreed,
            "overrode" => ReaderAction.Overrode,
            _ => ReaderAction.NotReviewed,
        };
        return new ReaderFeedbackRecorded { InferenceId = inferenceId, ReaderPseudoId = reader, Action = action, RecordedAt = recordedAt.Value };
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex InferenceIdPattern();

    [GeneratedRegex("^(?:[A-Za-z][A-Za-z0-9]{0,15}[-_.:])?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")]
    private static partial Regex UuidPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SitePattern();

    [GeneratedRegex("^[A-Z0-9 _]{1,16}$")]
    private static partial Regex CodeString();

    [GeneratedRegex("^[A-Z0-9 _]{0,16}$")]
    private static partial Regex CodeStringOrEmpty();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex PseudonymPattern();

    [GeneratedRegex(@"^(\d{1,3}-\d{1,3}|\d{1,3}\+)$")]
    private static partial Regex AgeBandPattern();

    [GeneratedRegex("^[0-9]{3}[DWMY]$")]
    private static partial Regex DicomAge();

    [GeneratedRegex("^[MFOU]$")]
    private static partial Regex SexPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex SourcePattern();

    [GeneratedRegex("^(agreed|overrode|not-reviewed)$")]
    private static partial Regex ActionPattern();
}
