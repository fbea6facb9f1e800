using JasperFx.Events;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Escalation;

namespace Monitoring.AlertRouter.Tests.Support;

/// <summary>
/// The real AlertRouter (in-process, TestServer for its API) against the real PostgreSQL and RabbitMQ, isolated by
/// its own schema and virtual host, with a fake clock. <see cref="RestartAsync"/> stops it and starts a new process
/// instance on the same database, queue and clock.
/// </summary>
public sealed class RouterHost : IAsyncDisposable
{
    public static readonly IReadOnlyDictionary<string, (string Key, string Role)> Keys = new Dictionary<string, (string, string)>
    {
        ["producer"] = ("t-producer-key", "producer"),
        ["oncall"] = ("t-oncall-key", "oncall"),
        ["safety"] = ("t-safety-key", "safety-officer"),
        ["safety2"] = ("t-safety2-key", "safety-officer"),
        ["auditor"] = ("t-auditor-key", "auditor"),
        ["admin"] = ("t-admin-key", "admin"),
    };

    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? configureServices;
    private WebApplicationFactory<Program> factory;

    private RouterHost(string schema, string vhost, string routingFile, FakeTimeProvider clock, Dictionary<string, string?> settings,
        Action<IServiceCollection>? configureServices)
    {
        this.configureServices = configureServices;
        Schema = schema;
        VirtualHost = vhost;
        RoutingFile = routingFile;
        Clock = clock;
        this.settings = settings;
        factory = Create();
    }

    public string Schema { get; }

    public string VirtualHost { get; }

    public string RoutingFile { get; }

    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => factory.Services;

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public AlertClock Worker => Services.GetRequiredService<AlertClock>();

    /// <summary>Starts a router; <paramref name="configureServices"/> replaces services after the app's own registration.</summary>
    public static async Task<RouterHost> StartAsync(string prefix, string yaml, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var schema = TestInfrastructure.UniqueName(prefix);
        var vhost = await TestInfrastructure.CreateVirtualHostAsync(prefix);
        var file = Path.Combine(Path.GetTempPath(), $"{schema}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString,
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:Port"] = TestInfrastructure.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = vhost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["AlertRouter:Schema"] = schema,
            ["AlertRouter:RoutingFile"] = file,
            ["AlertRouter:TickInterval"] = "00:00:00.050",
            ["AlertRouter:RetryBaseDelay"] = "00:00:00.020",
            ["AlertRouter:DeliveryAttempts"] = "3",
            ["AlertRouter:DeliveryTimeout"] = "00:00:05",
            ["AlertRouter:ConfigReloadInterval"] = "01:00:00",
            ["AlertRouter:ExternalUrl"] = "http://alerts.test",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Monitoring"] = "Warning",
        };
        var i = 0;
        foreach (var (name, (key, role)) in Keys)
        {
            settings[$"Auth:ApiKeys:{i}:Name"] = $"test-{name}";
            settings[$"Auth:ApiKeys:{i}:Key"] = key;
            settings[$"Auth:ApiKeys:{i}:Roles:0"] = role;
            i++;
        }

        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        var host = new RouterHost(schema, vhost, file, new FakeTimeProvider(Findings.Epoch.AddHours(1)), settings, configureServices);
        _ = host.Services; // start
        await host.WaitTicksAsync();
        return host;
    }

    private WebApplicationFactory<Program> Create() => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
    {
        b.UseEnvironment("Testing");
        foreach (var (k, v) in settings)
        {
            b.UseSetting(k, v);
        }

        b.ConfigureTestServices(s =>
        {
            s.AddSingleton<TimeProvider>(Clock);
            configureServices?.Invoke(s);
        });
    });

    /// <summary>Stops this instance (consumers, clock) and starts a fresh one on the same schema, queue and clock.</summary>
    public async Task RestartAsync(Action? whileStopped = null)
    {
        await factory.DisposeAsync();
        // MassTransit keeps its log context (holding the first host's, now disposed, logger factory) in an AsyncLocal of this flow.
        LogContext.Current = null;
        whileStopped?.Invoke();
        factory = Create();
        _ = factory.Services;
        await WaitTicksAsync();
    }

    /// <summary>An API client; <paramref name="who"/> is a key of <see cref="Keys"/>, or null for an anonymous caller.</summary>
    public HttpClient Client(string? who)
    {
        var client = factory.CreateClient();
        if (who is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", Keys[who].Key);
        }

        return client;
    }

    public Task PublishAsync<T>(T message) where T : class => Services.GetRequiredService<IBus>().Publish(message);

    /// <summary>Waits until the clock completed <paramref name="passes"/> more passes (so everything due was handled).</summary>
    public async Task WaitTicksAsync(int passes = 3)
    {
        var target = Worker.Ticks + passes;
        await Eventually.HoldsAsync(() => Task.FromResult(Worker.Ticks >= target), TimeSpan.FromSeconds(30), $"the alert clock completed {passes} passes");
    }

    /// <summary>Moves the fake clock and lets the worker handle what became due.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        await WaitTicksAsync();
    }

    public async Task<Alert> AlertAsync(Func<Alert, bool> predicate, string because, TimeSpan? timeout = null)
    {
        return (await Eventually.ReturnsAsync(async () =>
        {
            await using var session = Store.QuerySession();
            var all = await session.Query<Alert>().ToListAsync();
            return all.FirstOrDefault(predicate);
        }, a => a is not null, timeout ?? TimeSpan.FromSeconds(30), because))!;
    }

    public async Task<IReadOnlyList<object>> EventsAsync(Guid alertId)
    {
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(alertId);
        return events.Select(e => e.Data).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        await TestInfrastructure.DropSchemaAsync(Schema);
        File.Delete(RoutingFile);
    }
}
