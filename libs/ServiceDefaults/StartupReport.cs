using System.Data.Common;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// Start-up self-check: once the server listens, logs the effective listen addresses, environment, database
/// (host, database, user, SSL mode, never the password), schemas, RabbitMQ host, virtual host and TLS. A pod that
/// listens on the wrong address or talks to the wrong schema or vhost shows it in its first log lines.
/// </summary>
internal sealed class StartupReport(
    IServiceProvider services, IHostApplicationLifetime lifetime, IConfiguration configuration, IHostEnvironment environment,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Report);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Report()
    {
        try
        {
            // Hosts without a server (benchmarks, tools) have no addresses to report.
            var addresses = (services.GetService(typeof(IServer)) as IServer)?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var rabbit = configuration.GetSection("RabbitMq");
            logger.LogInformation(
                "Self-check: {Application} ({Environment}) listening on {Addresses}; database {Database}; schemas {Schemas}; " +
                "RabbitMQ {RabbitHost}:{RabbitPort} vhost '{VirtualHost}' TLS {Tls}",
                environment.ApplicationName, environment.EnvironmentName, string.Join(", ", addresses),
                Database(configuration.GetConnectionString("Marten")), string.Join(", ", Schemas(configuration)),
                rabbit["Host"], rabbit["Port"], rabbit["VirtualHost"], rabbit.GetValue<bool>("UseTls") ? "on" : "off");
        }
        catch (Exception ex)
        {
            // A report must never stop a service.
            logger.LogWarning(ex, "Self-check report failed");
        }
    }

    /// <summary>The connection string without its secrets.</summary>
    internal static string Database(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return "(none)";
        }

        var b = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Get(string key) => b.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "" : "";
        return $"{Get("Host")}:{(Get("Port") is { Length: > 0 } p ? p : "5432")}/{Get("Database")} as {Get("Username")} " +
            $"(SSL Mode {(Get("SSL Mode") is { Length: > 0 } ssl ? ssl : "default")})";
    }

    /// <summary>Every configured schema name (keys ending in <c>Schema</c>, e.g. <c>Ingest:Schema</c>, <c>DriftDetector:IngestSchema</c>).</summary>
    internal static IEnumerable<string> Schemas(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(kv => kv.Value is { Length: > 0 } && kv.Key.EndsWith("Schema", StringComparison.OrdinalIgnoreCase) && kv.Key.Contains(':'))
            .Select(kv => $"{kv.Key}={kv.Value}")
            .Order(StringComparer.Ordinal);
}
