using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// The connections the auditor API (<c>/audit/*</c>) reads through: the read-only auditor database role given as
/// <c>ConnectionStrings:Auditor</c> (the login <c>monitoring_auditor</c> of tools/Audit/auditor-role.sql), apart from the
/// service's own read-write pool. Every session is also opened with <c>default_transaction_read_only</c>, so even a
/// misconfigured connection string cannot make the API write.
/// </summary>
public sealed class AuditReader : IAsyncDisposable
{
    private AuditReader(NpgsqlDataSource dataSource, string? role)
    {
        DataSource = dataSource;
        Role = role;
    }

    /// <summary>Read-only connections for the auditor API.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The auditor role's name; null when none is configured and the service's role is used in read-only sessions.</summary>
    public string? Role { get; }

    /// <summary>
    /// Connections as the auditor role when <paramref name="auditorConnectionString"/> is set, otherwise as the service's role
    /// (<paramref name="serviceConnectionString"/>), in both cases in read-only sessions.
    /// </summary>
    public static AuditReader Create(string? auditorConnectionString, string serviceConnectionString, string store)
    {
        var auditor = !string.IsNullOrWhiteSpace(auditorConnectionString);
        var builder = new NpgsqlConnectionStringBuilder(auditor ? auditorConnectionString : serviceConnectionString);
        builder.Options = $"{builder.Options} -c default_transaction_read_only=on".Trim();
        return new AuditReader(new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "audit-reader-" + store }.Build(),
            auditor ? builder.Username : null);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
