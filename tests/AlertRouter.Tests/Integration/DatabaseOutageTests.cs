using Monitoring.AlertRouter.Tests.Support;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.AlertRouter.Tests.Integration;

/// <summary>
/// PostgreSQL away for longer than the intake's short retries (a restart or failover under load): a finding that arrives
/// meanwhile must raise its alert once the database is back, not go to the error queue. CI's chaos run dead-lettered one this
/// way (its 200 ms–10 s retries gave up after about 14 s).
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task GivenTheDatabaseAwayLongerThanTheShortRetries_WhenAFindingArrives_ThenItsAlertIsRaisedOnceTheDatabaseReturns()
    {
        await using var proxy = new TcpProxy("127.0.0.1", new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString).Port);
        proxy.Start();
        var viaProxy = new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { Port = proxy.Port };
        await using var host = await RouterHost.StartAsync("ar_outage", """
            route:
              receiver: team
              group_by: [alertname, model]
              group_wait: 0s
            receivers:
              - name: team
                webhook_configs:
                  - url: http://127.0.0.1:9/unreachable
            """, new Dictionary<string, string?> { ["ConnectionStrings:Marten"] = viaProxy.ConnectionString });

        proxy.Stop();
        var finding = Findings.Detected("outage-model");
        await host.PublishAsync(finding);
        await Task.Delay(TimeSpan.FromSeconds(20)); // longer than the 14 s of short retries that used to dead-letter it
        proxy.Start();

        await host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised once the database is back", TimeSpan.FromSeconds(90));
        Assert.True(await TestInfrastructure.QueueMessageCountAsync(host.VirtualHost, "alert-router_error") is null or 0, "nothing was dead-lettered");
    }
}
