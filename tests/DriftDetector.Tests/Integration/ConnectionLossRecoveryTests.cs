using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// A PostgreSQL restart or failover ends every open connection with 57P01 (admin shutdown) and refuses new ones for a while.
/// Here that is done to this host only: its backends are terminated (<c>pg_terminate_backend</c> on its application name) and the
/// TCP proxy it connects through refuses connections for several seconds, while the shared server keeps running for other
/// tests. The subscription must resume by itself, readiness must be false meanwhile and true after, and detection must catch up
/// with what arrived meanwhile.
/// </summary>
public sealed class ConnectionLossRecoveryTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenTheDetectorsConnectionsAreTerminated_WhenEventsKeepArriving_ThenTheSubscriptionResumesByItselfAndCatchesUp()
    {
        var application = TestInfrastructure.UniqueName("ddrecover");
        var events = new SyntheticStream(61) { IdPrefix = "rc", LabelledFraction = 0 }.Generate(3_000).ToList();
        await env.AppendAsync(events.Take(1_000));
        await using var proxy = new TcpProxy("127.0.0.1", new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString).Port);
        proxy.Start();
        var viaProxy = new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { Port = proxy.Port, ApplicationName = application };
        await using var host = env.StartHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = viaProxy.ConnectionString,
            ["DriftDetector:SubscriptionRestartMaxDelay"] = "00:00:02",
        });
        await host.CatchUpAsync();
        using var client = host.Client(null);

        for (var round = 0; round < 2; round++)
        {
            await ReadyAsync(client, HttpStatusCode.OK, "readiness reports the subscription running");
            // As a restart does: in-flight work fails with 57P01, then the server refuses connections for a while.
            var terminated = await env.ScalarAsync<long>(
                $"select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = '{application}') t");
            Assert.True(terminated > 0, "the host holds connections to terminate");
            proxy.Stop();
            await env.AppendAsync(events.Skip(1_000 + round * 750).Take(750));
            await ReadyAsync(client, HttpStatusCode.ServiceUnavailable, "readiness reports the outage");
            await Task.Delay(TimeSpan.FromSeconds(8)); // the outage itself, longer than the daemon's own retries
            proxy.Start();
        }

        // No human action: the detector applies everything, and readiness reports it running.
        var runner = host.Services.GetRequiredService<DetectorRunner>();
        var head = await env.ScalarAsync<long>($"select max(seq_id) from \"{env.IngestSchema}\".mt_events");
        await Eventually.HoldsAsync(() => Task.FromResult(runner.LastSequence == head), TimeSpan.FromSeconds(60),
            "the detector applies every event after its connections were terminated");
        await ReadyAsync(client, HttpStatusCode.OK, "readiness reports the subscription running again");
        await env.AppendAsync(events.Skip(2_500));
        await host.CatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Null(runner.LastError);

        // If subscription-stopped fired during an outage, it resolved by itself (the last word is "runs again").
        var stopped = new List<bool>();
        await Eventually.HoldsAsync(async () =>
        {
            while (await env.TryTakeAsync("HealthConditionChanged") is { } m)
            {
                var message = m.GetProperty("message");
                if (message.GetProperty("condition").GetString() == "subscription-stopped") stopped.Add(message.GetProperty("firing").GetBoolean());
            }

            return stopped.Count == 0 || !stopped[^1];
        }, TimeSpan.FromSeconds(30), "subscription-stopped resolves by itself");
    }

    private static Task ReadyAsync(HttpClient client, HttpStatusCode expected, string because) =>
        Eventually.HoldsAsync(async () =>
        {
            using var ready = await client.GetAsync("/health/ready");
            return ready.StatusCode == expected;
        }, TimeSpan.FromSeconds(45), because);
}
