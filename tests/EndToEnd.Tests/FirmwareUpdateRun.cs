using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.EndToEnd.Latency;
using Monitoring.Simulator;
using Monitoring.Simulator.Cli;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;
using Npgsql;

namespace Monitoring.EndToEnd.Tests;

/// <summary>A finding or change opening as the detector stored it, with the Ingest event that decided it.</summary>
/// <remarks><paramref name="Scope"/>: the finding's scope key (<c>site=site-b&amp;manufacturer=SIEMENS</c>); a change's root scope when it opened.</remarks>
internal sealed record Opening(string Id, string Type, string? ChangeId, long IngestSequence, string Scope);

/// <summary>An alert as the AlertRouter stored it.</summary>
internal sealed record RouterAlert(Guid Id, string Source, string? ChangeId, string? TraceId, IReadOnlyList<string> FindingIds, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// One run of the whole product, once per suite: the simulator's firmware-update scenario (the demo's: 21 days, change on
/// day 10, seed 42) sent over HTTP to the real Ingest, the real DriftDetector and AlertRouter as processes on the local
/// PostgreSQL and RabbitMQ (own schemas and virtual host), notifications to a real webhook receiver and a real SMTP server.
/// It waits until everything sent is stored, decided, routed and delivered, then snapshots what each part holds.
/// </summary>
public sealed class FirmwareUpdateRun : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);
    private readonly TracingProducerHandler producer = new();
    private readonly WebhookInbox inbox = new();
    private Stack? stack;
    private SmtpSink? smtp;
    private string? routingFile;

    internal long Sent { get; private set; }
    internal long Stored { get; private set; }
    internal IReadOnlyList<Opening> Findings { get; private set; } = [];
    internal IReadOnlyList<Opening> Changes { get; private set; } = [];
    internal IReadOnlyList<RouterAlert> Alerts { get; private set; } = [];
    internal IReadOnlyDictionary<string, Guid> FindingLinks { get; private set; } = new Dictionary<string, Guid>();
    internal IReadOnlyDictionary<long, (string StreamId, string? TraceId)> DecidingEvents { get; private set; } = new Dictionary<long, (string, string?)>();
    internal IReadOnlyList<WebhookDelivery> Webhooks { get; private set; } = [];
    internal IReadOnlyList<string> Emails { get; private set; } = [];

    /// <summary>Failed delivery attempts the router recorded (alert id, delivery id, error): each may explain one redelivered copy.</summary>
    internal IReadOnlyList<(Guid AlertId, Guid DeliveryId, string Error)> FailedAttempts { get; private set; } = [];
    internal IReadOnlyDictionary<string, TracedRequest> Requests => producer.Requests;
    internal string InjectedChange { get; private set; } = "";

    /// <summary>
    /// For a failure message, collected only when the run did not end with one change and one incident: the detector's finding
    /// and change events in store order (sequence, type, ids, scope, signal) and the warnings and errors of its log. One change
    /// has once been split in two on a loaded machine and never in a replay of the same traffic through the pure core, in
    /// storage orders shuffled by kind (see docs/benchmarks.md).
    /// </summary>
    internal string Diagnosis { get; private set; } = "";

    /// <summary>The last lines of each service's log, for failure messages.</summary>
    internal string Logs => stack is null ? "" : string.Join("\n", stack.Children.Select(c => $"--- {c.Name}\n{c.Tail(25)}"));

    public async Task InitializeAsync()
    {
        var root = Monitoring.TestSupport.Repository.Root;
        smtp = await SmtpSink.StartAsync();
        await inbox.StartAsync();
        routingFile = Path.Combine(Path.GetTempPath(), $"e2e-routing-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(routingFile, RoutingYaml(inbox.Url, smtp.Port));
        stack = new Stack(root, Guid.NewGuid().ToString("N")[..8]);
        await stack.StartAsync(Path.Combine(root, "deploy", "policies"), routingFile);

        // The simulator as its command line runs it (the demo's scenario), through its own HTTP sink; only the client is ours.
        var command = CommandLine.Parse(["--scenario", "firmware-update", "--days", "21", "--change-day", "10", "--seed", "42", "--sink", "none"]);
        var generator = new TrafficGenerator(command.Settings);
        InjectedChange = string.Join("; ", generator.Scenario.Changes.Select(c => c.Description));
        using var client = new HttpClient(producer, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(100) };
        await using (var sink = new HttpIngestSink(new HttpSinkOptions { BaseAddress = new Uri(stack.IngestUrl), ApiKey = "dev-producer-key" }, client))
        {
            Sent = (await SimulationRunner.RunAsync(generator, sink)).Statistics.Events;
        }

        await using var db = await NpgsqlDataSource.Create(Stack.PostgresConnection).OpenConnectionAsync();
        await WaitAsync("every accepted event stored", async () => (Stored = await ScalarAsync(db, $"select count(*) from {stack.IngestSchema}.mt_events")) >= Sent);
        var head = await ScalarAsync(db, $"select max(seq_id) from {stack.IngestSchema}.mt_events");
        await WaitAsync("the detector through the Ingest head", async () =>
            await ScalarAsync(db, $"select coalesce(max(last_seq_id), 0) from {stack.IngestSchema}.mt_event_progression where name like 'DriftDetector%'") >= head);
        await WaitAsync("every finding and change published", async () =>
            await ScalarAsync(db, $"select coalesce(max(last_seq_id), 0) from {stack.DriftSchema}.mt_event_progression where name like 'FindingPublisher%'")
            >= await ScalarAsync(db, $"select coalesce(max(seq_id), 0) from {stack.DriftSchema}.mt_events"));

        Findings = await OpeningsAsync(db, "finding_opened", "FindingId");
        Changes = await OpeningsAsync(db, "change_opened", "ChangeId");
        var keys = Findings.Select(f => f.Id).Concat(Changes.Select(c => "change:" + c.Id)).ToList();
        await WaitAsync("every finding and change linked to an alert by the router", async () =>
            await ScalarAsync(db, $"select count(*) from {stack.AlertsSchema}.mt_doc_findinglink where id = any(@keys)", ("keys", keys.ToArray())) == keys.Count);
        await WaitAsync("every notification delivered (outbox empty)", async () =>
            await ScalarAsync(db, $"select count(*) from {stack.AlertsSchema}.mt_doc_pendingdelivery") == 0
            && await ScalarAsync(db, $"select count(distinct stream_id) from {stack.AlertsSchema}.mt_events where type = 'notification_sent'")
               >= await ScalarAsync(db, $"select count(*) from {stack.AlertsSchema}.mt_doc_alert"));

        Alerts = await AlertsAsync(db);
        if (Changes.Count != 1 || Alerts.Count(a => a.Source == "finding") != 1) Diagnosis = await DiagnosisAsync(db);
        FindingLinks = await LinksAsync(db);
        DecidingEvents = await DecidingEventsAsync(db, Findings.Concat(Changes).Select(o => o.IngestSequence).Distinct().ToArray());
        FailedAttempts = await FailedAttemptsAsync(db);
        Webhooks = inbox.Deliveries;
        Emails = smtp.Messages();
    }

    private static string RoutingYaml(string webhook, int smtpPort) => $$"""
        # End-to-end test routing: every alert its own group, sent at once, to a webhook and a mailbox; the system's own
        # health conditions to a separate webhook path, so the incident receivers see findings only.
        route:
          receiver: incidents
          group_by: ['...']
          group_wait: 0s
          group_interval: 1h
          repeat_interval: 24h
          routes:
            - matchers: ['source="health"']
              receiver: platform
        receivers:
          - name: incidents
            webhook_configs: [{ url: "{{webhook}}/incidents" }]
            email_configs:
              - to: safety@e2e.invalid
                from: alert-router@e2e.invalid
                smarthost: 127.0.0.1:{{smtpPort}}
          - name: platform
            webhook_configs: [{ url: "{{webhook}}/platform" }]
        """;

    private async Task<IReadOnlyList<Opening>> OpeningsAsync(NpgsqlConnection db, string type, string idField)
    {
        var list = new List<Opening>();
        await using var cmd = new NpgsqlCommand(
            $"select data->>'{idField}', data->>'ChangeId', (data->>'IngestSequence')::bigint, coalesce(data->>'Scope', data->>'RootScope', '') from {stack!.DriftSchema}.mt_events where type = @type order by seq_id", db);
        cmd.Parameters.AddWithValue("type", type);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(new Opening(r.GetString(0), type, r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2), r.GetString(3)));
        return list;
    }

    private async Task<string> DiagnosisAsync(NpgsqlConnection db)
    {
        var lines = new List<string> { "drift events (ingest sequence, type, finding/change, scope, signal):" };
        await using (var cmd = new NpgsqlCommand(
            $"select data->>'IngestSequence', type, coalesce(data->>'FindingId', ''), coalesce(data->>'ChangeId', ''), coalesce(data->>'Scope', data->>'RootScope', ''), " +
            $"coalesce(data->'Evidence'->>'Signal', '') from {stack!.DriftSchema}.mt_events where type like 'finding_%' or type like 'change_%' order by seq_id", db))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) lines.Add($"  {(r.IsDBNull(0) ? "-" : r.GetString(0))} {r.GetString(1)} {r.GetString(2)} {r.GetString(3)} {r.GetString(4)} {r.GetString(5)}");
        }

        var detector = stack.Children.FirstOrDefault(c => c.Name == "DriftDetector");
        if (detector is not null && File.Exists(detector.LogPath))
        {
            lines.Add($"DriftDetector log, warnings and errors ({detector.LogPath}):");
            using var stream = new FileStream(detector.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Contains("warn", StringComparison.OrdinalIgnoreCase) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)
                    || line.Contains("error", StringComparison.OrdinalIgnoreCase)) lines.Add("  " + line);
            }
        }

        return string.Join("\n", lines.Take(400));
    }

    private async Task<IReadOnlyList<RouterAlert>> AlertsAsync(NpgsqlConnection db)
    {
        var list = new List<RouterAlert>();
        await using var cmd = new NpgsqlCommand($"select data from {stack!.AlertsSchema}.mt_doc_alert", db);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            using var doc = JsonDocument.Parse(r.GetString(0));
            var a = doc.RootElement;
            var labels = a.GetProperty("Labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            list.Add(new RouterAlert(a.GetProperty("Id").GetGuid(), labels.GetValueOrDefault("source", ""),
                a.TryGetProperty("ChangeId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
                a.TryGetProperty("TraceId", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null,
                a.GetProperty("FindingIds").EnumerateArray().Select(f => f.GetString()!).ToList(), labels));
        }

        return list;
    }

    private async Task<IReadOnlyList<(Guid, Guid, string)>> FailedAttemptsAsync(NpgsqlConnection db)
    {
        var list = new List<(Guid, Guid, string)>();
        await using var cmd = new NpgsqlCommand(
            $"select stream_id, (data->>'DeliveryId')::uuid, data->>'Error' from {stack!.AlertsSchema}.mt_events where type = 'notification_failed' order by seq_id", db);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), r.GetGuid(1), r.GetString(2)));
        return list;
    }

    private async Task<IReadOnlyDictionary<string, Guid>> LinksAsync(NpgsqlConnection db)
    {
        var links = new Dictionary<string, Guid>();
        await using var cmd = new NpgsqlCommand($"select id, (data->>'AlertId')::uuid from {stack!.AlertsSchema}.mt_doc_findinglink", db);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) links[r.GetString(0)] = r.GetGuid(1);
        return links;
    }

    private async Task<IReadOnlyDictionary<long, (string, string?)>> DecidingEventsAsync(NpgsqlConnection db, long[] sequences)
    {
        var events = new Dictionary<long, (string, string?)>();
        await using var cmd = new NpgsqlCommand($"select seq_id, stream_id, correlation_id from {stack!.IngestSchema}.mt_events where seq_id = any(@s)", db);
        cmd.Parameters.AddWithValue("s", sequences);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) events[r.GetInt64(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));
        return events;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, db);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        try
        {
            return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // the service has not created its schema yet
        }
    }

    private async Task WaitAsync(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Deadline) throw new TimeoutException($"not {what} within {Deadline.TotalMinutes:0} min\n{Logs}");
            await Task.Delay(500);
        }
    }


    public async Task DisposeAsync()
    {
        if (stack is not null) await stack.DisposeAsync();
        await inbox.DisposeAsync();
        if (smtp is not null) await smtp.DisposeAsync();
        if (routingFile is not null) File.Delete(routingFile);
        producer.Dispose();
    }
}
