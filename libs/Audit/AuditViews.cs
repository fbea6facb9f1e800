using Npgsql;

namespace Monitoring.Audit;

/// <summary>A monitoring policy version in force.</summary>
/// <param name="Deployment">Deployment key.</param>
/// <param name="Version">Policy version.</param>
/// <param name="Hash">Content hash recorded with the version.</param>
/// <param name="Sequence">Sequence of its <c>policy_activated</c> event in the drift store.</param>
public sealed record PolicyAt(string Deployment, int Version, string Hash, long Sequence);

/// <summary>A finding open at the instant.</summary>
/// <param name="FindingId">Finding id.</param>
/// <param name="Deployment">Deployment key.</param>
/// <param name="Kind">Finding kind.</param>
/// <param name="Severity">Latest severity.</param>
public sealed record FindingAt(string FindingId, string Deployment, string Kind, string Severity);

/// <summary>An alert and its status at the instant.</summary>
/// <param name="AlertId">Alert id (its stream).</param>
/// <param name="Status"><c>Open</c>, <c>Acknowledged</c> or <c>Resolved</c>.</param>
/// <param name="FindingId">Finding it stands for, if any.</param>
/// <param name="ConfigVersion">Routing configuration version it was raised under.</param>
public sealed record AlertAt(string AlertId, string Status, string? FindingId, string? ConfigVersion);

/// <summary>What the system knew at an instant, from chained events only.</summary>
/// <param name="At">The instant.</param>
/// <param name="Policies">Policy versions in force, per deployment.</param>
/// <param name="OpenFindings">Findings open.</param>
/// <param name="Alerts">Alerts raised by then, with their status then.</param>
/// <param name="RoutingVersion">Routing configuration in force.</param>
public sealed record AsOfView(DateTimeOffset At, IReadOnlyList<PolicyAt> Policies, IReadOnlyList<FindingAt> OpenFindings, IReadOnlyList<AlertAt> Alerts, string? RoutingVersion);

/// <summary>One entry of a deployment's timeline.</summary>
/// <param name="At">Commit time.</param>
/// <param name="Store">Store.</param>
/// <param name="Sequence">Sequence in that store.</param>
/// <param name="Type">Event type.</param>
/// <param name="Stream">Stream.</param>
/// <param name="Actor">Who (a person, a producer, or the service).</param>
/// <param name="Summary">The event's body, abbreviated.</param>
public sealed record TimelineEntry(DateTimeOffset At, string Store, long Sequence, string Type, string Stream, string? Actor, string Summary);

/// <summary>
/// The auditor's views, computed in SQL over chained events only (each query reads the events up to the chain's tail, <see cref="StoreSql.ChainedEvents"/>), so what they show
/// is covered by the verifiable history. Field names are read in both the services' casings.
/// </summary>
public static class AuditViews
{
    /// <summary>Which policies applied, which findings and alerts were open, which routing was in force at <paramref name="at"/>.</summary>
    /// <remarks>A null schema leaves its part out (each service's auditor API answers for its own store).</remarks>
    public static async Task<AsOfView> AsOfAsync(NpgsqlDataSource db, string? driftSchema, string? alertsSchema, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var policies = new List<PolicyAt>();
        var findings = new List<FindingAt>();
        var alerts = new List<AlertAt>();
        string? routing = null;
        if (driftSchema is not null)
        {
            await DriftAsync(conn, driftSchema, at, policies, findings, ct);
        }

        if (alertsSchema is not null)
        {
            routing = await AlertsAsync(conn, alertsSchema, at, alerts, ct);
        }

        return new AsOfView(at, policies, findings, alerts, routing);
    }

    private static async Task DriftAsync(NpgsqlConnection conn, string driftSchema, DateTimeOffset at, List<PolicyAt> policies, List<FindingAt> findings, CancellationToken ct)
    {
        await Each(conn, $"""
            select distinct on ({F("Deployment")}) {F("Deployment")}, ({F("Version")})::int, {F("Hash")}, e.seq_id
            from {StoreSql.ChainedEvents(driftSchema)} e
            where e.type = 'policy_activated' and e.timestamp <= @at order by {F("Deployment")}, e.seq_id desc
            """, at, r => policies.Add(new PolicyAt(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetInt64(3))), ct);
        await Each(conn, $"""
            select {F("FindingId")}, {F("Deployment")}, {F("Kind")},
                   (select {F("Severity", "u")} from {StoreSql.ChainedEvents(driftSchema)} u
                    where u.stream_id = e.stream_id and u.timestamp <= @at and {F("Severity", "u")} is not null order by u.seq_id desc limit 1)
            from {StoreSql.ChainedEvents(driftSchema)} e
            where e.type = 'finding_opened' and e.timestamp <= @at
              and not exists (select 1 from {StoreSql.ChainedEvents(driftSchema)} r
                              where r.stream_id = e.stream_id and r.type = 'finding_resolved' and r.timestamp <= @at)
            order by e.seq_id
            """, at, r => findings.Add(new FindingAt(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? "" : r.GetString(3))), ct);
    }

    private static async Task<string?> AlertsAsync(NpgsqlConnection conn, string alertsSchema, DateTimeOffset at, List<AlertAt> alerts, CancellationToken ct)
    {
        await Each(conn, $"""
            select e.stream_id::text,
                   (select case s.type when 'alert_acknowledged' then 'Acknowledged' when 'alert_resolved' then 'Resolved' else 'Open' end
                    from {StoreSql.ChainedEvents(alertsSchema)} s
                    where s.stream_id = e.stream_id and s.timestamp <= @at and s.type in ('alert_raised', 'alert_acknowledged', 'alert_resolved')
                    order by s.seq_id desc limit 1),
                   {F("FindingId")}, {F("ConfigVersion")}
            from {StoreSql.ChainedEvents(alertsSchema)} e
            where e.type = 'alert_raised' and e.timestamp <= @at order by e.seq_id
            """, at, r => alerts.Add(new AlertAt(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3))), ct);
        string? routing = null;
        await Each(conn, $"""
            select {F("Version")} from {StoreSql.ChainedEvents(alertsSchema)} e
            where e.type = 'routing_config_loaded' and e.timestamp <= @at order by e.seq_id desc limit 1
            """, at, r => routing = r.IsDBNull(0) ? null : r.GetString(0), ct);
        return routing;
    }

    /// <summary>
    /// Everything recorded about <paramref name="deployment"/> (policy versions, findings with evidence, alerts, acknowledgements,
    /// decisions, notifications), in time order, with actors; and the inference volume per day from the Ingest store.
    /// </summary>
    public static async Task<(IReadOnlyList<TimelineEntry> Events, IReadOnlyList<(DateOnly Day, long Inferences)> Volume)> TimelineAsync(
        NpgsqlDataSource db, string ingestSchema, string driftSchema, string alertsSchema, string deployment, string modelId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var entries = new List<TimelineEntry>();
        // Drift events name the deployment; alert streams carry the finding ids of that deployment's findings.
        var sql = $"""
            with d as (select e.seq_id, e.timestamp, e.type, e.stream_id::text as stream, e.data from {StoreSql.ChainedEvents(driftSchema)} e
                       where {F("Deployment")} = @d or e.stream_id::text in (select e2.stream_id::text from "{driftSchema}".mt_events e2 where e2.type = 'finding_opened' and {F("Deployment", "e2")} = @d)),
                 a as (select e.seq_id, e.timestamp, e.type, e.stream_id::text as stream, e.data from {StoreSql.ChainedEvents(alertsSchema)} e
                       where e.stream_id in (select r.stream_id from "{alertsSchema}".mt_events r where r.type = 'alert_raised'
                                             and {F("FindingId", "r")} in (select {F("FindingId", "f")} from d f where f.type = 'finding_opened')))
            select 'drift', seq_id, timestamp, type, stream, coalesce(data->>'Source', data->>'source'), left(data::text, 400) from d
            union all
            select 'alerts', seq_id, timestamp, type, stream, coalesce(data->>'By', data->>'by', data->>'Author', data->>'author'), left(data::text, 400) from a
            order by 3, 1, 2
            """;
        await using (var cmd = new NpgsqlCommand(sql, conn))
        {
            cmd.Parameters.AddWithValue("d", deployment);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                entries.Add(new TimelineEntry(new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero), r.GetString(0), r.GetInt64(1), r.GetString(3), r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6)));
            }
        }

        var volume = new List<(DateOnly, long)>();
        await using (var cmd = new NpgsqlCommand($"""
            select date_trunc('day', e.timestamp)::date, count(*) from {StoreSql.ChainedEvents(ingestSchema)} e
            where e.type = 'inference_recorded' and coalesce(e.data->'model'->>'id', e.data->'Model'->>'Id') = @m group by 1 order by 1
            """, conn))
        {
            cmd.Parameters.AddWithValue("m", modelId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) volume.Add((DateOnly.FromDateTime(r.GetDateTime(0)), r.GetInt64(1)));
        }

        return (entries, volume);
    }

    private static string F(string name, string alias = "e") =>
        $"coalesce({alias}.data->>'{name}', {alias}.data->>'{char.ToLowerInvariant(name[0])}{name[1..]}')";

    private static async Task Each(NpgsqlConnection conn, string sql, DateTimeOffset at, Action<NpgsqlDataReader> row, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("at", at.UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) row(r);
    }
}
