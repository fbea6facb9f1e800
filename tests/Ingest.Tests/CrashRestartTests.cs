using System.Net;
using System.Text;
using Monitoring.Ingest.Publishing;
using Monitoring.TestSupport;
using Npgsql;
using RabbitMQ.Client;

namespace Monitoring.Ingest.Tests;

/// <summary>
/// Kills the real Ingest process (SIGKILL) while events stream in over AMQP and HTTP, restarts it, and checks that
/// the store then holds every published item exactly once.
/// Why this proves "published count equals stored count": the kill lands at an arbitrary point of the
/// consume → append → commit → acknowledge cycle. A message whose batch was not committed is unacknowledged and
/// RabbitMQ redelivers it to the restarted process (no loss); a message whose batch was committed but whose
/// acknowledgement died with the process is redelivered too, and the content-hash check must skip it (no duplicate).
/// HTTP producers whose request died retry, which may publish a batch twice; again, stored once. The test asserts
/// that the kill really happened mid-stream (some but not all stored), then total events = distinct streams =
/// published ids, and a sentinel sent after the restart proves the queue was drained past every redelivery.
/// </summary>
public sealed class CrashRestartTests : IAsyncLifetime
{
    private const int AmqpMessages = 6000;
    private const int HttpBatches = 40;
    private const int HttpBatchSize = 50;

    private string schema = "";
    private string vhost = "";

    public async Task InitializeAsync()
    {
        schema = TestInfrastructure.UniqueName("ingest_crash");
        vhost = await TestInfrastructure.CreateVirtualHostAsync("ingest_crash");
    }

    public async Task DisposeAsync()
    {
        await TestInfrastructure.DeleteVirtualHostAsync(vhost);
        await TestInfrastructure.DropSchemaAsync(schema);
    }

    [Fact]
    public async Task GivenIngestKilledMidStream_WhenRestarted_ThenEveryPublishedItemIsStoredExactlyOnce()
    {
        var settings = IngestHost.Settings(schema, vhost);
        settings["Ingest:RateLimit:RequestsPerSecond"] = "10000";
        settings["Ingest:RateLimit:Burst"] = "10000";
        var first = await IngestProcess.StartOnFreePortAsync(settings);
        var port = first.Port; // the restart takes the same port: the producers keep their address

        var amqpIds = Enumerable.Range(0, AmqpMessages).Select(_ => Samples.NewId()).ToList();
        var httpBatches = Enumerable.Range(0, HttpBatches)
            .Select(_ => Enumerable.Range(0, HttpBatchSize).Select(_ => Samples.Inference()).ToList()).ToList();
        var expected = amqpIds.Concat(httpBatches.SelectMany(b => b.Select(i => (string)i["inferenceId"]!))).ToHashSet();

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var amqp = PublishOverAmqpAsync(amqpIds, cancel.Token);
        var http = PostOverHttpAsync(port, httpBatches, cancel.Token);

        await WithDiagnosticsAsync(first, Eventually.HoldsAsync(async () => await StoredAsync() >= 1500, TimeSpan.FromSeconds(60),
            "part of the stream is stored before the kill"));
        await first.KillAsync();
        var storedAtKill = await StoredAsync();
        await amqp; // the broker keeps taking messages while Ingest is dead

        await using var second = await IngestProcess.StartAsync(settings, port);
        await http; // HTTP producers retried through the outage until every batch got its 202
        await WithDiagnosticsAsync(second, Eventually.HoldsAsync(async () => await StoredAsync() >= expected.Count, TimeSpan.FromSeconds(90),
            $"all {expected.Count} published items are stored"));
        var sentinel = Samples.Inference();
        await PublishAsync(Encoding.UTF8.GetBytes(sentinel.ToJsonString()));
        await Eventually.HoldsAsync(async () => (await StoredIdsAsync()).Contains((string)sentinel["inferenceId"]!),
            TimeSpan.FromSeconds(30), "the sentinel is stored after every redelivery");

        Assert.InRange(storedAtKill, 1, expected.Count - 1);
        var (events, streams) = await CountsAsync();
        Assert.Equal(expected.Count + 1, events);
        Assert.Equal(expected.Count + 1, streams);
        expected.Add((string)sentinel["inferenceId"]!);
        Assert.True(expected.SetEquals(await StoredIdsAsync()), "stored ids equal published ids");
    }

    /// <summary>On timeout, says how far the store got and what the service logged.</summary>
    private async Task WithDiagnosticsAsync(IngestProcess process, Task wait)
    {
        try
        {
            await wait;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message} Stored: {await StoredAsync()}. Service output:\n{process.RecentOutput}");
        }
    }

    private async Task PublishOverAmqpAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await IngestHost.RabbitFactory(vhost).CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        foreach (var chunk in ids.Chunk(200))
        {
            await Task.WhenAll(chunk.Select(id => channel.BasicPublishAsync(Topology.InferencesExchange, "", true, properties,
                Encoding.UTF8.GetBytes(Samples.Inference(id).ToJsonString()), cancellationToken).AsTask()));
        }
    }

    private async Task PublishAsync(byte[] body)
    {
        await using var connection = await IngestHost.RabbitFactory(vhost).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.BasicPublishAsync(Topology.InferencesExchange, "", true,
            new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent }, body);
    }

    /// <summary>A producer that retries each batch until it gets 202, as a real one must when Ingest is down.</summary>
    private static async Task PostOverHttpAsync(int port, IReadOnlyList<List<System.Text.Json.Nodes.JsonObject>> batches, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("X-Api-Key", IngestHost.ProducerKey);
        foreach (var batch in batches)
        {
            var body = Samples.Array(batch).ToJsonString();
            await Eventually.HoldsAsync(async () =>
            {
                try
                {
                    using var response = await client.PostAsync("/v1/inferences",
                        new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
                    Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable,
                        $"unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    return response.StatusCode == HttpStatusCode.Accepted;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    return false; // killed or restarting: retry
                }
            }, TimeSpan.FromSeconds(120), "the batch is accepted");
        }
    }

    private async Task<long> StoredAsync() => (await CountsAsync()).Events;

    private async Task<(long Events, long Streams)> CountsAsync()
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*), count(distinct stream_id) from \"{schema}\".mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task<HashSet<string>> StoredIdsAsync()
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select stream_id from \"{schema}\".mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
