using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using RabbitMQ.Client;

namespace Monitoring.Chaos.Tests;

/// <summary>
/// A steady producer of background inferences (a model without a policy) over HTTP and over plain AMQP (raw JSON to the Ingest's
/// exchange with publisher confirms, as a Python producer would). A batch counts as published only once it was accepted (202 /
/// broker confirm); a failed or unanswered batch is sent again with the same ids until it is, as a producer honouring
/// at-least-once does, so the store must hold each published id exactly once whatever happened in between.
/// </summary>
internal sealed class Producer(string ingestUrl, int amqpPort) : IAsyncDisposable
{
    private const int BatchSize = 10;
    private readonly ConcurrentDictionary<string, byte> published = new();
    private readonly CancellationTokenSource stop = new();
    private Task? http;
    private Task? amqp;

    public IReadOnlyCollection<string> Published => (IReadOnlyCollection<string>)published.Keys;

    public int Retries;

    public void Start()
    {
        http = Task.Run(() => HttpLoopAsync(stop.Token));
        amqp = Task.Run(() => AmqpLoopAsync(stop.Token));
    }

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(http ?? Task.CompletedTask, amqp ?? Task.CompletedTask);
    }

    private async Task HttpLoopAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = new Uri(ingestUrl + "/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-producer-key");
        while (!ct.IsCancellationRequested)
        {
            var ids = NewIds("h");
            var body = Batch(ids);
            while (true)
            {
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
                    using var response = await client.PostAsync("v1/inferences", content, CancellationToken.None);
                    if ((int)response.StatusCode == 202) break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Ingest killed or restarting: send the same batch again
                }

                Interlocked.Increment(ref Retries);
                await Task.Delay(200, CancellationToken.None);
            }

            foreach (var id in ids) published[id] = 0;
            await Delay(ct);
        }
    }

    private async Task AmqpLoopAsync(CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1", Port = amqpPort, VirtualHost = "monitoring", UserName = "monitoring", Password = "monitoring",
            AutomaticRecoveryEnabled = false, // a failed publish opens a new connection itself
        };
        IConnection? connection = null;
        IChannel? channel = null;
        while (!ct.IsCancellationRequested)
        {
            var ids = NewIds("a");
            var body = Encoding.UTF8.GetBytes(Batch(ids));
            while (true)
            {
                try
                {
                    if (channel is not { IsOpen: true })
                    {
                        if (connection is not null) await connection.DisposeAsync();
                        connection = await factory.CreateConnectionAsync(CancellationToken.None);
                        channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
                    }

                    var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await channel.BasicPublishAsync("monitoring.inferences", "", mandatory: true, properties, body, timeout.Token);
                    break;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    channel = null; // broker restarted or connection dropped: reconnect and publish the same batch again
                }

                Interlocked.Increment(ref Retries);
                await Task.Delay(200, CancellationToken.None);
            }

            foreach (var id in ids) published[id] = 0;
            await Delay(ct);
        }

        if (connection is not null) await connection.DisposeAsync();
    }

    private static async Task Delay(CancellationToken ct)
    {
        try
        {
            await Task.Delay(100, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string[] NewIds(string transport) =>
        Enumerable.Range(0, BatchSize).Select(_ => $"chaos{transport}-{Guid.NewGuid():D}").ToArray();

    private static string Batch(string[] ids) => "[" + string.Join(",", ids.Select(id => string.Create(CultureInfo.InvariantCulture, $$"""
        {"inferenceId":"{{id}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}","model":{"id":"chaos-bg","version":"1"},"site":"chaos-site",
         "study":{"modality":"DX","bodyPartExamined":"CHEST","manufacturer":"GE","manufacturerModelName":"Chaos","viewPosition":"PA"},
         "patient":{"pseudoId":"{{new string('c', 64)}}","sex":"M","ageBand":"18-39"},
         "prediction":{"scores":{"finding":0.4},"predictedLabels":[],"threshold":0.5},"latencyMs":20,"features":{"x":{{Random.Shared.NextDouble():R}}
        """) + "}}")) + "]";

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested) await StopAsync();
        stop.Dispose();
    }
}
