using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.AuditTool;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Support;

/// <summary>
/// One store filled by its own service (in process, against the real PostgreSQL and RabbitMQ) while that service's chaining
/// follower chains it and the real signer signs checkpoints; a rolled-back transaction leaves a real gap in the middle. The
/// service is then stopped and the two tables are copied, so each test restores the clean store, tampers with it and verifies.
/// </summary>
public abstract class StoreFixture : IAsyncLifetime
{
    public const string AuditorRole = "monitoring_auditor";

    protected StoreFixture(string store)
    {
        Store = store;
        Schema = TestInfrastructure.UniqueName("au_" + store);
    }

    private readonly List<string> documents = [];

    public string Store { get; }

    public string Schema { get; }

    public string VirtualHost { get; private set; } = "";

    public SignerHost Signer { get; private set; } = null!;

    /// <summary>The sequence number a rolled-back transaction took (recorded as a gap).</summary>
    public long GapSequence { get; private set; }

    /// <summary>Connection string of the read-only auditor role.</summary>
    public static string AuditorConnectionString =>
        new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { Username = AuditorRole, Password = AuditorRole }.ConnectionString;

    public NpgsqlDataSource Owner { get; } = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);

    public NpgsqlDataSource Auditor { get; } = NpgsqlDataSource.Create(AuditorConnectionString);

    /// <summary>Settings that make the service's follower chain fast and checkpoint often, through the test's signer.</summary>
    protected Dictionary<string, string?> AuditSettings() => new()
    {
        ["Audit:SignerUrl"] = Signer.Url,
        ["Audit:PollInterval"] = "00:00:00.050",
        ["Audit:GapSettle"] = "00:00:00.200",
        ["Audit:CheckpointEveryEvents"] = "4",
        ["Audit:CheckpointInterval"] = "00:00:00.200",
        ["Audit:CheckpointDirectory"] = Signer.Checkpoints,
        ["Audit:TrustedKeys"] = Signer.TrustedKeys,
    };

    public async Task InitializeAsync()
    {
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync("au");
        Signer = await SignerHost.StartAsync();
        await ProduceAsync();
        await ChainRemainderAsync();
        await ExecAsync($"""
            create table "{Schema}".mt_events_clean as select * from "{Schema}".mt_events;
            create table "{Schema}".audit_chain_page_clean as select * from "{Schema}".audit_chain_page;
            grant usage on schema "{Schema}" to {AuditorRole};
            grant select on all tables in schema "{Schema}" to {AuditorRole};
            """);

        // The documents the services serve too (alert states, finding views): a test that edits one must not leave it edited.
        await using (var cmd = Owner.CreateCommand(
            $"select table_name from information_schema.tables where table_schema = '{Schema}' and table_name like 'mt\\_doc\\_%' order by table_name"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) documents.Add(r.GetString(0));
        }

        foreach (var d in documents) await ExecAsync($"create table \"{Schema}\".\"clean_{d}\" as select * from \"{Schema}\".\"{d}\"");
    }

    /// <summary>Starts the service, writes through it (first half, a rolled-back sequence number, second half), waits until
    /// everything is chained and checkpointed, records what the tests compare with, and stops the service.</summary>
    protected abstract Task ProduceAsync();

    /// <summary>Waits until the follower chained every committed row and the signer holds a checkpoint of the last one.</summary>
    protected async Task ChainedAndCheckpointedAsync()
    {
        await Eventually.HoldsAsync(async () =>
        {
            var head = await ScalarAsync<long>($"select coalesce(max(seq_id), 0) from \"{Schema}\".mt_events");
            var tail = await ScalarAsync<long>($"select coalesce((select max(last_seq) from \"{Schema}\".audit_chain_page), -1)");
            return tail == head && Signer.Read(Store).LastOrDefault()?.Sequence == head;
        }, TimeSpan.FromSeconds(60), $"the {Store} follower chained every row and the signer checkpointed the head");
    }

    /// <summary>
    /// The service can commit one more event (a delivery outcome after its timeout, a retry) after its follower's last poll and
    /// before it stops; the store the tests restore must be chained through its head, as the service's follower would have left
    /// it had it run on (seen at load ≈ 40: one event "not yet chained" in the clean alerts store).
    /// </summary>
    private async Task ChainRemainderAsync()
    {
        var head = await ScalarAsync<long>($"select coalesce(max(seq_id), 0) from \"{Schema}\".mt_events");
        if (await ScalarAsync<long>($"select coalesce((select max(last_seq) from \"{Schema}\".audit_chain_page), 0)") >= head) return;
        var options = Options.Create(new AuditChainOptions { PollInterval = TimeSpan.FromMilliseconds(50), GapSettle = TimeSpan.FromMilliseconds(200) });
        using var signer = new CheckpointClient(options, NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower(Store, Schema, Owner, options, signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        await follower.StartAsync(default);
        await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough >= head), TimeSpan.FromSeconds(60), $"the rest of the {Store} store is chained");
        await follower.StopAsync(default);
    }

    /// <summary>Takes a sequence number in a transaction that rolls back: the gap a failed append leaves.</summary>
    protected async Task RollBackOneSequenceAsync()
    {
        await using var conn = await Owner.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand($"select nextval('\"{Schema}\".mt_events_sequence')", conn, tx);
        GapSequence = (long)(await cmd.ExecuteScalarAsync())!;
        await tx.RollbackAsync();
    }

    /// <summary>Puts back the clean store (the chain as the follower wrote it, the events as the service committed them, its documents).</summary>
    public Task RestoreAsync() => ExecAsync($"""
        truncate "{Schema}".mt_events, "{Schema}".audit_chain_page;
        insert into "{Schema}".mt_events select * from "{Schema}".mt_events_clean;
        insert into "{Schema}".audit_chain_page select * from "{Schema}".audit_chain_page_clean;
        """ + string.Concat(documents.Select(d => $"""
        truncate "{Schema}"."{d}";
        insert into "{Schema}"."{d}" select * from "{Schema}"."clean_{d}";
        """)));

    /// <summary>Sequence numbers of committed events, in order.</summary>
    public async Task<List<long>> EventSequencesAsync()
    {
        await using var cmd = Owner.CreateCommand($"select seq_id from \"{Schema}\".mt_events order by seq_id");
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<long>();
        while (await r.ReadAsync()) list.Add(r.GetInt64(0));
        return list;
    }

    public async Task ExecAsync(string sql)
    {
        await using var cmd = Owner.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var cmd = Owner.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs tools/Audit in process with the auditor role's credentials.</summary>
    public Task<(int Code, string Output)> CliAsync(params string[] args) => CliAsAsync(AuditorConnectionString, args);

    /// <summary>Runs tools/Audit in process with the given credentials.</summary>
    public async Task<(int Code, string Output)> CliAsAsync(string connection, params string[] args)
    {
        var output = new StringWriter();
        var all = args.Concat(["--connection", connection, $"--schema-{Store}", Schema]).ToArray();
        var code = await AuditCli.RunAsync(all, output, output);
        return (code, output.ToString());
    }

    /// <summary>Verifies the store from the database as the auditor, against the signed checkpoints and the pinned key.</summary>
    public Task<VerifyReport> VerifyAsync() =>
        ChainVerifier.VerifyAsync(Auditor, Store, Schema, Signer.Read(Store), CheckpointDirectory.ReadKeys(Signer.TrustedKeys));

    public virtual async Task DisposeAsync()
    {
        await TestInfrastructure.DropSchemaAsync(Schema);
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        await Signer.DisposeAsync();
        await Owner.DisposeAsync();
        await Auditor.DisposeAsync();
    }
}
