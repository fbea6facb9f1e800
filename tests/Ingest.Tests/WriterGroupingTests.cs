using System.Text.Json.Nodes;
using Monitoring.Contracts;
using Monitoring.Ingest.Publishing;

namespace Monitoring.Ingest.Tests;

public sealed class WriterGroupingFixture : IAsyncLifetime
{
    /// <summary>Append transactions of at most 5 events, so that messages are split across, and grouped into, transactions.</summary>
    public const int MaxAppendBatch = 5;

    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await IngestHost.StartAsync("ingest_group", new Dictionary<string, string?> { ["Ingest:MaxAppendBatch"] = MaxAppendBatch.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// The writer completes each message with the outcomes of exactly its own items, whether the message shares an append
/// transaction with others or is larger than one transaction allows.
/// </summary>
[Collection(nameof(WriterGroupingTests))]
public sealed class WriterGroupingTests(WriterGroupingFixture fixture) : IClassFixture<WriterGroupingFixture>
{
    private IngestHost Host => fixture.Host;

    [Fact]
    public async Task GivenMessagesSmallerAndLargerThanOneTransaction_WhenConsumedTogether_ThenOnlyTheConflictingMessageFaultsAndEveryOtherItemIsStoredOnce()
    {
        var conflictId = Samples.NewId();
        var withConflict = Enumerable.Range(0, 6).Select(_ => Samples.Inference()).ToList();
        withConflict[1] = Samples.Inference(conflictId, score: 0.9);
        withConflict.Add(Samples.Inference(conflictId, score: 0.2)); // same id, other content, same message
        var small = Enumerable.Range(0, 3).Select(_ => Samples.Inference()).ToList();
        var large = Enumerable.Range(0, 3 * WriterGroupingFixture.MaxAppendBatch + 2).Select(_ => Samples.Inference()).ToList();
        large.Add((JsonObject)large[4].DeepClone()); // an exact repeat inside a message larger than a transaction

        await Task.WhenAll(
            Host.PublishRawAsync(Topology.InferencesExchange, Samples.Array(withConflict)),
            Host.PublishRawAsync(Topology.InferencesExchange, Samples.Array(small)),
            Host.PublishRawAsync(Topology.InferencesExchange, Samples.Array(large)));

        var faulted = await Host.TakeAsync(Topology.InferencesQueue + "_error", TimeSpan.FromSeconds(30));
        Assert.Contains(conflictId, faulted.Body);
        Assert.Contains($"1 of {withConflict.Count} item(s) conflict", faulted.FaultMessage);
        Assert.Contains($"inferenceId '{conflictId}' is already stored with different content", faulted.FaultMessage);
        foreach (var item in withConflict.Concat(small).Concat(large))
        {
            var stream = await Host.WaitForStreamAsync((string)item["inferenceId"]!);
            Assert.IsType<InferenceRecorded>(Assert.Single(stream).Data);
        }

        Assert.Equal(0.9, ((InferenceRecorded)Assert.Single(await Host.StreamAsync(conflictId)).Data).Prediction.Scores["pneumothorax"]);
        Assert.Null(await Host.TryTakeAsync(Topology.InferencesQueue + "_error")); // the small and the large message were acknowledged
    }
}
