using System.Net;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

public sealed class OutageFixture : IAsyncLifetime
{
    public TcpProxy Postgres { get; } = new(TestInfrastructure.PostgresHost, TestInfrastructure.PostgresPort);

    public TcpProxy Rabbit { get; } = new(TestInfrastructure.RabbitHost, TestInfrastructure.RabbitPort);

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
            await WaitUntilNotReadyAsync();
            using var response = await Host.PostAsync("/v1/inferences", rejected);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
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
            // Until the next probe (1 s) notices, a batch may still be accepted into RabbitMQ, and then it is
            // stored after recovery: correct, so the refused batch is only sent once the service knows.
            await WaitUntilNotReadyAsync();
            using var response = await Host.PostAsync("/v1/inferences", rejected);

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

    private Task WaitUntilNotReadyAsync() =>
        Eventually.HoldsAsync(async () => (await Host.CreateClient(null).GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(20), "readiness reports the dependency down");

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
