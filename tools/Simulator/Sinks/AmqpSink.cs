using System.Text.Json;
using Monitoring.Simulator.Generation;
using RabbitMQ.Client;

namespace Monitoring.Simulator.Sinks;

/// <summary>Settings of the AMQP sink.</summary>
public sealed record AmqpSinkOptions
{
    /// <summary>Broker address with credentials and virtual host (path), e.g. <c>amqp://monitoring:monitoring@127.0.0.1:5672/monitoring</c>.</summary>
    public Uri Uri { get; init; } = new("amqp://monitoring:monitoring@127.0.0.1:5672/monitoring");

    /// <summary>Exchange for inferences.</summary>
    public string InferencesExchange { get; init; } = "monitoring.inferences";

    /// <summary>Exchange for ground truth.</summary>
    public string GroundTruthExchange { get; init; } = "monitoring.ground-truth";

    /// <summary>Exchange for reader feedback.</summary>
    public string ReaderFeedbackExchange { get; init; } = "monitoring.reader-feedback";

    /// <summary>Declare the exchanges (durable fanout) if missing; otherwise they must exist.</summary>
    public bool DeclareExchanges { get; init; } = true;

    /// <summary>Publishes awaiting their broker confirmation at once.</summary>
    public int MaxOutstandingConfirms { get; init; } = 512;
}

/// <summary>
/// Publishes each event as plain JSON (no MassTransit envelope; content type application/json, persistent)
/// to the Ingest's durable fanout exchanges, as a non-.NET producer would, with publisher confirms:
/// <see cref="FlushAsync"/> returns when the broker confirmed everything published so far. Messages are
/// published as mandatory: if no queue is bound to an exchange the run fails with a clear error.
/// </summary>
public sealed class AmqpSink : IEventSink
{
    private readonly AmqpSinkOptions _options;
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly List<Task> _pending = [];

    private AmqpSink(AmqpSinkOptions options, IConnection connection, IChannel channel)
    {
        _options = options;
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Published and confirmed messages.</summary>
    public long Confirmed { get; private set; }

    /// <summary>Connects, opens a confirming channel and (optionally) declares the exchanges.</summary>
    public static async Task<AmqpSink> ConnectAsync(AmqpSinkOptions options, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = options.Uri, ClientProvidedName = "monitoring-simulator" };
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        try
        {
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(
                    publisherConfirmationsEnabled: true,
                    publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(options.MaxOutstandingConfirms)),
                cancellationToken);
            foreach (var exchange in new[] { options.InferencesExchange, options.GroundTruthExchange, options.ReaderFeedbackExchange })
            {
                if (options.DeclareExchanges)
                {
                    await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
                }
                else
                {
                    await channel.ExchangeDeclarePassiveAsync(exchange, cancellationToken);
                }
            }

            return new AmqpSink(options, connection, channel);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(SimulatedEvent e, CancellationToken cancellationToken)
    {
        var (exchange, body, type, id) = e switch
        {
            InferenceEvent i => (_options.InferencesExchange, JsonSerializer.SerializeToUtf8Bytes(i.Message, WireFormat.Options), "InferenceRecorded", i.Message.InferenceId),
            GroundTruthEvent g => (_options.GroundTruthExchange, JsonSerializer.SerializeToUtf8Bytes(g.Message, WireFormat.Options), "GroundTruthRecorded", "ground-truth:" + g.Message.InferenceId),
            ReaderFeedbackEvent f => (_options.ReaderFeedbackExchange, JsonSerializer.SerializeToUtf8Bytes(f.Message, WireFormat.Options), "ReaderFeedbackRecorded", "reader-feedback:" + f.Message.InferenceId),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Unknown event type."),
        };
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Type = type,
            MessageId = id,
        };
        // Mandatory: a message no queue takes (the Ingest has not bound its queues yet) comes back and fails
        // the run, instead of being confirmed and silently dropped.
        _pending.Add(_channel.BasicPublishAsync(exchange, routingKey: "", mandatory: true, properties, body, cancellationToken).AsTask());
        if (_pending.Count >= _options.MaxOutstandingConfirms)
        {
            await DrainAsync();
        }
    }

    private async Task DrainAsync()
    {
        try
        {
            await Task.WhenAll(_pending);
        }
        catch (RabbitMQ.Client.Exceptions.PublishReturnException ex)
        {
            throw new SinkException($"The broker returned a message from exchange '{ex.Exchange}' ({ex.ReplyCode} {ex.ReplyText}): no queue is bound to it. Is the Ingest running on this virtual host?", ex);
        }
        catch (RabbitMQ.Client.Exceptions.PublishException ex)
        {
            throw new SinkException($"The broker did not confirm a publish (sequence {ex.PublishSequenceNumber}).", ex);
        }

        Confirmed += _pending.Count;
        _pending.Clear();
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken) => DrainAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
        await _connection.CloseAsync();
        await _connection.DisposeAsync();
    }
}
