namespace Monitoring.Ingest.Validation;

/// <summary>The three kinds of item Ingest accepts; each has its own endpoint, exchange and queue.</summary>
public enum EventKind
{
    Inference,
    GroundTruth,
    ReaderFeedback,
}

/// <summary>One problem with one item: its index in the batch, the JSON path of the field and why.</summary>
/// <param name="Index">Zero-based index of the item in the batch (array position or NDJSON line), or -1 for the body as a whole.</param>
/// <param name="Path">JSON path of the offending field relative to the body, e.g. <c>$[3].patient.sex</c>.</param>
/// <param name="Reason"><c>schema</c>, <c>privacy</c> or <c>syntax</c>.</param>
/// <param name="Message">What is wrong and what is expected.</param>
public sealed record ValidationError(int Index, string Path, string Reason, string Message)
{
    public const string Schema = "schema";
    public const string Privacy = "privacy";
    public const string Syntax = "syntax";

    public override string ToString() => $"{Path}: {Message} ({Reason})";
}

/// <summary>A valid item: the contract record, its stream key and the hash of its canonical JSON (idempotency).</summary>
public sealed record ValidItem(EventKind Kind, string InferenceId, object Event, string ContentHash);
