using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Monitoring.Ingest.Storage;
using Monitoring.TestSupport;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Monitoring.Ingest.Tests;

/// <summary>
/// One Ingest service in process (ASP.NET test host) against the real PostgreSQL and RabbitMQ, isolated by its own
/// schema and virtual host. Also a reader of its store and a raw AMQP producer, as a Python producer would be.
/// </summary>
public sealed class IngestHost : IAsyncDisposable
{
    public const string ProducerKey = "test-producer-key";
    public const string OtherProducerKey = "test-producer-2-key";
    public const string AuditorKey = "test-auditor-key";

    private readonly IngestFactory factory;
    private readonly IConnection rabbit;

    private IngestHost(string schema, string vhost, IngestFactory factory, IConnection rabbit)
    {
        Schema = schema;
        VirtualHost = vhost;
        this.factory = factory;
        this.rabbit = rabbit;
        Client = CreateClient(ProducerKey);
        Store = DocumentStore.For(opts =>
        {
            opts.Connection(TestInfrastructure.PostgresConnectionString);
            EventStoreSetup.Configure(opts, schema);
        });
    }

    public string Schema { get; }

    public string VirtualHost { get; }

    /// <summary>Client authenticated as the producer <c>test-producer</c>.</summary>
    public HttpClient Client { get; }

    /// <summary>A Marten store over the service's schema, configured exactly as the service (and a subscriber) does.</summary>
    public IDocumentStore Store { get; }

    public IServiceProvider Services => factory.Services;

    /// <summary>Settings every test host gets: isolation, keys for three principals; <paramref name="overrides"/> win.</summary>
    public static async Task<IngestHost> StartAsync(string prefix, IDictionary<string, string?>? overrides = null)
    {
        var schema = TestInfrastructure.UniqueName(prefix);
        var vhost = await TestInfrastructure.CreateVirtualHostAsync(prefix);
        var settings = Settings(schema, vhost);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new IngestFactory(settings);
        _ = factory.Server; // start now: MassTransit binds the queues before the first request (WaitUntilStarted)
        var rabbit = await RabbitFactory(vhost).CreateConnectionAsync();
        return new IngestHost(schema, vhost, factory, rabbit);
    }

    public static Dictionary<string, string?> Settings(string schema, string vhost) => new()
    {
        ["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString,
        ["Ingest:Schema"] = schema,
        ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
        ["RabbitMq:Port"] = TestInfrastructure.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = vhost,
        ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
        ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
        ["Auth:ApiKeys:0:Name"] = "test-producer",
        ["Auth:ApiKeys:0:Key"] = ProducerKey,
        ["Auth:ApiKeys:0:Roles:0"] = "producer",
        ["Auth:ApiKeys:1:Name"] = "test-producer-2",
        ["Auth:ApiKeys:1:Key"] = OtherProducerKey,
        ["Auth:ApiKeys:1:Roles:0"] = "producer",
        ["Auth:ApiKeys:2:Name"] = "test-auditor",
        ["Auth:ApiKeys:2:Key"] = AuditorKey,
        ["Auth:ApiKeys:2:Roles:0"] = "auditor",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static ConnectionFactory RabbitFactory(string vhost) => new()
    {
        HostName = TestInfrastructure.RabbitHost,
        Port = TestInfrastructure.RabbitPort,
        VirtualHost = vhost,
        UserName = TestInfrastructure.RabbitUser,
        Password = TestInfrastructure.RabbitPassword,
    };

    public HttpClient CreateClient(string? apiKey)
    {
        var client = factory.CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body, HttpClient? client = null) =>
        (client ?? Client).PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostNdjsonAsync(string path, IEnumerable<JsonNode> items)
    {
        var content = new StringContent(string.Join("\n", items.Select(i => i.ToJsonString())) + "\n", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return Client.PostAsync(path, content);
    }

    /// <summary>Publishes raw bytes to an exchange as a non-.NET producer would (no MassTransit envelope), with a broker confirm.</summary>
    public async Task PublishRawAsync(string exchange, byte[] body, string? contentType = "application/json", string? messageId = null)
    {
        await using var channel = await rabbit.CreateChannelAsync(new CreateChannelOptions(true, true));
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, MessageId = messageId };
        await channel.BasicPublishAsync(exchange, "", mandatory: true, properties, body);
    }

    public Task PublishRawAsync(string exchange, JsonNode body, string? messageId = null) =>
        PublishRawAsync(exchange, Encoding.UTF8.GetBytes(body.ToJsonString()), messageId: messageId);

    /// <summary>Takes the next message of <paramref name="queue"/>, or null when there is none (yet).</summary>
    public async Task<QueuedMessage?> TryTakeAsync(string queue)
    {
        try
        {
            await using var channel = await rabbit.CreateChannelAsync();
            var result = await channel.BasicGetAsync(queue, autoAck: true);
            if (result is null)
            {
                return null;
            }

            var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString());
            return new QueuedMessage(Encoding.UTF8.GetString(result.Body.Span), headers);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null; // the error queue is declared on the first fault
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 541 && e.Message.Contains("noproc", StringComparison.Ordinal))
        {
            return null; // a quorum error queue declared a moment ago whose process is not running yet
        }
    }

    /// <summary>Polls <paramref name="queue"/> until a message arrives.</summary>
    public async Task<QueuedMessage> TakeAsync(string queue, TimeSpan? timeout = null)
    {
        QueuedMessage? message = null;
        await Eventually.HoldsAsync(async () => (message = await TryTakeAsync(queue)) is not null,
            timeout ?? TimeSpan.FromSeconds(20), $"a message arrives in {queue}");
        return message!;
    }

    /// <summary>Events of one stream, in order.</summary>
    public async Task<IReadOnlyList<JasperFx.Events.IEvent>> StreamAsync(string inferenceId)
    {
        await using var session = Store.QuerySession();
        return await session.Events.FetchStreamAsync(inferenceId);
    }

    /// <summary>Number of events in the store (all kinds), straight from PostgreSQL.</summary>
    public async Task<long> EventCountAsync(string? type = null)
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*) from \"{Schema}\".mt_events" + (type is null ? "" : " where type = @type"), connection);
        if (type is not null)
        {
            command.Parameters.AddWithValue("type", type);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the stream of <paramref name="inferenceId"/> holds <paramref name="count"/> events.</summary>
    public async Task<IReadOnlyList<JasperFx.Events.IEvent>> WaitForStreamAsync(string inferenceId, int count = 1, TimeSpan? timeout = null) =>
        await Eventually.ReturnsAsync(() => StreamAsync(inferenceId), s => s.Count >= count,
            timeout ?? TimeSpan.FromSeconds(20), $"stream {inferenceId} holds {count} event(s)");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await factory.DisposeAsync();
        await rabbit.DisposeAsync();
        Store.Dispose();
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        await TestInfrastructure.DropSchemaAsync(Schema);
    }

    private sealed class IngestFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

/// <summary>A message taken from a queue: body and headers as text.</summary>
public sealed record QueuedMessage(string Body, IReadOnlyDictionary<string, string?> Headers)
{
    /// <summary>MassTransit's fault reason header (the exception message).</summary>
    public string FaultMessage => Headers.TryGetValue("MT-Fault-Message", out var m) ? m ?? "" : "";
}
