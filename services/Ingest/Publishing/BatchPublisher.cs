using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Monitoring.Ingest.Validation;
using Monitoring.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Monitoring.Ingest.Publishing;

/// <summary>RabbitMQ did not take a batch (down, blocked, unroutable or nacked); the HTTP API answers 503.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Publishes a validated HTTP batch as one persistent AMQP message (a JSON array of the canonical items) to the
/// kind's exchange and waits for the broker's confirm. One message per batch makes the publish atomic: the batch
/// is either wholly in the queue or not at all, so a 503 never leaves half a batch behind.
/// </summary>
public sealed class BatchPublisher(IOptions<RabbitMqOptions> options, IConfiguration configuration, ILogger<BatchPublisher> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ConnectionFactory factory = Tls(configuration, new ConnectionFactory
    {
        HostName = options.Value.Host,
        Port = options.Value.Port,
        VirtualHost = options.Value.VirtualHost,
        UserName = options.Value.Username,
        Password = options.Value.Password,
        ClientProvidedName = "ingest-http-publisher",
        AutomaticRecoveryEnabled = false,
        RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
    });

    /// <summary>The same AMQPS settings as the MassTransit bus (RabbitMq:UseTls, CaFile, client certificate): this connection bypasses it.</summary>
    private static ConnectionFactory Tls(IConfiguration configuration, ConnectionFactory factory)
    {
        factory.UseMonitoringTls(configuration);
        return factory;
    }

    private IConnection? connection;
    private readonly System.Collections.Concurrent.ConcurrentStack<IChannel> channels = new();

    /// <summary>True when the publisher holds an open connection (readiness).</summary>
    public bool IsConnected => connection is { IsOpen: true };

    /// <summary>Publishes <paramref name="items"/> and returns once RabbitMQ confirmed them.</summary>
    public async Task PublishAsync(EventKind kind, IReadOnlyList<ValidItem> items, string producer, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(items.Select(i => i.Event).ToArray(), ContractValidator.CanonicalJson);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
            Type = kind.ToString(),
            Headers = new Dictionary<string, object?> { ["producer"] = producer },
        };
        if (Activity.Current is { } activity)
        {
            properties.Headers["traceparent"] = activity.Id;
            properties.Headers["MT-Activity-Id"] = activity.Id;
        }

        IChannel channel;
        try
        {
            channel = await RentAsync(cancellationToken);
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException or AlreadyClosedException)
        {
            throw new BrokerUnavailableException("RabbitMQ is unreachable", e);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await channel.BasicPublishAsync(Topology.Exchange(kind), "", mandatory: true, properties, body, timeout.Token);
            Return(channel);
        }
        catch (PublishException e)
        {
            Return(channel);
            throw new BrokerUnavailableException(e.IsReturn
                ? $"RabbitMQ could not route the batch to a queue (is Ingest's consumer topology declared on exchange {Topology.Exchange(kind)}?)"
                : "RabbitMQ refused the batch (nack)", e);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or IOException or OperationCanceledException)
        {
            await channel.DisposeAsync();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new BrokerUnavailableException("RabbitMQ did not confirm the batch", e);
        }
    }

    private async Task<IChannel> RentAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (connection is not { IsOpen: true })
            {
                foreach (var stale in channels)
                {
                    await stale.DisposeAsync();
                }

                channels.Clear();
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                connection = null;
                connection = await factory.CreateConnectionAsync(cancellationToken);
                logger.LogInformation("Publisher connected to RabbitMQ {Host}:{Port}/{VirtualHost}", factory.HostName, factory.Port, factory.VirtualHost);
            }

            while (channels.TryPop(out var pooled))
            {
                if (pooled.IsOpen)
                {
                    return pooled;
                }

                await pooled.DisposeAsync();
            }

            return await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Return(IChannel channel)
    {
        if (!channel.IsOpen)
        {
            _ = channel.DisposeAsync().AsTask();
            return;
        }

        channels.Push(channel);
    }

    /// <summary>Opens the connection if needed; false when RabbitMQ cannot be reached.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var channel = await RentAsync(cancellationToken);
            Return(channel);
            return true;
        }
        catch (Exception)
        {
            // Unreachable, refused, or slower than the probe's deadline: all mean "not available now".
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels)
        {
            await channel.DisposeAsync();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
