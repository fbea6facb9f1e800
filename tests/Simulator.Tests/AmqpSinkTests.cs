using System.Text;
using System.Text.Json;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;
using Monitoring.TestSupport;
using RabbitMQ.Client;

namespace Monitoring.Simulator.Tests;

/// <summary>The AMQP sink against the real RabbitMQ, in a virtual host of its own.</summary>
public sealed class AmqpSinkTests : IAsyncLifetime
{
    private string _vhost = "";

    public async Task InitializeAsync() => _vhost = await TestInfrastructure.CreateVirtualHostAsync("sim_amqp");

    public Task DisposeAsync() => TestInfrastructure.DeleteVirtualHostAsync(_vhost);

    private Uri BrokerUri => new($"amqp://{TestInfrastructure.RabbitUser}:{TestInfrastructure.RabbitPassword}@{TestInfrastructure.RabbitHost}:{TestInfrastructure.RabbitPort}/{Uri.EscapeDataString(_vhost)}");

    [Fact]
    public async Task GivenTimeline_WhenPublishedRaw_ThenEachExchangeDeliversPlainPersistentJsonForEveryEvent()
    {
        var options = new AmqpSinkOptions { Uri = BrokerUri };
        var factory = new ConnectionFactory { Uri = BrokerUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        // Stand in for the Ingest: a durable fanout exchange per kind, each bound to a capture queue.
        var queues = new Dictionary<string, string>
        {
            [options.InferencesExchange] = "capture.inferences",
            [options.GroundTruthExchange] = "capture.ground-truth",
            [options.ReaderFeedbackExchange] = "capture.reader-feedback",
        };
        foreach (var (exchange, queue) in queues)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        var generator = new TrafficGenerator(new SimulationSettings { Seed = 21, Days = 1, Volume = 0.2, EmbeddingDimensions = 8 });
        var sent = generator.Generate().ToList();
        await using (var sink = await AmqpSink.ConnectAsync(options, CancellationToken.None))
        {
            foreach (var e in sent)
            {
                await sink.WriteAsync(e, CancellationToken.None);
            }

            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal(sent.Count, sink.Confirmed);
        }

        // Confirmed means routed and persisted: the counts are exact immediately.
        Assert.Equal((uint)sent.OfType<InferenceEvent>().Count(), await channel.MessageCountAsync(queues[options.InferencesExchange]));
        Assert.Equal((uint)sent.OfType<GroundTruthEvent>().Count(), await channel.MessageCountAsync(queues[options.GroundTruthExchange]));
        Assert.Equal((uint)sent.OfType<ReaderFeedbackEvent>().Count(), await channel.MessageCountAsync(queues[options.ReaderFeedbackExchange]));

        var first = await channel.BasicGetAsync(queues[options.InferencesExchange], autoAck: true);
        Assert.NotNull(first);
        Assert.Equal("application/json", first!.BasicProperties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, first.BasicProperties.DeliveryMode);
        var body = Encoding.UTF8.GetString(first.Body.Span);
        var expected = JsonSerializer.Serialize(sent.OfType<InferenceEvent>().First().Message, WireFormat.Options);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task GivenNoQueueBound_WhenPublishing_ThenTheRunFailsInsteadOfLosingEvents()
    {
        var generator = new TrafficGenerator(new SimulationSettings { Seed = 22, Days = 1, Volume = 0.05, Models = ["cxr-triage"] });
        await using var sink = await AmqpSink.ConnectAsync(new AmqpSinkOptions { Uri = BrokerUri }, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<SinkException>(() => SimulationRunner.RunAsync(generator, sink));
        Assert.Contains("no queue is bound", ex.Message);
    }

    [Fact]
    public async Task GivenExchangesMissingAndDeclarationOff_WhenConnecting_ThenItFailsInsteadOfPublishingIntoTheVoid()
    {
        var options = new AmqpSinkOptions { Uri = BrokerUri, DeclareExchanges = false };
        await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() => AmqpSink.ConnectAsync(options, CancellationToken.None));
    }
}
