using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Ingest.Publishing;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

/// <summary>
/// The edges of the HTTP API a producer meets: a batch of exactly the item limit (array and NDJSON), and RabbitMQ refusing
/// a batch while both dependencies look healthy (503 with Retry-After, nothing stored, accepted again once it routes).
/// </summary>
public sealed class HttpBoundaryTests(HttpIngestFixture fixture) : IClassFixture<HttpIngestFixture>
{
    private const int Limit = 100; // HttpIngestFixture's Ingest:MaxItemsPerRequest

    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenAJsonArrayOfExactlyTheItemLimit_WhenPosted_ThenEveryItemIsAcceptedAndStored()
    {
        var items = Enumerable.Range(0, Limit).Select(i => Samples.Inference(localPatientId: $"P-limit-{i}")).ToList();

        using var response = await Host.PostAsync("/v1/inferences", Samples.Array(items));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(Limit, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        await Host.WaitForStreamAsync((string)items[^1]["inferenceId"]!);
        await Host.WaitForStreamAsync((string)items[0]["inferenceId"]!);
    }

    [Fact]
    public async Task GivenNdjsonOfExactlyTheItemLimit_WhenPosted_ThenEveryItemIsAcceptedAndOneMoreIsRefused()
    {
        var items = Enumerable.Range(0, Limit).Select(_ => Samples.Inference()).ToList();

        using var atLimit = await Host.PostNdjsonAsync("/v1/inferences", items);
        using var overLimit = await Host.PostNdjsonAsync("/v1/inferences", [.. Enumerable.Range(0, Limit + 1).Select(_ => Samples.Inference())]);

        Assert.Equal(HttpStatusCode.Accepted, atLimit.StatusCode);
        Assert.Equal(Limit, (await atLimit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overLimit.StatusCode);
        await Host.WaitForStreamAsync((string)items[^1]["inferenceId"]!);
    }

    [Fact]
    public async Task GivenRabbitMqCannotRouteTheBatch_WhenPosted_Then503WithRetryAfterAndNothingIsStoredUntilItRoutesAgain()
    {
        var refused = Samples.Inference();
        var bindings = await TestInfrastructure.RemoveBindingsAsync(Host.VirtualHost, Topology.InferencesExchange);
        Assert.NotEmpty(bindings);
        HttpResponseMessage response;
        try
        {
            response = await Host.PostAsync("/v1/inferences", refused);
        }
        finally
        {
            await TestInfrastructure.RestoreBindingsAsync(Host.VirtualHost, Topology.InferencesExchange, bindings);
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("5", Assert.Single(response.Headers.GetValues("Retry-After")));
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:monitoring:ingest:unavailable", problem.GetProperty("type").GetString());
            Assert.Contains("nothing of this batch was accepted", problem.GetProperty("detail").GetString());
        }

        var accepted = Samples.Inference();
        using var retried = await Host.PostAsync("/v1/inferences", accepted);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await Host.WaitForStreamAsync((string)accepted["inferenceId"]!);
        Assert.Empty(await Host.StreamAsync((string)refused["inferenceId"]!));
    }
}
