using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Ingest.Tests;

/// <summary>The store's planner statistics hint (IngestStoreShape.PlannerStatisticsSql) is in place once the service runs.</summary>
public sealed class PlannerStatisticsTests
{
    [Fact]
    public async Task GivenTheServiceStarted_WhenTheStoreIsInspected_ThenStreamIdCarriesItsDistinctRatioAndTheTableIsAnalyzedOften()
    {
        await using var host = await IngestHost.StartAsync("ingest_planner");
        string? options = null;
        await Eventually.HoldsAsync(async () =>
        {
            await using var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "select array_to_string(a.attoptions, ',') from pg_attribute a where a.attrelid = @table::regclass and a.attname = 'stream_id'", conn);
            cmd.Parameters.AddWithValue("table", $"\"{host.Schema}\".mt_events");
            options = await cmd.ExecuteScalarAsync() as string;
            return options is not null;
        }, TimeSpan.FromSeconds(30), "the writer sets the statistics option at start");
        Assert.Equal("n_distinct=-0.4", options);
        await using var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await conn.OpenAsync();
        await using var table = new NpgsqlCommand("select array_to_string(reloptions, ',') from pg_class where oid = @table::regclass", conn);
        table.Parameters.AddWithValue("table", $"\"{host.Schema}\".mt_events");
        Assert.Equal("autovacuum_analyze_scale_factor=0.02,autovacuum_analyze_threshold=5000", await table.ExecuteScalarAsync() as string);
    }
}
