extern alias drift;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.Audit.Tests.Support;
using Monitoring.Contracts;
using Monitoring.EventStore;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Integration;

/// <summary>
/// An Ingest history with a shift (18,000 inferences, mean intensity moved up after 12,000), chained by a follower, processed
/// by the real DriftDetector (its findings chained by its own follower); then re-derived in memory by the audit tool.
/// </summary>
public sealed class RederiveFixture : IAsyncLifetime
{
    public const int Events = 18_000;

    public string IngestSchema { get; } = TestInfrastructure.UniqueName("au_rd_in");

    public string DriftSchema { get; } = TestInfrastructure.UniqueName("au_rd_dr");

    public NpgsqlDataSource Owner { get; } = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);

    public NpgsqlDataSource Auditor { get; } = NpgsqlDataSource.Create(StoreFixture.AuditorConnectionString);

    private string vhost = "";

    public async Task InitializeAsync()
    {
        vhost = await TestInfrastructure.CreateVirtualHostAsync("au_rd");
        await using (var ingest = DocumentStore.For(o =>
                     {
                         o.Connection(TestInfrastructure.PostgresConnectionString);
                         IngestStoreShape.Apply(o, IngestSchema);
                     }))
        {
            await ingest.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var rng = new Random(11);
            for (var start = 0; start < Events; start += 3000)
            {
                await using var session = ingest.LightweightSession();
                for (var i = start; i < start + 3000; i++) session.Events.Append($"inf-rd-{i:D6}", Inference(i, rng));
                await session.SaveChangesAsync();
            }
        }

        // The Ingest service's follower chains its store in production; here the test wrote the store, so it runs one.
        var options = Options.Create(new AuditChainOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        using var signer = new CheckpointClient(options, NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower("ingest", IngestSchema, Owner, options, signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        await follower.StartAsync(default);
        await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough >= Events), TimeSpan.FromSeconds(60), "the ingest history is chained");
        await follower.StopAsync(default);

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString,
            ["DriftDetector:IngestSchema"] = IngestSchema,
            ["DriftDetector:DriftSchema"] = DriftSchema,
            ["DriftDetector:PolicyPaths:0"] = Path.Combine(AppContext.BaseDirectory, "Support", "policy-template.yaml"),
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:VirtualHost"] = vhost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["Audit:PollInterval"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Services.AddKeys(settings);
        await using (var host = Services.Drift(settings))
        {
            // Done when the detector's findings (chained by its own follower) are what an in-memory rerun decides.
            Clean = await Eventually.ReturnsAsync(() => RederiveAsync(), r => r.Recorded > 0 && r.Differences.Count == 0,
                TimeSpan.FromSeconds(180), "the detector processed the history and its findings are chained");
        }

        await using var grant = Owner.CreateCommand(
            $"grant usage on schema \"{IngestSchema}\", \"{DriftSchema}\" to {StoreFixture.AuditorRole}; " +
            $"grant select on all tables in schema \"{IngestSchema}\", \"{DriftSchema}\" to {StoreFixture.AuditorRole}");
        await grant.ExecuteNonQueryAsync();
    }

    public drift::Monitoring.DriftDetector.Rebuild.RederiveResult Clean { get; private set; } = null!;

    public Task<drift::Monitoring.DriftDetector.Rebuild.RederiveResult> RederiveAsync(NpgsqlDataSource? db = null) =>
        drift::Monitoring.DriftDetector.Rebuild.Rederivation.RunAsync(db ?? Owner, IngestSchema, DriftSchema, 1, long.MaxValue);

    private static InferenceRecorded Inference(int i, Random rng)
    {
        var shifted = i >= 12_000;
        var score = rng.NextDouble();
        return new InferenceRecorded
        {
            InferenceId = $"inf-rd-{i:D6}",
            OccurredAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i * 30),
            Model = new ModelRef("cxr-triage", "2.3.1"),
            Site = i % 2 == 0 ? "site-a" : "site-b",
            Study = new StudyInfo { Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = "ACME", ManufacturerModelName = "ACME-X1", ViewPosition = "PA" },
            Patient = new PatientInfo { PseudoId = new string('a', 64), AgeBand = "40-64", Sex = i % 3 == 0 ? "M" : "F", Ethnicity = "unknown" },
            Prediction = new Prediction { Scores = new Dictionary<string, double> { ["pneumothorax"] = score }, PredictedLabels = score >= 0.5 ? ["pneumothorax"] : [], Threshold = 0.5 },
            Features = new Dictionary<string, double> { ["meanIntensity"] = (shifted ? 140 : 112) + 5 * Normal(rng), ["imageQuality"] = 0.9 + 0.02 * Normal(rng) },
            LatencyMs = 40,
        };
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public async Task DisposeAsync()
    {
        await TestInfrastructure.DropSchemaAsync(IngestSchema);
        await TestInfrastructure.DropSchemaAsync(DriftSchema);
        await TestInfrastructure.DeleteVirtualHostAsync(vhost);
        await Owner.DisposeAsync();
        await Auditor.DisposeAsync();
    }
}

public sealed class RederiveTests(RederiveFixture history) : IClassFixture<RederiveFixture>
{
    [Fact]
    public void GivenCleanHistory_WhenRederived_ThenEveryRecordedFindingIsReproduced()
    {
        Assert.True(history.Clean.Recorded > 0, "the shift produced findings");
        Assert.Equal(RederiveFixture.Events, history.Clean.IngestEvents);
        Assert.Empty(history.Clean.Differences);
    }

    [Fact]
    public async Task GivenRecordedPolicyContentAltered_WhenVerifiedAndRederived_ThenTheEditAndTheDifferingFindingsAreNamed()
    {
        var (seq, data) = await PolicyEventAsync();
        var body = JsonNode.Parse(data)!.AsObject();
        var key = body.ContainsKey("PolicyJson") ? "PolicyJson" : "policyJson";
        var original = body[key]!.GetValue<string>();
        try
        {
            // An insider narrows what the policy watched, after the fact.
            body[key] = original.Replace("meanIntensity", "renamedFeature");
            await ExecAsync($"update \"{history.DriftSchema}\".mt_events set data = @d::jsonb where seq_id = {seq}", body.ToJsonString());

            var report = await ChainVerifier.VerifyAsync(history.Auditor, "drift", history.DriftSchema, [], new Dictionary<string, byte[]>());
            Assert.Equal(("altered", seq), (report.Problems[0].Kind, report.Problems[0].Sequence));

            var result = await history.RederiveAsync(history.Auditor);
            Assert.NotEmpty(result.Differences);
            Assert.Contains(result.Differences, d => d.Kind == "missing" && d.Key.StartsWith("finding_opened", StringComparison.Ordinal));
        }
        finally
        {
            body[key] = original;
            await ExecAsync($"update \"{history.DriftSchema}\".mt_events set data = @d::jsonb where seq_id = {seq}", data);
        }
    }

    private async Task<(long Seq, string Data)> PolicyEventAsync()
    {
        await using var cmd = history.Owner.CreateCommand($"select seq_id, data::text from \"{history.DriftSchema}\".mt_events where type = 'policy_activated' order by seq_id limit 1");
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        return (r.GetInt64(0), r.GetString(1));
    }

    private async Task ExecAsync(string sql, string data)
    {
        await using var cmd = history.Owner.CreateCommand(sql);
        cmd.Parameters.AddWithValue("d", data);
        await cmd.ExecuteNonQueryAsync();
    }
}
