using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Monitoring.Pseudonym;
using Monitoring.TestSupport;

namespace Monitoring.Audit.Tests.Support;

/// <summary>The Ingest store, written by the Ingest service from HTTP requests (through RabbitMQ and its writer).</summary>
public sealed class IngestFixture() : StoreFixture("ingest")
{
    public const int Events = 16;

    protected override async Task ProduceAsync()
    {
        var settings = AuditSettings();
        settings["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString;
        settings["Ingest:Schema"] = Schema;
        settings["RabbitMq:Host"] = TestInfrastructure.RabbitHost;
        settings["RabbitMq:VirtualHost"] = VirtualHost;
        settings["RabbitMq:Username"] = TestInfrastructure.RabbitUser;
        settings["RabbitMq:Password"] = TestInfrastructure.RabbitPassword;
        settings["Logging:LogLevel:Default"] = "Warning";
        Services.AddKeys(settings);
        await using var host = Services.Ingest(settings);
        using var client = host.Client(Services.Key("producer"));
        for (var i = 0; i < Events; i++)
        {
            if (i == Events / 2)
            {
                await Eventually.HoldsAsync(async () => await ScalarAsync<long>($"select count(*) from \"{Schema}\".mt_events") == Events / 2,
                    TimeSpan.FromSeconds(60), "the first half is stored");
                await RollBackOneSequenceAsync();
            }

            using var response = await client.PostAsJsonAsync("/v1/inferences", Inference(i));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await Eventually.HoldsAsync(async () => await ScalarAsync<long>($"select count(*) from \"{Schema}\".mt_events") == Events,
            TimeSpan.FromSeconds(60), "every inference is stored");
        await ChainedAndCheckpointedAsync();
    }

    private static JsonObject Inference(int i) => new()
    {
        ["inferenceId"] = $"inf-audit-record-{i:D4}",
        ["occurredAt"] = "2025-03-01T08:15:00Z",
        ["model"] = new JsonObject { ["id"] = "cxr-triage", ["version"] = "2.3.1" },
        ["site"] = "site-a",
        ["study"] = new JsonObject { ["modality"] = "DX", ["bodyPartExamined"] = "CHEST", ["manufacturer"] = "ACME Imaging", ["manufacturerModelName"] = "Radiant 500", ["viewPosition"] = "PA", ["protocol"] = "CHEST PA" },
        ["patient"] = new JsonObject { ["pseudoId"] = Pseudonymizer.Derive("test-site-secret-0123456789abcdef0123", $"P-{i}"), ["ageBand"] = "40-64", ["sex"] = "F" },
        ["prediction"] = new JsonObject { ["scores"] = new JsonObject { ["pneumothorax"] = 0.5 + i / 100.0 }, ["predictedLabels"] = new JsonArray("pneumothorax"), ["threshold"] = 0.5 },
        ["features"] = new JsonObject { ["imageQuality"] = 0.91, ["meanIntensity"] = 112.4 + i },
    };
}
