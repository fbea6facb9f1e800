using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;
using RabbitMQ.Client;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// An isolated environment for one test class: an Ingest-shaped event store in its own schema (configured as Ingest configures
/// its store), the detector's own schema, a RabbitMQ virtual host with queues bound to the published finding exchanges, and
/// DriftDetector hosts started on demand (several in sequence for restart tests).
/// </summary>
public sealed class DriftEnvironment : IAsyncLifetime
{
    public const string ReaderKey = "test-oncall-key";
    public const string AdminKey = "test-admin-key";
    public const string ProducerKey = "test-producer-key";

    public string IngestSchema { get; } = TestInfrastructure.UniqueName("dd_ingest");
    public string DriftSchema { get; } = TestInfrastructure.UniqueName("dd_drift");
    public string VirtualHost { get; private set; } = "";
    public DocumentStore Ingest { get; private set; } = null!;
    private IConnection rabbit = null!;

    public async Task InitializeAsync()
    {
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync("dd");
        Ingest = DocumentStore.For(opts =>
        {
            // The shape Ingest gives its store (services/Ingest/Storage/EventStoreSetup.cs), as the detector configures it.
            Stores.ConfigureIngest(opts, TestInfrastructure.PostgresConnectionString, IngestSchema);
            opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        });
        await Ingest.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        rabbit = await new ConnectionFactory
        {
            HostName = TestInfrastructure.RabbitHost, Port = TestInfrastructure.RabbitPort, VirtualHost = VirtualHost, UserName = TestInfrastructure.RabbitUser, Password = TestInfrastructure.RabbitPassword,
        }.CreateConnectionAsync();
        foreach (var type in new[] { "DriftDetected", "DriftUpdated", "DriftResolved", "HealthConditionChanged", "ChangeDetected" })
        {
            await using var channel = await rabbit.CreateChannelAsync();
            var exchange = "Monitoring.Contracts:" + type;
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueDeclareAsync("probe-" + type, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync("probe-" + type, exchange, "");
        }
    }

    public async Task DisposeAsync()
    {
        await Ingest.DisposeAsync();
        await rabbit.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        await TestInfrastructure.DropSchemaAsync(IngestSchema);
        await TestInfrastructure.DropSchemaAsync(DriftSchema);
    }

    /// <summary>Appends events as Ingest does: one stream per inference id, ground truth appended to the same stream.</summary>
    public async Task AppendAsync(IEnumerable<SyntheticEvent> events, int batch = 2000)
    {
        foreach (var chunk in events.Chunk(batch))
        {
            await using var session = Ingest.LightweightSession();
            foreach (var e in chunk) session.Events.Append(e.StreamKey, e.Data);
            await session.SaveChangesAsync();
        }
    }

    /// <summary>Every ingest event with its sequence, in order (for an in-memory reference run on exactly what the store holds).</summary>
    public async Task<List<(long Sequence, object Data)>> ReadIngestAsync()
    {
        await using var session = Ingest.QuerySession();
        var events = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        return events.Select(e => (e.Sequence, e.Data)).ToList();
    }

    /// <summary>The finding events of the detector's own store, as text (type + JSON), in sequence order.</summary>
    public async Task<List<string>> FindingEventsAsync()
    {
        await using var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"select stream_id, type, data::text from \"{DriftSchema}\".mt_events where stream_id like 'finding:%' or stream_id like 'reconciliation:%' order by seq_id", conn);
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add($"{reader.GetString(0)} {reader.GetString(1)} {Canonical(reader.GetString(2))}");
        return list;
    }

    /// <summary>
    /// Waits until the finding publisher has published and recorded every event of the detector's store. Publishing is at
    /// least once: a host stopped between the broker's confirm and the ledger commit publishes again after a restart, so a
    /// test that counts messages across a restart waits for this before stopping a host.
    /// </summary>
    public Task PublisherDrainedAsync() => Eventually.HoldsAsync(
        () => ScalarAsync<bool>(
            $"select coalesce((select max(last_seq_id) from \"{DriftSchema}\".mt_event_progression where name like 'FindingPublisher%'), -1) " +
            $">= (select coalesce(max(seq_id), 0) from \"{DriftSchema}\".mt_events)"),
        TimeSpan.FromSeconds(60), "the publisher has published (and recorded) every finding event");

    /// <summary>The single value of <paramref name="sql"/> on the test database.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static string Canonical(string json) => JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(json));

    public DriftHost StartHost(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString,
            ["DriftDetector:IngestSchema"] = IngestSchema,
            ["DriftDetector:DriftSchema"] = DriftSchema,
            ["DriftDetector:PolicyPaths:0"] = Path.Combine(AppContext.BaseDirectory, "policies", "test-policy.yaml"),
            ["DriftDetector:PageSize"] = "1000",
            ["DriftDetector:LagCheckInterval"] = "00:00:00.500",
            ["DriftDetector:LagAlertEvents"] = "1000000",
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:Port"] = TestInfrastructure.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = VirtualHost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["Auth:ApiKeys:0:Name"] = "test-oncall",
            ["Auth:ApiKeys:0:Key"] = ReaderKey,
            ["Auth:ApiKeys:0:Roles:0"] = "oncall",
            ["Auth:ApiKeys:1:Name"] = "test-admin",
            ["Auth:ApiKeys:1:Key"] = AdminKey,
            ["Auth:ApiKeys:1:Roles:0"] = "admin",
            ["Auth:ApiKeys:2:Name"] = "test-producer",
            ["Auth:ApiKeys:2:Key"] = ProducerKey,
            ["Auth:ApiKeys:2:Roles:0"] = "producer",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return new DriftHost(settings);
    }

    /// <summary>Takes one message from a probe queue (DriftDetected, DriftUpdated, DriftResolved, HealthConditionChanged).</summary>
    public async Task<JsonElement?> TryTakeAsync(string type)
    {
        await using var channel = await rabbit.CreateChannelAsync();
        var result = await channel.BasicGetAsync("probe-" + type, autoAck: true);
        return result is null ? null : JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(result.Body.Span));
    }

    /// <summary>Drains a probe queue until <paramref name="accept"/> matches a message's <c>message</c> body.</summary>
    public async Task<JsonElement> TakeAsync(string type, Func<JsonElement, bool> accept, TimeSpan timeout)
    {
        JsonElement found = default;
        await Eventually.HoldsAsync(async () =>
        {
            while (await TryTakeAsync(type) is { } envelope)
            {
                var message = envelope.GetProperty("message");
                if (accept(message))
                {
                    found = message;
                    return true;
                }
            }

            return false;
        }, timeout, $"a {type} message arrives");
        return found;
    }
}

/// <summary>One DriftDetector process (ASP.NET test host).</summary>
public sealed class DriftHost : IAsyncDisposable
{
    private readonly Factory factory;

    internal DriftHost(IReadOnlyDictionary<string, string?> settings)
    {
        factory = new Factory(settings);
        _ = factory.Server;
    }

    public IServiceProvider Services => factory.Services;

    public HttpClient Client(string? apiKey)
    {
        var client = factory.CreateClient();
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Waits until the detector applied every event up to the Ingest store's head and persisted it.</summary>
    public Task CatchUpAsync(TimeSpan? timeout = null) =>
        Services.GetRequiredService<DetectorPipeline>().CatchUpAsync(timeout ?? TimeSpan.FromSeconds(120), CancellationToken.None);

    public async Task<T> GetAsync<T>(string path, string apiKey = DriftEnvironment.ReaderKey)
    {
        using var client = Client(apiKey);
        var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);

            // The service's 8 s stop budget suits a pod; a CI machine running every test assembly at once can spend it on the
            // bus and daemons before the pipeline's turn, which then gives up its final flush and fails the test's dispose.
            // Tests that mean to crash the detector kill the process or skip the flush themselves; a graceful stop here must finish.
            builder.ConfigureServices(services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60)));
        }
    }
}
