using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Contracts;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Integration;

public sealed class PoisonMessageFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await IngestHost.StartAsync("ingest_poison", new Dictionary<string, string?> { ["Ingest:MaxAppendBatch"] = "64" });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// An item the store refuses (here one that bypassed validation: a NUL in a string, which <c>jsonb</c> refuses with 22P05) is
/// isolated by bisecting its group commit: only it is refused, at once, and every other item of the group commit, including
/// the other items of its own message, is stored once. Against the real PostgreSQL.
/// </summary>
public sealed class PoisonMessageTests(PoisonMessageFixture fixture) : IClassFixture<PoisonMessageFixture>
{
    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenAGroupCommitWithOneItemTheStoreRefuses_WhenAppended_ThenOnlyThatItemIsRefusedAndTheOthersAreStoredOnce()
    {
        var writer = Host.Services.GetRequiredService<EventWriter>();
        var origin = new ItemOrigin(null, null, "test");
        var messages = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 7).Select(_ => Valid()).ToList()).ToList();
        var poison = Poison();
        messages[3].Insert(4, poison);

        // Submitted together, so the writer groups them into one or a few transactions that include the poison.
        var outcomes = await Task.WhenAll(messages.Select(m => writer.AppendAllAsync(m, origin, CancellationToken.None)))
            .WaitAsync(TimeSpan.FromSeconds(60));

        var refused = Assert.Single(outcomes.SelectMany(o => o), o => o.Outcome == AppendOutcome.Refused);
        Assert.Same(refused, outcomes[3][4]);
        Assert.Contains(poison.InferenceId, refused.Reason);
        Assert.Contains("22P05", refused.Reason);
        Assert.All(outcomes.SelectMany(o => o).Where(o => o != refused), o => Assert.Equal(AppendOutcome.Stored, o.Outcome));
        foreach (var item in messages.SelectMany(m => m).Where(i => i != poison))
        {
            Assert.Single(await Host.StreamAsync(item.InferenceId));
        }

        Assert.Empty(await Host.StreamAsync(poison.InferenceId));
    }

    [Fact]
    public async Task GivenAMessageWithANulInAString_WhenPublishedOverAmqp_ThenItGoesToTheErrorQueueNamingTheField()
    {
        var item = Samples.Inference();
        item["study"]!["protocol"] = "CHEST\u0000PA";

        await Host.PublishRawAsync(Publishing.Topology.InferencesExchange, Samples.Array([item]));

        var faulted = await Host.TakeAsync(Publishing.Topology.InferencesQueue + "_error", TimeSpan.FromSeconds(30));
        Assert.Contains("$[0].study.protocol", faulted.FaultMessage);
        Assert.Contains("U+0000", faulted.FaultMessage);
    }

    private static ValidItem Valid()
    {
        var result = BatchParser.ParseJson(EventKind.Inference, JsonSerializer.SerializeToUtf8Bytes(Samples.Inference()), DateTimeOffset.UtcNow, 10);
        return Assert.Single(result.Items);
    }

    private static ValidItem Poison()
    {
        var valid = Valid();
        var inference = (InferenceRecorded)valid.Event;
        var poisoned = inference with { Study = inference.Study with { Manufacturer = "ACME\u0000Imaging" } };
        return valid with { Event = poisoned, ContentHash = ContractValidator.Hash(poisoned) };
    }
}
