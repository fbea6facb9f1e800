using Microsoft.Extensions.DependencyInjection;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>An event the detector cannot read stops the subscription with an alert; it is never skipped silently.</summary>
public sealed class SubscriptionErrorTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenAnUnreadableEventInTheStore_WhenTheDetectorReachesIt_ThenItStopsThereAndPublishesSubscriptionStopped()
    {
        await env.AppendAsync(new SyntheticStream(51) { IdPrefix = "bad", LabelledFraction = 0 }.Generate(300));
        await using (var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                $"update \"{env.IngestSchema}\".mt_events set data = '{{\"InferenceId\": 42}}'::jsonb where seq_id = 150", conn);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        await using var host = env.StartHost();

        var alert = await env.TakeAsync("HealthConditionChanged", m => m.GetProperty("condition").GetString() == "subscription-stopped", TimeSpan.FromSeconds(90));
        Assert.True(alert.GetProperty("firing").GetBoolean());
        Assert.True(host.Services.GetRequiredService<DetectorRunner>().LastSequence < 150);
    }
}
