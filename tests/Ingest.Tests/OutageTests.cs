using System.Net;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

public sealed class OutageFixture : IAsyncLifetime
{
    public TcpProxy Postgres { get; } = new("127.0.0.1", 5432);

    public TcpProxy Rabbit { get; } = new(TestInfrastructure.RabbitHost, 5672);

    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres.Start();
        Rabbit.Start();
        var pg = new Npgsql.NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { Host = "127.0.0.1", Port = Postgres.Port };
        Host = await IngestHost.StartAsync("ingest_outage", new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = pg.ConnectionString,
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Port"] = Rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:UnavailableRetryAfterSeconds"] = "7",
        });
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        await Rabbit.DisposeAsync();
    }
}

/// <summary>RabbitMQ or PostgreSQL goes down under the service: 503 with Retry-After, never 500, nothing half-published.</summary>
public sealed class OutageTests(OutageFixture fixture) : IClassFixture<OutageFixture>
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenRabbitMqDown_WhenPosting_Then503WithRetryAfterAndNothingOfTheBatchIsKept()
    {
        var rejected = Samples.Array(Enumerable.Range(0, 20).Select(_ => Samples.Inference()).ToList());
        var rejectedIds = rejected.Select(i => (string)i!["inferenceId"]!).ToList();
        fixture.Rabbit.Stop();
        try
        {
            var response = await Eventually.ReturnsAsync(() => Host.PostAsync("/v1/inferences", rejected),
                r => r.StatusCode != HttpStatusCode.Accepted, Recovery, "a post fails while RabbitMQ is down");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            await Eventually.HoldsAsync(async () => (await Host.CreateClient(null).GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(10), "readiness reports RabbitMQ down");
        }
        finally
        {
            fixture.Rabbit.Start();
        }

        await AssertRecoversAndRejectedNeverStoredAsync(rejectedIds);
    }

    [Fact]
    public async Task GivenPostgresDown_WhenPosting_Then503WithRetryAfterAndAfterRecoveryEventsAreStoredAgain()
    {
        var rejected = Samples.Array([Samples.Inference()]);
        fixture.Postgres.Stop();
        try
        {
            var response = await Eventually.ReturnsAsync(() => Host.PostAsync("/v1/inferences", rejected),
                r => r.StatusCode != HttpStatusCode.Accepted, Recovery, "a post is refused while PostgreSQL is down");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Contains("PostgreSQL", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            fixture.Postgres.Start();
        }

        await AssertRecoversAndRejectedNeverStoredAsync([(string)rejected[0]!["inferenceId"]!]);
    }

    private async Task AssertRecoversAndRejectedNeverStoredAsync(IReadOnlyList<string> rejectedIds)
    {
        var sentinel = Samples.Inference();
        await Eventually.HoldsAsync(async () => (await Host.PostAsync("/v1/inferences", sentinel)).StatusCode == HttpStatusCode.Accepted,
            Recovery, "the service accepts again after the dependency is back");
        await Host.WaitForStreamAsync((string)sentinel["inferenceId"]!, timeout: Recovery);
        foreach (var id in rejectedIds)
        {
            Assert.Empty(await Host.StreamAsync(id));
        }
    }
}
