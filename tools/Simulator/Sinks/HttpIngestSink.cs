using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Sinks;

/// <summary>Settings of the HTTP sink.</summary>
public sealed record HttpSinkOptions
{
    /// <summary>Ingest base address.</summary>
    public Uri BaseAddress { get; init; } = new("http://127.0.0.1:5080");

    /// <summary>Producer API key, sent as <c>X-Api-Key</c>.</summary>
    public string ApiKey { get; init; } = "dev-producer-key";

    /// <summary>Events per request.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>Give up after this many consecutive retries of one batch.</summary>
    public int MaxRetries { get; init; } = 100;

    /// <summary>Longest wait honoured from a Retry-After header.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Posts JSON-array batches to the Ingest: <c>/v1/inferences</c>, <c>/v1/ground-truth</c>, <c>/v1/reader-feedback</c>.
/// 429 and 503 are waited out (Retry-After) and the batch is resent — safe because the Ingest is idempotent on
/// the inference id; other 5xx and connection failures are retried with backoff; any other 4xx stops the run
/// with the problem details.
/// </summary>
public sealed class HttpIngestSink : IEventSink
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly HttpSinkOptions _options;
    private readonly List<InferenceRecorded> _inferences = [];
    private readonly List<GroundTruthRecorded> _truths = [];
    private readonly List<ReaderFeedbackRecorded> _feedback = [];
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _inFlight = [];
    private long _retries;
    private long _requests;

    /// <summary>Creates the sink; pass an <see cref="HttpClient"/> to reuse one (tests, benchmarks).</summary>
    public HttpIngestSink(HttpSinkOptions options, HttpClient? client = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Concurrency);
        _options = options;
        _ownsClient = client is null;
        _http = client ?? new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
        _slots = new SemaphoreSlim(options.Concurrency);
    }

    /// <summary>Requests sent, including retries.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Batches resent after 429/503/transient failures.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <inheritdoc />
    public async ValueTask WriteAsync(SimulatedEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case InferenceEvent i:
                _inferences.Add(i.Message);
                if (_inferences.Count >= _options.BatchSize)
                {
                    await SendBufferedAsync(_inferences, "v1/inferences", cancellationToken);
                }

                break;
            case GroundTruthEvent g:
                _truths.Add(g.Message);
                if (_truths.Count >= _options.BatchSize)
                {
                    // Inferences first, so truth rarely overtakes its inference (the Ingest copes if it does).
                    await SendBufferedAsync(_inferences, "v1/inferences", cancellationToken);
                    await SendBufferedAsync(_truths, "v1/ground-truth", cancellationToken);
                }

                break;
            case ReaderFeedbackEvent f:
                _feedback.Add(f.Message);
                if (_feedback.Count >= _options.BatchSize)
                {
                    await SendBufferedAsync(_inferences, "v1/inferences", cancellationToken);
                    await SendBufferedAsync(_feedback, "v1/reader-feedback", cancellationToken);
                }

                break;
        }
    }

    private async Task SendBufferedAsync<T>(List<T> buffer, string path, CancellationToken cancellationToken)
    {
        if (buffer.Count == 0)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(buffer, WireFormat.Options);
        buffer.Clear();
        await _slots.WaitAsync(cancellationToken);
        _inFlight.RemoveAll(t => t.IsCompletedSuccessfully);
        var failed = _inFlight.FirstOrDefault(t => t.IsFaulted || t.IsCanceled);
        if (failed is not null)
        {
            _slots.Release();
            await failed;
        }

        _inFlight.Add(SendAsync(path, body, cancellationToken));
    }

    private async Task SendAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            var uri = new Uri(_options.BaseAddress, path);
            for (var attempt = 0; ; attempt++)
            {
                TimeSpan wait;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add("X-Api-Key", _options.ApiKey);
                    Interlocked.Increment(ref _requests);
                    using var response = await _http.SendAsync(request, cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                    {
                        wait = RetryAfter(response) ?? Backoff(attempt);
                    }
                    else if ((int)response.StatusCode >= 500)
                    {
                        wait = Backoff(attempt);
                    }
                    else
                    {
                        var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                        throw new SinkException($"POST {uri} was refused with {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(detail, 2000)}");
                    }
                }
                catch (HttpRequestException) when (attempt < _options.MaxRetries)
                {
                    wait = Backoff(attempt);
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < _options.MaxRetries)
                {
                    // HttpClient timeout: the Ingest may be overloaded; resending is safe (idempotent).
                    wait = Backoff(attempt);
                }

                if (attempt >= _options.MaxRetries)
                {
                    throw new SinkException($"POST {uri} still failing after {attempt + 1} attempts.");
                }

                Interlocked.Increment(ref _retries);
                await Task.Delay(wait, cancellationToken);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(attempt, 10))));

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendBufferedAsync(_inferences, "v1/inferences", cancellationToken);
        await SendBufferedAsync(_feedback, "v1/reader-feedback", cancellationToken);
        await SendBufferedAsync(_truths, "v1/ground-truth", cancellationToken);
        await Task.WhenAll(_inFlight);
        _inFlight.Clear();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }

        _slots.Dispose();
        return ValueTask.CompletedTask;
    }
}
