using System.Net;

namespace Monitoring.Ingest.Tests;

public sealed class RateLimitFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IngestHost.StartAsync("ingest_rate", new Dictionary<string, string?>
    {
        ["Ingest:RateLimit:RequestsPerSecond"] = "1",
        ["Ingest:RateLimit:Burst"] = "3",
    });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

public sealed class RateLimitTests(RateLimitFixture fixture) : IClassFixture<RateLimitFixture>
{
    [Fact]
    public async Task GivenAProducerOverItsRate_WhenPosting_Then429WithRetryAfterWhileAnotherProducerIsServed()
    {
        var host = fixture.Host;
        HttpResponseMessage? limited = null;
        var accepted = 0;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var response = await host.PostAsync("/v1/inferences", Samples.Inference());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted++;
            }
        }

        using var other = await host.PostAsync("/v1/inferences", Samples.Inference(), host.CreateClient(IngestHost.OtherProducerKey));

        Assert.NotNull(limited);
        Assert.InRange(accepted, 3, 29); // the burst of 3 passes (plus what refilled meanwhile), then the bucket is empty
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After of at least 1 s");
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }
}
