using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Monitoring.Audit;

/// <summary>Registration of the chaining follower: one line in each service's Extensions.cs.</summary>
public static class AuditChainExtensions
{
    /// <summary>
    /// Runs the chaining follower of <paramref name="store"/> over the event table in the schema <paramref name="schema"/>
    /// returns (settings in section <c>Audit</c>). The follower has its own connection pool, apart from the writers'.
    /// </summary>
    public static IServiceCollection AddAuditChain(this IServiceCollection services, string store, string connectionString, Func<IServiceProvider, string> schema)
    {
        services.AddOptions<AuditChainOptions>().BindConfiguration(AuditChainOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.SignerUrl) || Uri.TryCreate(o.SignerUrl, UriKind.Absolute, out _), "Audit:SignerUrl must be an absolute URL")
            .ValidateOnStart();
        services.AddSingleton<CheckpointClient>();
        // The auditor API reads as the auditor role (ConnectionStrings:Auditor), not through the service's read-write pool.
        services.AddSingleton(sp =>
        {
            var reader = AuditReader.Create(sp.GetRequiredService<IConfiguration>().GetConnectionString("Auditor"), connectionString, store);
            if (reader.Role is null)
            {
                sp.GetRequiredService<ILogger<AuditReader>>().LogWarning(
                    "ConnectionStrings:Auditor is not set: the /audit endpoints of {Store} read as the service's own role (in read-only sessions)", store);
            }

            return reader;
        });
        var name = "audit-chain-" + store;
        services.AddSingleton(sp => new ChainFollower(
            store, schema(sp), new NpgsqlDataSourceBuilder(FollowerConnection(connectionString, name)) { Name = name }.Build(),
            sp.GetRequiredService<IOptions<AuditChainOptions>>(), sp.GetRequiredService<CheckpointClient>(),
            // The system clock, not the service's TimeProvider: a test's frozen clock must not stop chaining, and no link holds a time.
            TimeProvider.System, sp.GetRequiredService<ILogger<ChainFollower>>(), sp.GetRequiredService<AuditReader>().Role));
        services.AddHostedService(sp => sp.GetRequiredService<ChainFollower>());
        return services;
    }

    /// <summary>The follower's connection string: the service's, named <c>audit-chain-&lt;store&gt;</c> in <c>pg_stat_activity</c>
    /// (unless it names itself), so that the follower's sessions and their cost can be told from the writers'.</summary>
    private static string FollowerConnection(string connectionString, string name)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = name;
        return builder.ConnectionString;
    }
}
