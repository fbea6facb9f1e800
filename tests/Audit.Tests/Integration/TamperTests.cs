using Monitoring.Audit.Tests.Support;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Integration;

/// <summary>
/// For one store written by its own service: the clean store verifies; each kind of after-the-fact edit by someone with
/// database access is detected and located (store, sequence, what differs); a tampered export fails offline; the auditor's
/// role reads and cannot change anything; an erased body keeps the chain verifiable.
/// </summary>
public abstract class TamperTests<T>(T store) : IAsyncLifetime where T : StoreFixture
{
    protected T Store { get; } = store;

    private string Events => $"\"{Store.Schema}\".mt_events";

    /// <summary>The view with one row per sequence number (reads).</summary>
    private string Chain => $"\"{Store.Schema}\".audit_chain";

    /// <summary>The table the follower writes: one row per page, the entries packed (<see cref="ChainTable"/>).</summary>
    private string Pages => $"\"{Store.Schema}\".audit_chain_page";

    public Task InitializeAsync() => Store.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GivenCleanStore_WhenVerified_ThenEveryEventGapAndCheckpointChecks()
    {
        var report = await Store.VerifyAsync();
        Assert.True(report.Ok, report.ToString());
        Assert.True(report.Events >= 8, report.ToString());
        Assert.True(report.Gaps >= 1, report.ToString()); // ours, and any the service's own failed appends left (the router retries conflicts)
        Assert.Equal(0, report.Unchained);
        Assert.True(report.CheckpointsVerified >= 2, report.ToString());
        Assert.Equal(LinkKind.Gap, (LinkKind)await Store.ScalarAsync<short>($"select kind from {Chain} where seq = {Store.GapSequence}"));

        var (code, output) = await Store.CliAsync("verify", "--store", Store.Store, "--checkpoints", Store.Signer.Checkpoints, "--keys", Store.Signer.TrustedKeys);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task GivenOneEventsJsonChanged_WhenVerified_ThenThatEventIsNamedAsAltered()
    {
        var seq = (await Store.EventSequencesAsync())[3];
        await Store.ExecAsync($"update {Events} set data = data || '{{\"edited\": true}}' where seq_id = {seq}");
        var first = await FirstProblemAsync();
        Assert.Equal(("altered", seq), (first.Kind, first.Sequence));
        Assert.Contains("data", first.Detail);

        var (code, output) = await Store.CliAsync("verify", "--store", Store.Store, "--checkpoints", Store.Signer.Checkpoints, "--keys", Store.Signer.TrustedKeys);
        Assert.Equal(1, code);
        Assert.Contains($"{Store.Store} seq {seq}: altered", output);
    }

    [Fact]
    public async Task GivenOneRowDeleted_WhenVerified_ThenItIsNamedAsDeleted()
    {
        var seq = (await Store.EventSequencesAsync())[2];
        await Store.ExecAsync($"delete from {Events} where seq_id = {seq}");
        var first = await FirstProblemAsync();
        Assert.Equal(("deleted", seq), (first.Kind, first.Sequence));
    }

    [Fact]
    public async Task GivenARowInsertedAtARolledBackSequence_WhenVerified_ThenItIsNamedAsInserted()
    {
        var source = (await Store.EventSequencesAsync())[1];
        await Store.ExecAsync($"""
            create temp table forged as select * from {Events} where seq_id = {source};
            update forged set seq_id = {Store.GapSequence}, id = gen_random_uuid(), version = version + 1000;
            insert into {Events} select * from forged;
            drop table forged;
            """);
        var first = await FirstProblemAsync();
        Assert.Equal(("inserted", Store.GapSequence), (first.Kind, first.Sequence));
    }

    [Fact]
    public async Task GivenTwoEventsSwapped_WhenVerified_ThenTheFirstIsNamedAsReordered()
    {
        var seqs = await Store.EventSequencesAsync();
        var (a, b) = (seqs[4], seqs[5]);
        await Store.ExecAsync($"""
            update {Events} set seq_id = -1 where seq_id = {a};
            update {Events} set seq_id = {a} where seq_id = {b};
            update {Events} set seq_id = {b} where seq_id = -1;
            """);
        var report = await Store.VerifyAsync();
        Assert.Equal(("reordered", a), (report.Problems[0].Kind, report.Problems[0].Sequence));
        Assert.Contains(report.Problems, p => p.Kind == "reordered" && p.Sequence == b);
    }

    [Fact]
    public async Task GivenTailCutAfterACheckpoint_WhenVerified_ThenTruncationIsReported()
    {
        var last = Store.Signer.Read(Store.Store)[^1].Sequence;
        var cut = (await Store.EventSequencesAsync()).Last(s => s < last);
        // An insider removes the newest events and their links alike: the chain left behind is self-consistent.
        await Store.ExecAsync($"""
            delete from {Events} where seq_id >= {cut};
            delete from {Pages} where first_seq >= {cut};
            update {Pages} set last_seq = {cut} - 1, entries = substr(entries, 1, ({cut} - first_seq)::int * {ChainTable.Stride}) where last_seq >= {cut};
            """);
        var report = await Store.VerifyAsync();
        Assert.Equal("truncated", report.Problems[0].Kind);
        Assert.True(report.Problems[0].Sequence >= cut, report.ToString());
        Assert.All(report.Problems, p => Assert.Equal("truncated", p.Kind));
        Assert.Contains(report.Problems, p => p.Sequence == last);
    }

    [Fact]
    public async Task GivenEventAndChainRewrittenConsistently_WhenVerified_ThenTheSignedCheckpointDisagrees()
    {
        var seq = (await Store.EventSequencesAsync())[2];
        await Store.ExecAsync($"update {Events} set data = data || '{{\"edited\": true}}' where seq_id = {seq}");
        await RechainAsync(from: seq);
        var report = await Store.VerifyAsync();
        Assert.False(report.Ok);
        Assert.All(report.Problems, p => Assert.Equal("checkpoint", p.Kind));
        Assert.True(report.Problems[0].Sequence >= seq, report.ToString());
    }

    [Fact]
    public async Task GivenOneLinkInThePagesChanged_WhenVerified_ThenThatSequenceIsNamed()
    {
        var seq = (await Store.EventSequencesAsync())[3];
        await Store.ExecAsync($"update {Pages} set entries = overlay(entries placing '\\x{new string('7', 64)}'::bytea from ({seq} - first_seq)::int * {ChainTable.Stride} + 2 for 32) where {seq} between first_seq and last_seq");
        var report = await Store.VerifyAsync();
        Assert.Equal(("altered", seq), (report.Problems[0].Kind, report.Problems[0].Sequence));
        Assert.Contains("link", report.Problems[0].Detail);
    }

    [Fact]
    public async Task GivenAPageCutShort_WhenVerified_ThenThePageIsNamedAsChainAlteredAndItsEventsAsUnlinked()
    {
        var seq = (await Store.EventSequencesAsync())[3];
        var first = await Store.ScalarAsync<long>($"select first_seq from {Pages} where {seq} between first_seq and last_seq");
        // The table's check constraint refuses such a page; an insider with the owner's rights drops it first.
        await Store.ExecAsync($"alter table {Pages} drop constraint audit_chain_page_shape; update {Pages} set entries = substr(entries, 1, octet_length(entries) - 1) where first_seq = {first}");
        try
        {
            var report = await Store.VerifyAsync();
            Assert.Equal(("chain-altered", first), (report.Problems[0].Kind, report.Problems[0].Sequence));
            Assert.Contains(report.Problems, p => p.Kind == "inserted" && p.Sequence == seq);
        }
        finally
        {
            await Store.RestoreAsync();
            await Store.ExecAsync($"alter table {Pages} add constraint audit_chain_page_shape check (last_seq >= first_seq and octet_length(entries) = (last_seq - first_seq + 1) * {ChainTable.Stride})");
        }
    }

    [Fact]
    public async Task GivenExport_WhenOneLineIsEdited_ThenOfflineVerifyNamesIt()
    {
        var file = Path.Combine(Path.GetTempPath(), $"audit-export-{Guid.NewGuid():N}.ndjson");
        try
        {
            var (code, output) = await Store.CliAsync("export", "--store", Store.Store, "--from-seq", "1", "--to-seq", "1000000",
                "--checkpoints", Store.Signer.Checkpoints, "--out", file);
            Assert.True(code == 0, output);
            (code, output) = await Store.CliAsync("verify", "--export", file, "--keys", Store.Signer.TrustedKeys);
            Assert.True(code == 0, output);
            Assert.Contains("OK", output);

            var lines = await File.ReadAllLinesAsync(file);
            var index = Array.FindIndex(lines, l => l.Contains("\"kind\":\"event\"") && l.Contains("\"data\":{"));
            var seq = System.Text.Json.JsonDocument.Parse(lines[index]).RootElement.GetProperty("seq").GetInt64();
            lines[index] = lines[index].Replace("\"data\":{", "\"data\":{\"edited\": true, ");
            await File.WriteAllLinesAsync(file, lines);
            (code, output) = await Store.CliAsync("verify", "--export", file, "--keys", Store.Signer.TrustedKeys);
            Assert.Equal(1, code);
            Assert.Contains($"{Store.Store} seq {seq}: altered", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task GivenAuditorRole_WhenItTriesToChangeAnything_ThenPostgreSqlRefuses()
    {
        var report = await ChainVerifier.VerifyAsync(Store.Auditor, Store.Store, Store.Schema, [], new Dictionary<string, byte[]>());
        Assert.True(report.Events > 0);
        foreach (var sql in new[]
                 {
                     $"update {Events} set data = data || '{{\"x\": 1}}'", $"delete from {Pages}", $"truncate {Events}",
                     $"insert into {Pages} (first_seq, last_seq, entries) values (-5, -5, '\\x00')", $"update {Pages} set entries = entries || entries",
                     $"create table \"{Store.Schema}\".evil (x int)",
                 })
        {
            await using var cmd = Store.Auditor.CreateCommand(sql);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Contains(ex.SqlState, new[] { "25006", "42501" }); // read-only transaction, insufficient privilege
        }
    }

    [Fact]
    public async Task GivenErasureRequest_WhenBodyIsRedacted_ThenContentIsGoneAndChainStillVerifies()
    {
        var seq = (await Store.EventSequencesAsync())[1];
        var before = await Store.ScalarAsync<string>($"select data::text from {Events} where seq_id = {seq}");
        var (code, output) = await Store.CliAsAsync(TestInfrastructure.PostgresConnectionString, "redact", "--store", Store.Store, "--seq", seq.ToString());
        Assert.True(code == 0, output);
        var after = await Store.ScalarAsync<string>($"select data::text from {Events} where seq_id = {seq}");
        Assert.NotEqual(before, after);
        Assert.Contains(Redaction.Key, after);

        var report = await Store.VerifyAsync();
        Assert.True(report.Ok, report.ToString());
        Assert.Equal(1, report.Redacted);
    }

    private async Task<Problem> FirstProblemAsync()
    {
        var report = await Store.VerifyAsync();
        Assert.False(report.Ok, "verification should have failed");
        return report.Problems[0];
    }

    /// <summary>What an insider who knows the algorithm (but not the signer's key) does: recompute the links after an edit.</summary>
    private async Task RechainAsync(long from)
    {
        var link = await Store.ScalarAsync<byte[]>($"select link from {Chain} where seq < {from} order by seq desc limit 1");
        await using var conn = await Store.Owner.OpenConnectionAsync();
        var sql = (await StoreSql.TryLoadAsync(conn, Store.Schema, default))!;
        var rows = new List<(long Seq, LinkKind Kind, EventRecord? E)>();
        await using (var cmd = new NpgsqlCommand($"select c.seq, c.kind, {sql.EventColumns} from {Chain} c left join {Events} e on e.seq_id = c.seq where c.seq >= {from} order by c.seq", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) rows.Add((r.GetInt64(0), (LinkKind)r.GetInt16(1), r.IsDBNull(2) ? null : StoreSql.ReadEvent(r, 2)));
        }

        foreach (var (seq, kind, e) in rows)
        {
            if (kind == LinkKind.Gap)
            {
                link = ChainHash.Link(link, seq, LinkKind.Gap, []);
                await Exec(conn, $"update {Pages} set entries = overlay(entries placing @l from ({seq} - first_seq)::int * {ChainTable.Stride} + 2 for 32) where {seq} between first_seq and last_seq", ("l", link));
                continue;
            }

            var dataHash = ChainHash.Of(e!.Data);
            link = ChainHash.Link(link, seq, LinkKind.Event, ChainHash.Content(e, dataHash, ChainHash.Of(e.Meta)));
            await Exec(conn, $"""
                update {Pages} set entries = overlay(overlay(entries placing @l from ({seq} - first_seq)::int * {ChainTable.Stride} + 2 for 32)
                                           placing @d from ({seq} - first_seq)::int * {ChainTable.Stride} + 66 for 32)
                where {seq} between first_seq and last_seq
                """, ("l", link), ("d", dataHash));
        }
    }

    private static async Task Exec(NpgsqlConnection conn, string sql, params (string Name, byte[] Value)[] ps)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (n, v) in ps) cmd.Parameters.AddWithValue(n, v);
        await cmd.ExecuteNonQueryAsync();
    }
}

public sealed class IngestTamperTests(IngestFixture store) : TamperTests<IngestFixture>(store), IClassFixture<IngestFixture>;

public sealed class DriftTamperTests(DriftFixture store) : TamperTests<DriftFixture>(store), IClassFixture<DriftFixture>
{
    [Fact]
    public async Task AsOf_EqualsThePolicyVersionsTheServiceReportedThen()
    {
        var (at, versions) = Store.Recorded;
        Assert.Equal(DriftFixture.Deployments, versions.Count);
        var view = await AuditViews.AsOfAsync(Store.Auditor, Store.Schema, null, at);
        Assert.Equal(versions.OrderBy(v => v.Key), view.Policies.Select(p => KeyValuePair.Create(p.Deployment, p.Version)).OrderBy(v => v.Key));
        var now = await AuditViews.AsOfAsync(Store.Auditor, Store.Schema, null, DateTimeOffset.UtcNow);
        Assert.All(now.Policies, p => Assert.Equal(2, p.Version)); // the state moved on after the recorded instant
    }
}

public sealed partial class AlertsTamperTests(AlertsFixture store) : TamperTests<AlertsFixture>(store), IClassFixture<AlertsFixture>
{
    [Fact]
    public async Task AsOf_EqualsTheAlertStatesTheServiceReportedThen()
    {
        var (at, statuses) = Store.Recorded;
        Assert.Equal(4, statuses.Count);
        var view = await AuditViews.AsOfAsync(Store.Auditor, null, Store.Schema, at);
        Assert.Equal(statuses.OrderBy(s => s.Key), view.Alerts.Select(a => KeyValuePair.Create(a.AlertId, a.Status)).OrderBy(s => s.Key));
        Assert.Contains(statuses.Values, s => s == "Acknowledged");
        var now = await AuditViews.AsOfAsync(Store.Auditor, null, Store.Schema, DateTimeOffset.UtcNow);
        Assert.Contains(now.Alerts, a => a.Status == "Resolved");
        Assert.NotNull(view.RoutingVersion);
    }

    [Fact]
    public async Task GivenAlertDocumentEdited_WhenVerified_ThenTheStateRebuiltFromEventsDisagrees()
    {
        var (code, output) = await Store.CliAsync("verify", "--store", "alerts", "--checkpoints", Store.Signer.Checkpoints, "--keys", Store.Signer.TrustedKeys);
        Assert.True(code == 0, output);
        await Store.ExecAsync($$"""update "{{Store.Schema}}".mt_doc_alert set data = jsonb_set(data, '{Status}', '"Resolved"') where data->>'Status' = 'Open'""");
        (code, output) = await Store.CliAsync("verify", "--store", "alerts", "--checkpoints", Store.Signer.Checkpoints, "--keys", Store.Signer.TrustedKeys);
        Assert.Equal(1, code);
        Assert.Contains("document: alert", output);
    }
}
