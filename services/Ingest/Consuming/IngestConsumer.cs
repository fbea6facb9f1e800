using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Consuming;

/// <summary>The message can never be stored as sent (schema, privacy or conflict); it goes to the error queue untried.</summary>
public sealed class IngestRejectedException(string reason, string message) : Exception(message)
{
    /// <summary><c>schema</c>, <c>privacy</c>, <c>syntax</c>, <c>conflict</c> or <c>refused</c>.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Consumes one queue of raw JSON: validates the whole message (any invalid item rejects it, as HTTP does),
/// hands every item to the <see cref="EventWriter"/> and returns (acknowledges) only once all are committed.
/// A conflicting item faults the message after the others were stored; the fault reason names it.
/// The body is validated straight from the received bytes (one parse into pooled buffers, released afterwards).
/// </summary>
public sealed class IngestConsumer(EventKind kind, EventWriter writer, IOptions<IngestOptions> options, TimeProvider time)
    : IConsumer<RawIngestMessage>
{
    public async Task Consume(ConsumeContext<RawIngestMessage> context)
    {
        var label = EventWriter.Kind(kind);
        BatchResult result;
        try
        {
            result = BatchParser.ParseJson(kind, context.ReceiveContext.Body.GetBytes(), time.GetUtcNow(), options.Value.MaxItemsPerRequest);
        }
        catch (BatchParser.TooManyItemsException e)
        {
            IngestTelemetry.Rejected.WithLabels(label, "amqp", "too_large").Inc();
            throw new IngestRejectedException("too_large", $"{e.Message}; split the message");
        }

        IngestTelemetry.ReceivedAmqp(kind).Inc(Math.Max(result.ItemCount, 1));
        IngestTelemetry.BatchSizeAmqp.Observe(result.ItemCount);
        if (!result.IsValid)
        {
            var reason = result.Errors.Any(e => e.Reason == ValidationError.Privacy) ? ValidationError.Privacy : result.Errors[0].Reason;
            IngestTelemetry.Rejected.WithLabels(label, "amqp", reason).Inc(Math.Max(result.ItemCount, 1));
            throw new IngestRejectedException(reason,
                $"{result.Errors.Count} invalid field(s), nothing of this message was stored: {result.Describe()}");
        }

        IngestTelemetry.AcceptedAmqp(kind).Inc(result.Items.Count);
        var origin = new ItemOrigin(CorrelationOf(context), context.MessageId?.ToString(), Producer(context));
        var outcomes = await writer.AppendAllAsync(result.Items, origin, context.CancellationToken);
        List<string>? conflicts = null;
        List<string>? refused = null;
        foreach (var outcome in outcomes)
        {
            if (outcome.Outcome == AppendOutcome.Conflict)
            {
                (conflicts ??= []).Add(outcome.Reason!);
            }
            else if (outcome.Outcome == AppendOutcome.Refused)
            {
                (refused ??= []).Add(outcome.Reason!);
            }
        }

        if (refused is not null)
        {
            // The store refused the data itself: no retry can store it, so the message goes to the error queue now.
            IngestTelemetry.Rejected.WithLabels(label, "amqp", "refused").Inc(refused.Count);
            throw new IngestRejectedException("refused",
                $"{refused.Count} of {outcomes.Length} item(s) were refused by the store and not stored (the others were): " +
                string.Join("; ", refused.Concat(conflicts ?? []).Take(20)));
        }

        if (conflicts is not null)
        {
            IngestTelemetry.Rejected.WithLabels(label, "amqp", "conflict").Inc(conflicts.Count);
            throw new IngestRejectedException("conflict",
                $"{conflicts.Count} of {outcomes.Length} item(s) conflict with stored events and were not stored (the others were): " +
                string.Join("; ", conflicts.Take(20)));
        }
    }

    private static string? CorrelationOf(ConsumeContext context)
    {
        if (context.Headers.Get<string>("traceparent") is { } traceParent && ActivityContext.TryParse(traceParent, null, out var parsed))
        {
            return parsed.TraceId.ToString();
        }

        return Activity.Current?.TraceId.ToString() ?? context.CorrelationId?.ToString();
    }

    private static string Producer(ConsumeContext context) =>
        context.Headers.Get<string>("producer") is { Length: > 0 and <= 128 } producer ? $"http:{producer}" : "amqp";
}
