using System.Globalization;
using System.Threading.RateLimiting;
using Marten;
using Monitoring.Audit;
using MassTransit;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Monitoring.Ingest.Consuming;
using Monitoring.Ingest.Http;
using Monitoring.Ingest.Publishing;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;
using Monitoring.ServiceDefaults;
using RabbitMQ.Client;

namespace Monitoring.Ingest;

/// <summary>Registration of the Ingest service.</summary>
public static class IngestExtensions
{
    /// <summary>Default connection string (the local stack of scripts/stack-up.sh).</summary>
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";

    /// <summary>Default listen address when neither ASPNETCORE_URLS nor --urls is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var services = builder.Services;
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        var connectionString = builder.Configuration.GetConnectionString("Marten") ?? DefaultConnectionString;
        services.AddSingleton(_ => EventStoreSetup.CreateDataSource(connectionString));
        services.AddMarten(sp =>
            {
                var opts = new StoreOptions();
                EventStoreSetup.Configure(opts, sp.GetRequiredService<IOptions<IngestOptions>>().Value.Schema);
                return opts;
            })
            .UseNpgsqlDataSource()
            .ApplyAllDatabaseChangesOnStartup();
        services.AddAuditChain("ingest", connectionString, sp => sp.GetRequiredService<IOptions<IngestOptions>>().Value.Schema);

        // The writer is registered before MassTransit so that it stops after the bus: in-flight messages finish.
        services.AddSingleton<EventWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<EventWriter>());
        services.AddSingleton<BatchPublisher>();
        services.AddSingleton<DependencyMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<DependencyMonitor>());
        services.AddHealthChecks()
            .Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("postgres",
                sp => new DependencyHealthCheck(sp.GetRequiredService<DependencyMonitor>(), "postgres"), null, [Extensions.ReadyTag]))
            .Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("rabbitmq",
                sp => new DependencyHealthCheck(sp.GetRequiredService<DependencyMonitor>(), "rabbitmq"), null, [Extensions.ReadyTag]));

        services.AddRateLimiter(o =>
        {
            o.AddPolicy(IngestApi.RateLimitPolicy, http =>
            {
                var limit = http.RequestServices.GetRequiredService<IOptions<IngestOptions>>().Value.RateLimit;
                return RateLimitPartition.GetTokenBucketLimiter(http.User.ActorName(), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limit.Burst,
                    TokensPerPeriod = limit.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                IngestTelemetry.Rejected.WithLabels("any", "http", "rate_limited").Inc();
                await IngestApi.Problem(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                        $"Producer '{context.HttpContext.User.ActorName()}' exceeded its rate limit; retry after {retryAfter} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });

        AddMessaging(services);
        return builder;
    }

    private static void AddMessaging(IServiceCollection services)
    {
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            // Otherwise the HTTP API could publish before the queues are bound, and those messages would be lost.
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            // Within the host's graceful stop (8 s): consumers still waiting for the writer give their messages back
            // (unacknowledged, redelivered), rather than holding the process past the orchestrator's grace period.
            o.StopTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingRabbitMq((context, cfg) =>
            {
                var rabbit = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                var ingest = context.GetRequiredService<IOptions<IngestOptions>>();
                var writer = context.GetRequiredService<EventWriter>();
                var time = context.GetRequiredService<TimeProvider>();
                cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                    h.UseMonitoringTls(context.GetRequiredService<IConfiguration>(), rabbit.Host);
                });
                foreach (var kind in Enum.GetValues<EventKind>())
                {
                    cfg.ReceiveEndpoint(Topology.Queue(kind), e =>
                    {
                        e.ConfigureConsumeTopology = false;
                        e.PublishFaults = false;
                        if (rabbit.QuorumQueues)
                        {
                            e.SetQuorumQueue();
                        }

                        e.PrefetchCount = ingest.Value.PrefetchCount;
                        e.ConcurrentMessageLimit = ingest.Value.PrefetchCount;
                        e.ClearSerialization();
                        e.UseRawJsonSerializer(RawSerializerOptions.AnyMessageType | RawSerializerOptions.CopyHeaders, isDefault: true);
                        e.Bind(Topology.Exchange(kind), b => b.ExchangeType = ExchangeType.Fanout);
                        e.UseMessageRetry(r =>
                        {
                            r.Ignore<IngestRejectedException>();
                            r.Exponential(ingest.Value.TransientRetryLimit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
                        });
                        e.Consumer(() => new IngestConsumer(kind, writer, ingest, time));
                    });
                }
            });
        });
    }
}
