using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Monitoring.Ingest.Publishing;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;
using Monitoring.ServiceDefaults;

namespace Monitoring.Ingest.Http;

/// <summary>
/// POST /v1/inferences, /v1/ground-truth, /v1/reader-feedback. Body: one JSON object, a JSON array
/// (<c>application/json</c>) or NDJSON (<c>application/x-ndjson</c>). 202 only after RabbitMQ confirmed the batch.
/// </summary>
public static class IngestApi
{
    /// <summary>Name of the per-producer rate-limiting policy.</summary>
    public const string RateLimitPolicy = "per-producer";

    /// <summary>Problem types are URNs documented in docs/ingest.md (section "Errors").</summary>
    private const string ProblemBase = "urn:monitoring:ingest:";

    public static WebApplication MapIngestApi(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization(Policies.Ingest).RequireRateLimiting(RateLimitPolicy);
        v1.MapPost("/inferences", (HttpContext http, IOptions<IngestOptions> options) => HandleAsync(EventKind.Inference, http, options.Value));
        v1.MapPost("/ground-truth", (HttpContext http, IOptions<IngestOptions> options) => HandleAsync(EventKind.GroundTruth, http, options.Value));
        v1.MapPost("/reader-feedback", (HttpContext http, IOptions<IngestOptions> options) => HandleAsync(EventKind.ReaderFeedback, http, options.Value));
        return app;
    }

    private static async Task<IResult> HandleAsync(EventKind kind, HttpContext http, IngestOptions options)
    {
        var services = http.RequestServices;
        var label = EventWriter.Kind(kind);
        var producer = http.User.ActorName();
        Activity.Current?.SetTag("ingest.producer", producer);

        var format = BodyFormat(http.Request.ContentType);
        if (format is null)
        {
            IngestTelemetry.Rejected.WithLabels(label, "http", "unsupported_media_type").Inc();
            return Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type",
                $"Send application/json (one object or an array) or application/x-ndjson, not '{http.Request.ContentType ?? "(none)"}'.");
        }

        var body = await ReadBodyAsync(http, options.MaxBodyBytes);
        if (body is null)
        {
            IngestTelemetry.Rejected.WithLabels(label, "http", "too_large").Inc();
            return Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "Body too large",
                $"A request body may be at most {options.MaxBodyBytes} bytes and {options.MaxItemsPerRequest} items; split the batch.");
        }

        BatchResult result;
        try
        {
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            result = format == "ndjson"
                ? BatchParser.ParseNdjson(kind, body.Value, now, options.MaxItemsPerRequest)
                : BatchParser.ParseJson(kind, body.Value, now, options.MaxItemsPerRequest);
        }
        catch (BatchParser.TooManyItemsException e)
        {
            IngestTelemetry.Rejected.WithLabels(label, "http", "too_large").Inc();
            return Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "Too many items",
                $"{e.Message} and {options.MaxBodyBytes} bytes; split the batch.");
        }

        IngestTelemetry.Received.WithLabels(label, "http").Inc(Math.Max(result.ItemCount, 1));
        IngestTelemetry.BatchSize.WithLabels("http").Observe(result.ItemCount);
        if (!result.IsValid)
        {
            foreach (var reason in result.Errors.GroupBy(e => e.Reason))
            {
                IngestTelemetry.Rejected.WithLabels(label, "http", reason.Key).Inc(reason.Select(e => e.Index).Distinct().Count());
            }

            return InvalidBatch(result);
        }

        var monitor = services.GetRequiredService<DependencyMonitor>();
        var retryAfter = options.UnavailableRetryAfterSeconds;
        if (!monitor.PostgresAvailable || !monitor.RabbitMqAvailable)
        {
            IngestTelemetry.Rejected.WithLabels(label, "http", "unavailable").Inc(result.Items.Count);
            return Unavailable(http, retryAfter,
                $"{(monitor.PostgresAvailable ? "RabbitMQ" : "PostgreSQL")} is unavailable; nothing of this batch was accepted. Retry later.");
        }

        try
        {
            await services.GetRequiredService<BatchPublisher>().PublishAsync(kind, result.Items, producer, http.RequestAborted);
        }
        catch (BrokerUnavailableException e)
        {
            IngestTelemetry.Rejected.WithLabels(label, "http", "unavailable").Inc(result.Items.Count);
            return Unavailable(http, retryAfter, $"{e.Message}; nothing of this batch was accepted. Retry later.");
        }

        IngestTelemetry.Accepted.WithLabels(label, "http").Inc(result.Items.Count);
        return Results.Json(new AcceptedBatch(result.Items.Count, Topology.Exchange(kind)), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Body of a 202: how many items RabbitMQ confirmed, and where they went.</summary>
    public sealed record AcceptedBatch(int Accepted, string Exchange);

    private static string? BodyFormat(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }

        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/json" => "json",
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines" => "ndjson",
            _ => null,
        };
    }

    /// <summary>Reads the body up to <paramref name="limit"/> bytes; null when it is larger.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext http, long limit)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(http.Request.ContentLength ?? 64 * 1024, limit) + 1);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(64 * 1024);
                var read = await http.Request.Body.ReadAsync(memory, http.RequestAborted);
                if (read == 0)
                {
                    return buffer.WrittenMemory;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    private static IResult InvalidBatch(BatchResult result)
    {
        var invalid = result.Errors.Select(e => e.Index).Where(i => i >= 0).Distinct().Order().ToArray();
        var detail = invalid.Length > 0
            ? $"{invalid.Length} of {result.ItemCount} item(s) are invalid ({result.Errors.Count} problem(s)); nothing of this batch was published."
            : $"{result.Errors[0].Message}; nothing was published.";
        return Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            type: ProblemBase + (result.Errors.Any(e => e.Reason == ValidationError.Privacy) ? "privacy" : "validation"),
            title: "The batch is invalid",
            detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["invalidItems"] = invalid,
                ["errors"] = result.Errors.Select(e => new { index = e.Index, path = e.Path, reason = e.Reason, message = e.Message }).ToArray(),
            });
    }

    private static IResult Unavailable(HttpContext http, int retryAfterSeconds, string detail)
    {
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "Temporarily unavailable", detail);
    }

    internal static IResult Problem(int status, string type, string title, string detail) =>
        Results.Problem(statusCode: status, type: ProblemBase + type, title: title, detail: detail);
}
