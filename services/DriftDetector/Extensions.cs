using System.Text.Json.Serialization;
using Marten;
using Monitoring.Audit;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Publishing;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Telemetry;
using Monitoring.ServiceDefaults;
using Npgsql;

namespace Monitoring.DriftDetector;

/// <summary>Registration of the DriftDetector.</summary>
public static class Extensions
{
    /// <summary>Default PostgreSQL connection string (<c>ConnectionStrings:Marten</c>).</summary>
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";

    /// <summary>Options, the two Marten stores, the subscription pipeline, the publisher, metrics and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddDriftDetector(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DriftDetectorOptions>().BindConfiguration(DriftDetectorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DriftDetectorOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        var connectionString = builder.Configuration.GetConnectionString("Marten") ?? DefaultConnectionString;

        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<DriftDetectorOptions>();
            var store = new DocumentStore(ConfigureStore(opts =>
            {
                Stores.ConfigureIngest(opts, connectionString, o.IngestSchema);
                opts.Events.Subscribe(new IngestSubscription(sp, o.PageSize));
            }));
            return new IngestStore(store, new NpgsqlDataSourceBuilder(connectionString) { Name = "drift-ingest-reader" }.Build(), o.IngestSchema);
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<DriftDetectorOptions>();
            var store = new DocumentStore(ConfigureStore(opts =>
            {
                Stores.ConfigureDrift(opts, connectionString, o.DriftSchema);
                opts.Events.Subscribe(new FindingPublisher(sp));
            }));
            return new DriftStore(store, new NpgsqlDataSourceBuilder(connectionString) { Name = "drift" }.Build(), o.DriftSchema);
        });
        services.AddAuditChain("drift", connectionString, sp => sp.GetRequiredService<DriftDetectorOptions>().DriftSchema);
        services.AddSingleton<DriftMetrics>();
        services.AddSingleton<PolicyRegistry>();
        services.AddSingleton<IngestRangeReader>();
        services.AddSingleton<InferenceJoin>();
        services.AddSingleton<DetectorRunner>();
        services.AddSingleton<DetectorPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<DetectorPipeline>());
        services.AddSingleton<LagMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<LagMonitor>());
        services.AddHostedService<SubscriptionSupervisor>();

        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingRabbitMq((ctx, cfg) =>
            {
                var o = ctx.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(o.Host, (ushort)o.Port, o.VirtualHost, h =>
                {
                    h.Username(o.Username);
                    h.Password(o.Password);
                    h.UseMonitoringTls(ctx.GetRequiredService<IConfiguration>(), o.Host);
                });
            });
        });
        services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);

        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgresql", tags: [ServiceDefaults.Extensions.ReadyTag])
            .AddCheck<SubscriptionHealthCheck>("subscription", tags: [ServiceDefaults.Extensions.ReadyTag]);
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        return builder;
    }

    private static StoreOptions ConfigureStore(Action<StoreOptions> configure)
    {
        var opts = new StoreOptions();
        configure(opts);
        return opts;
    }

    private static void TryAddSingleton(this IServiceCollection services, TimeProvider provider)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider))) services.AddSingleton(provider);
    }
}

/// <summary>Readiness: PostgreSQL answers a query (opening a pooled connection alone does not reach the server).</summary>
internal sealed class PostgresHealthCheck(DriftStore drift) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = drift.DataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or IOException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unavailable.", ex);
        }
    }
}
