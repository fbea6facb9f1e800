using Marten;
using Npgsql;

namespace Monitoring.DriftDetector.Storage;

/// <summary>The Ingest event store, read through the subscription (see <see cref="Stores.ConfigureIngest"/>).</summary>
internal sealed class IngestStore(DocumentStore store, NpgsqlDataSource dataSource, string schema) : IAsyncDisposable
{
    public DocumentStore Store { get; } = store;
    public NpgsqlDataSource DataSource { get; } = dataSource;
    public string Schema { get; } = schema;

    /// <summary>Highest sequence in the Ingest store (the head the lag is measured against).</summary>
    public async Task<long> HeadAsync(CancellationToken ct)
    {
        await using var conn = await DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from \"{Schema}\".mt_events", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The W3C trace ids the Ingest recorded (<c>correlation_id</c>) for the events at <paramref name="sequences"/>: the producer
    /// request that delivered each one. Values that are not a trace id (a message correlation GUID of a plain AMQP producer) are left out.
    /// </summary>
    public async Task<Dictionary<long, string>> TraceIdsAsync(IReadOnlyCollection<long> sequences, CancellationToken ct)
    {
        var found = new Dictionary<long, string>();
        if (sequences.Count == 0) return found;
        await using var conn = await DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"select seq_id, correlation_id from \"{Schema}\".mt_events where seq_id = any(@seqs) and correlation_id is not null", conn);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("seqs", sequences.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(1);
            if (Monitoring.ServiceDefaults.TraceLink.IsTraceId(id)) found[reader.GetInt64(0)] = id;
        }

        return found;
    }

    /// <summary>Moves the subscription's progress row to <paramref name="sequence"/> (the detector's own checkpoint).</summary>
    public async Task SetProgressAsync(string shardName, long sequence, CancellationToken ct)
    {
        // Marten inserts the row on its first commit when it starts from 0 and updates it otherwise: mirror that.
        await using var conn = await DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sequence == 0
            ? $"delete from \"{Schema}\".mt_event_progression where name = @name"
            : $"insert into \"{Schema}\".mt_event_progression (name, last_seq_id) values (@name, @seq) on conflict (name) do update set last_seq_id = excluded.last_seq_id", conn);
        cmd.Parameters.AddWithValue("name", shardName);
        cmd.Parameters.AddWithValue("seq", sequence);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

/// <summary>The detector's own store on the "drift" schema.</summary>
internal sealed class DriftStore(DocumentStore store, NpgsqlDataSource dataSource, string schema) : IAsyncDisposable
{
    public DocumentStore Store { get; } = store;
    public NpgsqlDataSource DataSource { get; } = dataSource;
    public string Schema { get; } = schema;

    /// <summary>
    /// Deletes everything derived from the Ingest history (finding and reconciliation streams, snapshots, views); keeps the
    /// policy history and the publish ledger, so a replay applies the same policies and does not page anyone twice.
    /// </summary>
    public async Task ResetDerivedAsync(CancellationToken ct)
    {
        await using var conn = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var sql in new[]
        {
            $"delete from \"{Schema}\".mt_events where stream_id like 'finding:%' or stream_id like 'reconciliation:%' or stream_id like 'change:%'",
            $"delete from \"{Schema}\".mt_streams where id like 'finding:%' or id like 'reconciliation:%' or id like 'change:%'",
            $"delete from \"{Schema}\".mt_doc_changeview",
            $"delete from \"{Schema}\".mt_doc_detectorcheckpoint",
            $"delete from \"{Schema}\".mt_doc_findingsprogress",
            $"delete from \"{Schema}\".mt_doc_deploymentsnapshot",
            $"delete from \"{Schema}\".mt_doc_referencesnapshot",
            $"delete from \"{Schema}\".{SnapshotRows.TableName}",
            $"delete from \"{Schema}\".mt_doc_deploymentstatusview",
            $"delete from \"{Schema}\".mt_doc_findingview",
        })
        {
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
