using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.TestSupport;

namespace Monitoring.Audit.Tests.Support;

/// <summary>
/// The drift store, written by the DriftDetector: each policy file it loads is recorded as a version (<c>policy_activated</c>);
/// changed files reloaded through its admin API become new versions. The policy versions in force are recorded from its API
/// at an instant between the two, for the as-of test.
/// </summary>
public sealed class DriftFixture() : StoreFixture("drift")
{
    public const int Deployments = 6;

    private readonly string policies = Path.Combine(Path.GetTempPath(), "audit-policies-" + Guid.NewGuid().ToString("N")[..10]);

    public string IngestSchema => Schema + "_in";

    /// <summary>An instant between the two halves and the policy versions the service reported then (deployment → version).</summary>
    public (DateTimeOffset At, Dictionary<string, int> Versions) Recorded { get; private set; }

    protected override async Task ProduceAsync()
    {
        Directory.CreateDirectory(policies);
        var template = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Support", "policy-template.yaml"));
        var settings = AuditSettings();
        settings["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString;
        settings["DriftDetector:IngestSchema"] = IngestSchema;
        settings["DriftDetector:DriftSchema"] = Schema;
        for (var i = 0; i < Deployments; i++)
        {
            var file = Path.Combine(policies, $"p{i}.yaml");
            await File.WriteAllTextAsync(file, template.Replace("modelId: cxr-triage", $"modelId: audit-model-{i}"));
            settings[$"DriftDetector:PolicyPaths:{i}"] = file;
        }

        settings["RabbitMq:Host"] = TestInfrastructure.RabbitHost;
        settings["RabbitMq:VirtualHost"] = VirtualHost;
        settings["RabbitMq:Username"] = TestInfrastructure.RabbitUser;
        settings["RabbitMq:Password"] = TestInfrastructure.RabbitPassword;
        settings["Logging:LogLevel:Default"] = "Warning";
        Services.AddKeys(settings);
        await using var host = Services.Drift(settings);
        using var admin = host.Client(Services.Key("admin"));
        await Eventually.HoldsAsync(async () => await PolicyEventsAsync() == Deployments, TimeSpan.FromSeconds(60), "every policy is recorded");
        await ChainedAndCheckpointedAsync();
        var versions = await Versions(admin);
        Recorded = (DateTimeOffset.UtcNow, versions);

        await RollBackOneSequenceAsync();
        for (var i = 0; i < Deployments; i++)
        {
            var file = Path.Combine(policies, $"p{i}.yaml");
            await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("count: 2000", "count: 2500"));
        }

        using (var reload = await admin.PostAsync("/v1/admin/policies/reload", null))
        {
            Assert.True(reload.IsSuccessStatusCode, await reload.Content.ReadAsStringAsync());
        }

        await Eventually.HoldsAsync(async () => await PolicyEventsAsync() == 2 * Deployments, TimeSpan.FromSeconds(60), "the changed policies are recorded");
        await ChainedAndCheckpointedAsync();
    }

    private Task<long> PolicyEventsAsync() =>
        ScalarAsync<long>($"select count(*) from \"{Schema}\".mt_events where type = 'policy_activated'");

    private static async Task<Dictionary<string, int>> Versions(HttpClient client)
    {
        var all = await client.GetFromJsonAsync<JsonElement>("/v1/policies");
        return all.EnumerateArray().GroupBy(p => p.GetProperty("deployment").GetString()!)
            .ToDictionary(g => g.Key, g => g.Max(p => p.GetProperty("version").GetInt32()));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestInfrastructure.DropSchemaAsync(IngestSchema);
        Directory.Delete(policies, recursive: true);
    }
}
