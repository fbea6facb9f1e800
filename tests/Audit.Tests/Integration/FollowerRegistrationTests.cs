using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Integration;

/// <summary>
/// The follower as a service registers it (<see cref="AuditChainExtensions.AddAuditChain"/>): its PostgreSQL sessions are named
/// <c>audit-chain-&lt;store&gt;</c>, so an operator (and bench/Audit/follower-share.sh) can tell them and their CPU from the
/// writers' sessions; a connection string that names itself keeps its name.
/// </summary>
public sealed class FollowerRegistrationTests
{
    [Fact]
    public async Task GivenAServiceRegistersTheFollower_WhenItRuns_ThenItsSessionIsNamedAfterTheStore()
    {
        var store = $"reg{Guid.NewGuid():N}"[..16];
        using var host = Build(store, TestInfrastructure.PostgresConnectionString);
        await host.StartAsync();
        try
        {
            // The schema has no event table: the follower holds its lock and waits for one, on its named sessions.
            await using var db = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);
            await Eventually.HoldsAsync(
                async () =>
                {
                    await using var cmd = db.CreateCommand("select count(*) from pg_stat_activity where application_name = @n");
                    cmd.Parameters.AddWithValue("n", "audit-chain-" + store);
                    return (long)(await cmd.ExecuteScalarAsync())! >= 1;
                },
                TimeSpan.FromSeconds(30),
                "the follower's session shows under its store's name");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void GivenAConnectionStringThatNamesItself_WhenTheFollowerIsRegistered_ThenItKeepsThatName()
    {
        var connection = new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { ApplicationName = "site-7-ingest" }.ConnectionString;
        using var host = Build("ingest", connection);
        var follower = host.Services.GetRequiredService<ChainFollower>();
        Assert.Equal("site-7-ingest", new NpgsqlConnectionStringBuilder(follower.DataSource.ConnectionString).ApplicationName);
    }

    private static IHost Build(string store, string connection)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Audit:PollInterval"] = "00:00:00.100" });
        builder.Services.AddAuditChain(store, connection, _ => "audit_reg_" + store);
        return builder.Build();
    }
}
