using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;

namespace Monitoring.ServiceDefaults;

/// <summary>Telemetry, health and metrics shared by every service.</summary>
public static class Extensions
{
    /// <summary>Health-check tag for checks that gate readiness (dependencies such as PostgreSQL and RabbitMQ).</summary>
    public const string ReadyTag = "ready";

    /// <summary>How long the host waits for its services to stop on SIGTERM (<see cref="HostOptions.ShutdownTimeout"/>).</summary>
    public static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(8);

    private static readonly object MeterAdapterGate = new();
    private static IDisposable? meterAdapter;

    /// <summary>
    /// Adds OpenTelemetry tracing (ASP.NET Core, HttpClient, MassTransit, Marten, Npgsql), OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (otherwise spans are created for propagation only, not recorded), the prometheus-net bridge for .NET meters, problem details and
    /// a liveness check.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="extraSources">Additional ActivitySource / Meter names of the service.</param>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, params string[] extraSources)
    {
        var serviceName = builder.Environment.ApplicationName;
        string[] sources = ["MassTransit", "Marten", "Npgsql", .. extraSources];

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddSource(sources);

                // With nowhere to send spans, recording them (tags, events, links on every message, query and request) is pure
                // cost: activities are still created, so trace ids propagate and are stored as correlation ids, but not recorded.
                if (!exporting)
                {
                    t.SetSampler(new AlwaysOffSampler());
                }
            })
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(sources)
                .AddMeter(GcTelemetry.MeterName));
        if (exporting)
        {
            otel.UseOtlpExporter();
        }

        StartMeterAdapter();
        GcTelemetry.Start();

        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddHostedService<StartupReport>();

        // On SIGTERM every service stops taking work and hands back what it holds (unacknowledged messages are redelivered)
        // within 10 s; the manifests' terminationGracePeriodSeconds (20) leaves room before the kill.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = GracefulStopTimeout);
        return builder;
    }

    /// <summary>
    /// prometheus-net's default bridge for .NET meters starts at the first scrape, losing what was recorded
    /// before it; start one listener at process start instead and suppress the default one.
    /// </summary>
    private static void StartMeterAdapter()
    {
        lock (MeterAdapterGate)
        {
            if (meterAdapter is not null)
            {
                return;
            }

            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
            meterAdapter = MeterAdapter.StartListening();
        }
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> (anonymous).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) || c.Tags.Contains("live") })
            .AllowAnonymous();
        app.MapMetrics("/metrics").AllowAnonymous();
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
