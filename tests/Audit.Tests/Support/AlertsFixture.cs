using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Contracts;
using Monitoring.TestSupport;

namespace Monitoring.Audit.Tests.Support;

/// <summary>
/// The alerts store, written by the AlertRouter: findings published on RabbitMQ raise alerts (with their notifications), an
/// on-call user acknowledges some and resolves one through the API. The alert states the API reported at an instant between
/// the two halves are recorded for the as-of test.
/// </summary>
public sealed class AlertsFixture() : StoreFixture("alerts")
{
    private const string Routing = """
        route:
          receiver: team
          group_by: ['...']
          group_wait: 0s
        receivers:
          - name: team
            webhook_configs: [{ url: "http://127.0.0.1:9/hook" }]
        """;

    private readonly string routingFile = Path.Combine(Path.GetTempPath(), "audit-routing-" + Guid.NewGuid().ToString("N")[..10] + ".yaml");

    /// <summary>An instant between the two halves and the alert states the service reported then (alert id → status).</summary>
    public (DateTimeOffset At, Dictionary<string, string> Statuses) Recorded { get; private set; }

    /// <summary>The AlertRouter's settings over this store (API keys for every role included).</summary>
    public Dictionary<string, string?> HostSettings()
    {
        var settings = AuditSettings();
        settings["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString;
        settings["AlertRouter:Schema"] = Schema;
        settings["AlertRouter:RoutingFile"] = routingFile;
        settings["AlertRouter:TickInterval"] = "00:00:00.100";
        settings["AlertRouter:RetryBaseDelay"] = "00:00:00.020";
        settings["AlertRouter:DeliveryAttempts"] = "1";
        settings["AlertRouter:DeliveryTimeout"] = "00:00:02";
        settings["AlertRouter:ExternalUrl"] = "http://alerts.test";
        settings["RabbitMq:Host"] = TestInfrastructure.RabbitHost;
        settings["RabbitMq:VirtualHost"] = VirtualHost;
        settings["RabbitMq:Username"] = TestInfrastructure.RabbitUser;
        settings["RabbitMq:Password"] = TestInfrastructure.RabbitPassword;
        settings["Logging:LogLevel:Default"] = "Warning";
        Services.AddKeys(settings);
        return settings;
    }

    protected override async Task ProduceAsync()
    {
        await File.WriteAllTextAsync(routingFile, Routing);
        var settings = HostSettings();
        await using var host = Services.Alerts(settings);
        using var oncall = host.Client(Services.Key("oncall"));
        var bus = host.Services.GetRequiredService<IBus>();

        for (var i = 0; i < 4; i++) await bus.Publish(Detected(i));
        await Eventually.HoldsAsync(async () => await Raised() == 4, TimeSpan.FromSeconds(60), "four alerts are raised");
        var ids = await AlertIds();
        foreach (var id in ids.Take(2))
        {
            using var ack = await oncall.PostAsJsonAsync($"/alerts/{id}/acknowledge", new { note = "looking" });
            Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        }

        await ChainedAndCheckpointedAsync();
        var statuses = await Statuses(oncall);
        Recorded = (DateTimeOffset.UtcNow, statuses);

        await RollBackOneSequenceAsync();
        for (var i = 4; i < 8; i++) await bus.Publish(Detected(i));
        using (var resolve = await oncall.PostAsJsonAsync($"/alerts/{ids[0]}/resolve", new { note = "fixed at the scanner" }))
        {
            Assert.True(resolve.IsSuccessStatusCode, await resolve.Content.ReadAsStringAsync());
        }

        await Eventually.HoldsAsync(async () => await Raised() == 8, TimeSpan.FromSeconds(60), "eight alerts are raised");
        await ChainedAndCheckpointedAsync();
    }

    private static DriftDetected Detected(int i) => new()
    {
        FindingId = $"f-audit-{i}",
        Kind = FindingKind.DistributionShift,
        Severity = Severity.Warning,
        Model = new ModelRef("audit-model", "1.0.0"),
        Site = $"site-{i}",
        Subgroup = new Dictionary<string, string>(),
        Summary = $"shift {i}",
        Evidence = new FindingEvidence
        {
            Signal = "feature:meanIntensity", Method = "ks", Statistic = 0.3, PValue = 0.0001, AdjustedPValue = 0.001,
            Window = new WindowBounds(100, 900, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow), ReferenceSize = 5000, CurrentSize = 800,
            ReferenceId = "ref-1", PolicyVersion = 1,
        },
        DetectedAt = DateTimeOffset.UtcNow,
    };

    private Task<long> Raised() => ScalarAsync<long>($"select count(*) from \"{Schema}\".mt_events where type = 'alert_raised'");

    private async Task<List<string>> AlertIds()
    {
        await using var cmd = Owner.CreateCommand($"select stream_id::text from \"{Schema}\".mt_events where type = 'alert_raised' order by seq_id");
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await r.ReadAsync()) ids.Add(r.GetString(0));
        return ids;
    }

    private static async Task<Dictionary<string, string>> Statuses(HttpClient client)
    {
        var all = await client.GetFromJsonAsync<JsonElement>("/alerts");
        return all.EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!, a => a.GetProperty("status").GetString()!);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(routingFile);
    }
}
