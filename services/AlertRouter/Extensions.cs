using JasperFx;
using JasperFx.Events.Projections;
using Marten;
using Monitoring.Audit;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Console.ReadModels;
using Monitoring.AlertRouter.Escalation;
using Monitoring.AlertRouter.Grouping;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Intake;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter;

/// <summary>Registration of the AlertRouter.</summary>
public static class Extensions
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";

    public static IHostApplicationBuilder AddAlertRouter(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AlertRouterOptions>().BindConfiguration(AlertRouterOptions.Section)
            .Validate(o => o.IsValid(out _), "AlertRouter settings are invalid (see AlertRouterOptions)").ValidateOnStart();
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section)
            .Validate(o => !string.IsNullOrEmpty(o.Host) && o.Port > 0 && !string.IsNullOrEmpty(o.VirtualHost), "RabbitMq:Host, Port and VirtualHost are required")
            .ValidateOnStart();
        services.TryAddSingletonTimeProvider();

        services.AddMarten(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AlertRouterOptions>>().Value;
            var store = new StoreOptions();
            store.Connection(sp.GetRequiredService<IConfiguration>().GetConnectionString("Marten") ?? DefaultConnectionString);
            store.DatabaseSchemaName = o.Schema;
            store.Events.DatabaseSchemaName = o.Schema;
            store.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            // Enums are strings on the wire and in the store; LINQ must compare them as strings too.
            store.UseSystemTextJsonForSerialization(Weasel.Core.EnumStorage.AsString);
            store.Events.AddEventTypes(AlertFold.EventTypes);
            // The incident document and the console's read models (inbox rows, audit entries) in the appending transaction.
            store.Events.EnableSideEffectsOnInlineProjections = true;
            store.Projections.Add(new AlertProjection(), ProjectionLifecycle.Inline);
            store.Projections.Snapshot<Silence>(SnapshotLifecycle.Inline);
            store.Schema.For<Alert>().Index(a => a.NextDueAt!);
            store.Schema.For<NotificationGroup>().UseOptimisticConcurrency(true).Index(g => g.NextFlushAt);
            store.Schema.For<PendingDelivery>().Index(d => d.DueAt);
            // The inbox filters and orders open rows in SQL and reads one page; the audit view reads one deployment's entries.
            store.Schema.For<IncidentRow>().Duplicate(r => r.Open).Duplicate(r => r.SeverityRank).Duplicate(r => r.RaisedAt)
                .Duplicate(r => r.Model!).Duplicate(r => r.Site!).Duplicate(r => r.Deployment!);
            store.Schema.For<AuditEntry>().Duplicate(e => e.Deployment!).Duplicate(e => e.At).Index(e => e.IncidentId);
            store.Schema.For<FindingLink>();
            store.Schema.For<EarlyMessage>().Index(m => m.Key);
            store.Schema.For<OpenAlert>();
            return store;
        }).UseLightweightSessions().ApplyAllDatabaseChangesOnStartup();

        // Before the clock and the consumers start: incidents stored before the console's read models get theirs first.
        services.AddHostedService<ReadModelBackfill>();
        services.AddAuditChain("alerts", builder.Configuration.GetConnectionString("Marten") ?? DefaultConnectionString, sp => sp.GetRequiredService<IOptions<AlertRouterOptions>>().Value.Schema);
        services.AddSingleton<RoutingConfigProvider>();
        services.AddHostedService<RoutingConfigWatcher>();
        services.AddSingleton<ClockSignal>();
        services.AddSingleton<AlertWriter>();
        services.AddSingleton<EarlyMessages>();
        services.AddSingleton<AlertIntake>();
        services.AddSingleton<ChangeIntake>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<IReceiverSender, WebhookSender>();
        services.AddSingleton<IReceiverSender, PagerDutySender>();
        services.AddSingleton<IReceiverSender, EmailSender>();
        services.AddHttpClient(WebhookSender.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan); // Polly times each attempt out
        services.AddSingleton<AlertClock>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertClock>());

        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.AddConsumer<DriftDetectedConsumer>();
            x.AddConsumer<DriftUpdatedConsumer>();
            x.AddConsumer<DriftResolvedConsumer>();
            x.AddConsumer<HealthConditionChangedConsumer>();
            x.AddConsumer<ChangeDetectedConsumer>();
            x.AddConsumer<ChangeUpdatedConsumer>();
            x.AddConsumer<ChangeResolvedConsumer>();
            x.UsingRabbitMq((context, cfg) =>
            {
                var rmq = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                var o = context.GetRequiredService<IOptions<AlertRouterOptions>>().Value;
                cfg.Host(rmq.Host, rmq.Port, rmq.VirtualHost, h =>
                {
                    h.Username(rmq.Username);
                    h.Password(rmq.Password);
                    h.UseMonitoringTls(context.GetRequiredService<IConfiguration>(), rmq.Host);
                });
                cfg.ReceiveEndpoint(o.QueueName, e =>
                {
                    e.PrefetchCount = Math.Max(16, o.ConsumerConcurrency * 4);
                    e.ConcurrentMessageLimit = o.ConsumerConcurrency;
                    // In-memory retries only: Debian's RabbitMQ has no delayed-message plugin. Then the error queue, with the reason.
                    e.UseMessageRetry(r =>
                    {
                        r.Ignore<InvalidMessageException>();
                        r.Intervals(200, 1000, 3000, 10000);
                    });
                    e.ConfigureConsumer<DriftDetectedConsumer>(context);
                    e.ConfigureConsumer<DriftUpdatedConsumer>(context);
                    e.ConfigureConsumer<DriftResolvedConsumer>(context);
                    e.ConfigureConsumer<HealthConditionChangedConsumer>(context);
                    e.ConfigureConsumer<ChangeDetectedConsumer>(context);
                    e.ConfigureConsumer<ChangeUpdatedConsumer>(context);
                    e.ConfigureConsumer<ChangeResolvedConsumer>(context);
                });
            });
        });
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });

        services.AddHealthChecks().AddCheck<RoutingConfigHealthCheck>("routing-config", tags: [ServiceDefaults.Extensions.ReadyTag]);
        services.AddOpenApi();
        return builder;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>Ready only while a valid routing configuration is in force.</summary>
public sealed class RoutingConfigHealthCheck(RoutingConfigProvider provider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(provider.Current switch
        {
            null => HealthCheckResult.Unhealthy($"no routing configuration in force: {provider.LastError?.Message}"),
            _ when provider.LastError is { } e => HealthCheckResult.Degraded($"routing file refused at line {e.Line}: {e.Reason}; the previous configuration stays"),
            var c => HealthCheckResult.Healthy($"routing {c.Version[..12]}"),
        });
}
