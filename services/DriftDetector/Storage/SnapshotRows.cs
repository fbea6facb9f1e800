using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Monitoring.DriftDetector.Storage;

/// <summary>
/// The detector's state snapshot as rows of UTF-8 JSON bytes in a table of its own (<c>detector_snapshot</c>, one row per
/// kind and id), written in the same transaction as the <see cref="DetectorCheckpoint"/> that dates them. A busy deployment's
/// state is tens of MB: as a Marten document it was serialized twice (to a string, then as an escaped string inside the
/// document's JSON, through pooled char buffers of up to 268 MB) and then parsed by PostgreSQL into <c>jsonb</c>; as
/// <c>bytea</c> it is serialized once, straight to UTF-8, and stored as it is (issue 15's latency tail).
/// </summary>
internal static class SnapshotRows
{
    public const string TableName = "detector_snapshot";

    /// <summary>The global state (late events waiting for their inference); id <see cref="Stores.DetectorCheckpointId"/>.</summary>
    public const string Global = "global";

    /// <summary>One deployment's state without its reference; id = deployment key.</summary>
    public const string Deployment = "deployment";

    /// <summary>One deployment's reference profile (rewritten only until it is frozen); id = deployment key.</summary>
    public const string Reference = "reference";

    /// <summary>The table, created with the drift store's other objects.</summary>
    public static Table Definition(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("kind").AsPrimaryKey();
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn("body", "bytea").NotNull();
        table.AddColumn("written_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        return table;
    }

    /// <summary>Queues an upsert of one row into the session's transaction.</summary>
    public static void Queue(IDocumentSession session, string schema, string kind, string id, byte[] body) =>
        session.QueueSqlCommand(
            $"insert into \"{schema}\".{TableName} (kind, id, body) values (?, ?, ?) on conflict (kind, id) do update set body = excluded.body, written_at = now()",
            kind, id, body);

    /// <summary>One row's body, or null.</summary>
    public static async Task<byte[]?> ReadAsync(NpgsqlDataSource dataSource, string schema, string kind, string id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select body from \"{schema}\".{TableName} where kind = $1 and id = $2");
        cmd.Parameters.AddWithValue(kind);
        cmd.Parameters.AddWithValue(id);
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    /// <summary>Every row of a kind, by id.</summary>
    public static async IAsyncEnumerable<(string Id, byte[] Body)> ReadAllAsync(NpgsqlDataSource dataSource, string schema, string kind,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select id, body from \"{schema}\".{TableName} where kind = $1 order by id");
        cmd.Parameters.AddWithValue(kind);
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            yield return (reader.GetString(0), await reader.GetFieldValueAsync<byte[]>(1, ct));
        }
    }
}
