using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// Rebuilds the state the APIs serve from the chained events and compares it with the stored documents: each alert's status
/// (<c>mt_doc_alert</c>, from <c>alert_raised</c> / <c>alert_acknowledged</c> / <c>alert_resolved</c>) and each finding's
/// open/resolved status (<c>mt_doc_findingview</c>, from <c>finding_opened</c> / <c>finding_resolved</c>). A document edited
/// behind the service's back, or a projection that diverged, shows as a <c>document</c> problem. The fuller views (evidence,
/// per-subgroup figures) are rebuilt by the services themselves (the DriftDetector's rebuild), not here.
/// </summary>
public static class DocumentCheck
{
    /// <summary>Adds a problem to <paramref name="report"/> for every document that disagrees with the events.</summary>
    public static async Task CompareAsync(NpgsqlDataSource db, string store, string schema, VerifyReport report, CancellationToken ct = default)
    {
        var sql = store switch
        {
            "alerts" => $"""
                select s.seq, d.id::text, coalesce(d.data->>'Status', d.data->>'status'), s.status from "{schema}".mt_doc_alert d
                join lateral (select e.seq_id as seq, case e.type when 'alert_acknowledged' then 'Acknowledged' when 'alert_resolved' then 'Resolved' else 'Open' end as status
                              from {StoreSql.ChainedEvents(schema)} e
                              where e.stream_id = d.id and e.type in ('alert_raised', 'alert_acknowledged', 'alert_resolved')
                              order by e.seq_id desc limit 1) s on true
                where coalesce(d.data->>'Status', d.data->>'status') is distinct from s.status order by s.seq
                """,
            "drift" => $"""
                select s.seq, d.id, coalesce(d.data->>'Status', d.data->>'status'), s.status from "{schema}".mt_doc_findingview d
                join lateral (select e.seq_id as seq, case e.type when 'finding_resolved' then 'resolved' else 'open' end as status
                              from {StoreSql.ChainedEvents(schema)} e
                              where e.stream_id = 'finding:' || d.id and e.type in ('finding_opened', 'finding_resolved')
                              order by e.seq_id desc limit 1) s on true
                where coalesce(d.data->>'Status', d.data->>'status') is distinct from s.status order by s.seq
                """,
            _ => null,
        };
        if (sql is null) return;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("select to_regclass(@t) is not null", conn))
        {
            exists.Parameters.AddWithValue("t", $"\"{schema}\".{(store == "alerts" ? "mt_doc_alert" : "mt_doc_findingview")}");
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return;
        }

        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            report.Add(r.GetInt64(0), "document",
                $"{(store == "alerts" ? "alert" : "finding")} {r.GetString(1)} is '{(r.IsDBNull(2) ? "" : r.GetString(2))}' in the API's document but '{r.GetString(3)}' from the chained events");
        }
    }
}
