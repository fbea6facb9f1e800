using System.Net;
using System.Text;
using System.Text.Json;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

public class HttpIngestSinkTests
{
    /// <summary>Records requests and answers from a script (then 202).</summary>
    private sealed class RecordingHandler(params Func<HttpRequestMessage, HttpResponseMessage?>[] script) : HttpMessageHandler
    {
        private int _calls;
        public List<(string Path, string? ApiKey, string ContentType, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add((request.RequestUri!.AbsolutePath, request.Headers.TryGetValues("X-Api-Key", out var k) ? k.Single() : null, request.Content.Headers.ContentType!.MediaType!, body));
            }

            var call = Interlocked.Increment(ref _calls) - 1;
            if (call < script.Length && script[call](request) is { } scripted)
            {
                return scripted;
            }

            return new HttpResponseMessage(HttpStatusCode.Accepted);
        }
    }

    private static TrafficGenerator Small() => new(new SimulationSettings { Seed = 3, Days = 2, Volume = 0.3, Models = ["cxr-triage"], EmbeddingDimensions = 4 });

    private static HttpIngestSink Sink(RecordingHandler handler, int batch = 100, int concurrency = 1) =>
        new(new HttpSinkOptions { BaseAddress = new Uri("http://ingest.test:5080"), ApiKey = "k-1", BatchSize = batch, Concurrency = concurrency }, new HttpClient(handler));

    [Fact]
    public async Task GivenTimeline_WhenSent_ThenEveryEventArrivesOnceInJsonArrayBatchesWithTheApiKey()
    {
        var handler = new RecordingHandler();
        var generator = Small();
        await using (var sink = Sink(handler))
        {
            await SimulationRunner.RunAsync(generator, sink);
        }

        Assert.All(handler.Requests, r =>
        {
            Assert.Equal("k-1", r.ApiKey);
            Assert.Equal("application/json", r.ContentType);
            Assert.InRange(JsonDocument.Parse(r.Body).RootElement.GetArrayLength(), 1, 100);
        });

        int Count(string path) => handler.Requests.Where(r => r.Path == path).Sum(r => JsonDocument.Parse(r.Body).RootElement.GetArrayLength());
        Assert.Equal(generator.Statistics.Inferences, Count("/v1/inferences"));
        Assert.Equal(generator.Statistics.GroundTruth, Count("/v1/ground-truth"));
        Assert.Equal(generator.Statistics.ReaderFeedback, Count("/v1/reader-feedback"));

        var ids = handler.Requests.Where(r => r.Path == "/v1/inferences")
            .SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray().Select(e => e.GetProperty("inferenceId").GetString()))
            .ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public async Task GivenOneRequestInFlight_WhenSent_ThenTruthNeverPrecedesItsInference()
    {
        var handler = new RecordingHandler();
        await using (var sink = Sink(handler, batch: 50))
        {
            await SimulationRunner.RunAsync(Small(), sink);
        }

        var seen = new HashSet<string>();
        foreach (var request in handler.Requests)
        {
            var ids = JsonDocument.Parse(request.Body).RootElement.EnumerateArray().Select(e => e.GetProperty("inferenceId").GetString()!).ToArray();
            if (request.Path == "/v1/inferences")
            {
                seen.UnionWith(ids);
            }
            else
            {
                Assert.All(ids, id => Assert.Contains(id, seen));
            }
        }
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task GivenBackPressure_WhenIngestAnswersWithRetryAfter_ThenTheSameBatchIsResent(HttpStatusCode status)
    {
        HttpResponseMessage Busy(HttpRequestMessage _)
        {
            var response = new HttpResponseMessage(status);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return response;
        }

        var handler = new RecordingHandler(Busy, Busy);
        var generator = Small();
        await using var sink = Sink(handler);
        await SimulationRunner.RunAsync(generator, sink);

        Assert.Equal(2, sink.Retries);
        Assert.Equal(handler.Requests[0].Body, handler.Requests[1].Body);
        Assert.Equal(handler.Requests[0].Body, handler.Requests[2].Body);
        var delivered = handler.Requests.Skip(2).Where(r => r.Path == "/v1/inferences").Sum(r => JsonDocument.Parse(r.Body).RootElement.GetArrayLength());
        Assert.Equal(generator.Statistics.Inferences, delivered);
    }

    [Fact]
    public async Task GivenConnectionFailure_WhenSending_ThenItRetriesAndDelivers()
    {
        var handler = new RecordingHandler(_ => throw new HttpRequestException("connection refused"));
        await using var sink = Sink(handler);
        await SimulationRunner.RunAsync(Small(), sink);
        Assert.Equal(1, sink.Retries);
    }

    [Fact]
    public async Task GivenRejectedBatch_WhenIngestAnswers400_ThenTheRunStopsWithTheProblemDetails()
    {
        var handler = new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("""{"title":"Invalid batch","errors":{"$[3].patient.sex":["must be M, F, O or U"]}}""", Encoding.UTF8, "application/problem+json"),
        });
        await using var sink = Sink(handler);
        var ex = await Assert.ThrowsAsync<SinkException>(() => SimulationRunner.RunAsync(Small(), sink));
        Assert.Contains("400", ex.Message);
        Assert.Contains("$[3].patient.sex", ex.Message);
    }
}
