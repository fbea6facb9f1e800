using System.Text.Json;
using Monitoring.Audit;
using Npgsql;

namespace Monitoring.AuditTool;

/// <summary>
/// The auditor's command line. Database access uses the read-only auditor role (auditor-role.sql), from <c>--connection</c>
/// or <c>AUDIT_CONNECTION</c>. Stores are <c>ingest</c>, <c>drift</c>, <c>alerts</c>, each in the schema of the same name
/// unless <c>--schema-&lt;store&gt; NAME</c> says otherwise. Exit code 0: verified; 1: problems found; 2: usage.
/// </summary>
public static class AuditCli
{
    public const string Usage = """
        monitoring-audit verify [--store S]... --checkpoints DIR [--keys DIR]     recompute chains from the database
        monitoring-audit verify --export FILE [--keys DIR]                        verify an export alone (no database)
        monitoring-audit export --store S (--from T --to T | --from-seq N --to-seq N) [--checkpoints DIR] --out FILE
        monitoring-audit as-of T                                                  policies, findings, alerts, routing then (JSON)
        monitoring-audit timeline DEPLOYMENT --model MODEL_ID                     everything recorded about a deployment (JSON)
        monitoring-audit rederive [--from N] [--to N]                             rerun the detector on the Ingest history, compare findings
        monitoring-audit redact --store S --seq N                                 erase one event's body, keeping its hash (writer role)
        options: --connection CS, --schema-ingest/--schema-drift/--schema-alerts NAME
        """;

    private static readonly string[] AllStores = ["ingest", "drift", "alerts"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var a = new Args(args);
        try
        {
            return a.Command switch
            {
                "verify" when a.One("--export") is { } file => VerifyExport(file, a, stdout),
                "verify" => await VerifyAsync(a, stdout, ct),
                "export" => await ExportAsync(a, stdout, ct),
                "as-of" => await AsOfAsync(a, stdout, ct),
                "timeline" => await TimelineAsync(a, stdout, ct),
                "redact" => await RedactAsync(a, stdout, ct),
                "rederive" => await RederiveAsync(a, stdout, ct),
                _ => Fail(stderr, Usage),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidDataException or NpgsqlException or IOException)
        {
            return Fail(stderr, ex.Message);
        }
    }

    private static int VerifyExport(string file, Args a, TextWriter stdout)
    {
        using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var report = ExportVerifier.Verify(input, CheckpointDirectory.ReadKeys(a.One("--keys") ?? ""));
        return Print(stdout, [report]);
    }

    private static async Task<int> VerifyAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var checkpoints = a.One("--checkpoints") ?? "";
        var keys = CheckpointDirectory.ReadKeys(a.One("--keys") ?? Path.Combine(checkpoints, "keys"));
        var reports = new List<VerifyReport>();
        foreach (var store in a.Many("--store") is { Count: > 0 } s ? s.ToArray() : AllStores)
        {
            var report = await ChainVerifier.VerifyAsync(db, store, a.Schema(store), CheckpointDirectory.Read(checkpoints, store), keys, ct);
            await DocumentCheck.CompareAsync(db, store, a.Schema(store), report, ct);
            reports.Add(report);
        }

        return Print(stdout, reports);
    }

    private static async Task<int> ExportAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var store = a.One("--store") ?? throw new ArgumentException("--store is required");
        var (from, to) = a.One("--from-seq") is { } fs
            ? (long.Parse(fs), long.Parse(a.One("--to-seq") ?? long.MaxValue.ToString()))
            : await ExportWriter.RangeAsync(db, a.Schema(store), DateTimeOffset.Parse(a.One("--from") ?? throw new ArgumentException("--from is required")),
                DateTimeOffset.Parse(a.One("--to") ?? throw new ArgumentException("--to is required")), ct);
        var output = a.One("--out") ?? throw new ArgumentException("--out is required");
        await using var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var lines = await ExportWriter.WriteAsync(db, store, a.Schema(store), from, to, CheckpointDirectory.Read(a.One("--checkpoints") ?? "", store), file, ct);
        await stdout.WriteLineAsync($"exported {lines} sequence numbers of {store} ({from}..{to}) to {output}");
        return 0;
    }

    private static async Task<int> AsOfAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var at = DateTimeOffset.Parse(a.Positional ?? throw new ArgumentException("as-of needs an instant (ISO 8601)"));
        var view = await AuditViews.AsOfAsync(db, a.Schema("drift"), a.Schema("alerts"), at, ct);
        await stdout.WriteLineAsync(JsonSerializer.Serialize(view, Json));
        return 0;
    }

    private static async Task<int> TimelineAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var deployment = a.Positional ?? throw new ArgumentException("timeline needs a deployment key");
        var (events, volume) = await AuditViews.TimelineAsync(db, a.Schema("ingest"), a.Schema("drift"), a.Schema("alerts"), deployment,
            a.One("--model") ?? deployment, ct);
        await stdout.WriteLineAsync(JsonSerializer.Serialize(new { deployment, volume = volume.Select(v => new { day = v.Day, inferences = v.Inferences }), events }, Json));
        return 0;
    }

    private static async Task<int> RederiveAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var result = await Monitoring.DriftDetector.Rebuild.Rederivation.RunAsync(db, a.Schema("ingest"), a.Schema("drift"),
            long.Parse(a.One("--from") ?? "1"), long.Parse(a.One("--to") ?? long.MaxValue.ToString()), ct);
        await stdout.WriteLineAsync($"rederive: {result.IngestEvents} ingest events replayed under {result.PolicyVersions} recorded policy version(s); " +
            $"{result.Recorded} finding events recorded, {result.Rederived} re-derived, {result.Differences.Count} difference(s)");
        foreach (var d in result.Differences.Take(50))
        {
            await stdout.WriteLineAsync($"  {d.Kind}: {d.Key}");
        }

        return result.Differences.Count == 0 ? 0 : 1;
    }

    private static async Task<int> RedactAsync(Args a, TextWriter stdout, CancellationToken ct)
    {
        await using var db = DataSource(a);
        var store = a.One("--store") ?? throw new ArgumentException("--store is required");
        var seq = long.Parse(a.One("--seq") ?? throw new ArgumentException("--seq is required"));
        await using var conn = await db.OpenConnectionAsync(ct);
        string data;
        await using (var read = new NpgsqlCommand($"select data::text from \"{a.Schema(store)}\".mt_events where seq_id = @s", conn))
        {
            read.Parameters.AddWithValue("s", seq);
            data = await read.ExecuteScalarAsync(ct) as string ?? throw new ArgumentException($"no event at {seq}");
        }

        var marker = Redaction.Marker(Redaction.DataHash(data, out _));
        await using var update = new NpgsqlCommand($"update \"{a.Schema(store)}\".mt_events set data = @m::jsonb where seq_id = @s", conn);
        update.Parameters.AddWithValue("m", marker);
        update.Parameters.AddWithValue("s", seq);
        await update.ExecuteNonQueryAsync(ct);
        await stdout.WriteLineAsync($"redacted {store} seq {seq}: body replaced by {marker}");
        return 0;
    }

    private static int Print(TextWriter stdout, IReadOnlyList<VerifyReport> reports)
    {
        foreach (var r in reports)
        {
            stdout.WriteLine(r.ToString());
            foreach (var p in r.Problems.Take(50)) stdout.WriteLine("  " + p);
        }

        return reports.All(r => r.Ok) ? 0 : 1;
    }

    private static NpgsqlDataSource DataSource(Args a) =>
        NpgsqlDataSource.Create(a.One("--connection") ?? Environment.GetEnvironmentVariable("AUDIT_CONNECTION")
            ?? throw new ArgumentException("--connection or AUDIT_CONNECTION (the auditor role's connection string) is required"));

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine(message);
        return 2;
    }

    private sealed class Args(string[] args)
    {
        public string? Command => args.FirstOrDefault();

        public string? Positional => args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : null;

        public string? One(string name) => Many(name).LastOrDefault();

        public List<string> Many(string name)
        {
            var values = new List<string>();
            for (var i = 0; i < args.Length - 1; i++)
            {
                if (args[i] == name) values.Add(args[i + 1]);
            }

            return values;
        }

        public string Schema(string store) => One("--schema-" + store) ?? store;
    }
}
