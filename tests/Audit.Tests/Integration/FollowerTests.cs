using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Integration;

/// <summary>
/// The chaining follower against hand-made event tables (the columns of Marten's <c>mt_events</c>), where the test controls
/// every row, transaction and gap: what it records must equal what the verifier and the export compute from the same rows'
/// text, and paging around holes in the sequence must never skip or reorder.
/// </summary>
public sealed class FollowerTests : IAsyncLifetime
{
    private readonly NpgsqlDataSource db = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);
    private readonly List<string> schemas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in schemas) await ExecAsync($"drop schema if exists \"{s}\" cascade");
        await db.DisposeAsync();
    }

    [Fact]
    public async Task GivenTrickyJson_WhenChained_ThenRecordedHashesAreThoseOfTheTextTheVerifierReads()
    {
        var schema = await CreateStoreAsync("au_fj");
        var marker = new string('a', 32) + new string('B', 32); // upper-case hex is a marker too (Convert.FromHexString accepts it)
        string[] bodies =
        [
            """{"text": "é ü 中文 😀 e\u0301 \u2028"}""",
            """{"esc": "quote \" backslash \\ newline \n tab \t ctrl \u0001 slash \/ nul-free"}""",
            """{"big": 123456789012345678901234567890.123456789012345678901234567890, "exp": 1e400, "neg": -0, "small": 1E-20, "f": 2.50, "i": -9223372036854775809}""",
            """{"b": 1, "a": 2, "aa": {"z": [1, "x", null, true, {}]}, "a": 3, "": ""}""",
            """[]""",
            "\"\\u00e9 scalar\"",
            "12.0",
            $$"""{"$redacted": "{{marker}}"}""",
            """{"$redacted": "zz00000000000000000000000000000000000000000000000000000000000000"}""",
            """{"$redacted": "00", "other": 1}""",
            // Shapes for which jsonb's ? operator finds the key but that are no marker (the follower's SQL checks the text too).
            """["$redacted"]""",
            "\"$redacted\"",
            $$"""{"$redacted": "{{marker}}", "a": 1}""",
            $$"""{"$redacted": ["{{marker}}"]}""",
            $$"""{"large": "{{new string('x', 100_000)}}é"}""",
        ];
        var i = 0;
        foreach (var body in bodies)
        {
            await ExecAsync(
                $"insert into \"{schema}\".mt_events (seq_id, id, stream_id, version, data, type, mt_dotnet_type, correlation_id, causation_id, user_name, headers) " +
                $"values (nextval('\"{schema}\".mt_events_sequence'), gen_random_uuid(), @s, 1, @d::jsonb, 'tricky', 'Ns.T, Asm', @c, @a, @u, @h::jsonb)",
                ("s", $"stream-é-{i}"), ("d", body), ("c", i % 3 == 0 ? DBNull.Value : $"corr \"{i}\" 😀 \\ \u0001\n\t/ null"),
                ("a", i % 4 == 1 ? "null" : i % 4 == 2 ? "" : DBNull.Value), ("u", i % 5 == 4 ? "ü\u001f" : DBNull.Value),
                ("h", i % 3 == 2 ? """{"x-é": "😀", "n": 1.0, "z": null}""" : DBNull.Value));
            i++;
        }

        await ChainAsync("tricky", schema, bodies.Length, new AuditChainOptions { PollInterval = TimeSpan.FromMilliseconds(10) });

        // The recorded hashes against the client-side ones over the text PostgreSQL renders (what verify and export read).
        await using var conn = await db.OpenConnectionAsync();
        var sql = (await StoreSql.TryLoadAsync(conn, schema, default))!;
        await using var cmd = new NpgsqlCommand(
            $"select c.data_hash, c.meta_hash, {sql.EventColumns} from \"{schema}\".audit_chain c join {sql.Events} e on e.seq_id = c.seq order by c.seq", conn);
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            var n = 0;
            while (await r.ReadAsync())
            {
                var e = StoreSql.ReadEvent(r, 2);
                Assert.Equal(Redaction.DataHash(e.Data, out _), (byte[])r[0]);
                Assert.Equal(ChainHash.Of(e.Meta), (byte[])r[1]);
                n++;
            }

            Assert.Equal(bodies.Length, n);
        }

        var report = await ChainVerifier.VerifyAsync(db, "tricky", schema, [], new Dictionary<string, byte[]>());
        Assert.True(report.Ok, report.ToString());
        Assert.Equal(bodies.Length, report.Events);
        Assert.Equal(1, report.Redacted); // the well-formed marker only
    }

    [Fact]
    public async Task GivenHolesAtTheHeadAndSmallPages_WhenFollowed_ThenNothingIsSkippedOrReordered()
    {
        var schema = await CreateStoreAsync("au_fp");
        const string store = "paging";
        var options = new AuditChainOptions { PageSize = 7, PollInterval = TimeSpan.FromMilliseconds(10), GapSettle = TimeSpan.FromMilliseconds(100) };
        await using var follow = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);
        using var signer = new CheckpointClient(Options.Create(options), NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower(store, schema, follow, Options.Create(options), signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        await follower.StartAsync(default);
        try
        {
            await InsertAsync(schema, 10);
            await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough == 10), TimeSpan.FromSeconds(30), "the first rows are chained");

            // A writer holds sequence number 11 uncommitted while 29 more rows commit after it (more than a page): the follower
            // must stop at 10 however many polls pass, then take 11..40 in order once it commits.
            await using var held = await db.OpenConnectionAsync();
            await using var tx = await held.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand(InsertSql(schema, 1, "held"), held, tx))
            {
                await insert.ExecuteNonQueryAsync();
            }

            await InsertAsync(schema, 29);
            for (var poll = 0; poll < 3; poll++)
            {
                var seen = AuditMetrics.LastProgress.WithLabels(store).Value;
                await Eventually.HoldsAsync(() => Task.FromResult(AuditMetrics.LastProgress.WithLabels(store).Value > seen), TimeSpan.FromSeconds(30), "the follower polls again");
                Assert.Equal(10, follower.ChainedThrough);
            }

            await tx.CommitAsync();
            await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough == 40), TimeSpan.FromSeconds(30), "the rows after the hole are chained once it fills");

            // A rolled-back sequence number (41) with later rows committed is recorded as a gap once proven, in its place.
            await using (var rolled = await db.OpenConnectionAsync())
            await using (var rollback = await rolled.BeginTransactionAsync())
            {
                await using var insert = new NpgsqlCommand(InsertSql(schema, 1, "rolled"), rolled, rollback);
                await insert.ExecuteNonQueryAsync();
                await InsertAsync(schema, 5);
                await rollback.RollbackAsync();
            }

            // Two writers in concurrent transactions take interleaved numbers.
            await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                for (var t = 0; t < 20; t++) await InsertAsync(schema, 1 + t % 4);
            })));
            var head = await ScalarAsync<long>($"select max(seq_id) from \"{schema}\".mt_events");
            await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough == head), TimeSpan.FromSeconds(60), "everything is chained");
        }
        finally
        {
            await follower.StopAsync(default);
        }

        // Every number from 1 to the head exactly once, in order, 41 as the only gap; and the links check from the genesis.
        Assert.Equal(await ScalarAsync<long>($"select max(seq) from \"{schema}\".audit_chain"), await ScalarAsync<long>($"select count(*) from \"{schema}\".audit_chain"));
        Assert.True(await ScalarAsync<long>($"select count(*) from \"{schema}\".audit_chain_page") > 1, "small pages: several rows");
        Assert.Equal(0L, await ScalarAsync<long>($"select count(*) from \"{schema}\".audit_chain c left join \"{schema}\".mt_events e on e.seq_id = c.seq where (c.kind = 1) <> (e.seq_id is not null) or (c.kind = 1 and c.event_id <> e.id)"));
        Assert.Equal(new long[] { 41 }, await ListAsync($"select seq from \"{schema}\".audit_chain where kind = 2 order by seq"));
        var report = await ChainVerifier.VerifyAsync(db, store, schema, [], new Dictionary<string, byte[]>());
        Assert.True(report.Ok, report.ToString());
        Assert.Equal(1, report.Gaps);
        Assert.Equal(0, report.Unchained);
    }

    [Fact]
    public async Task GivenAChainInTheEarlierOneRowPerEventTable_WhenTheFollowerStarts_ThenItMovesItIntoPagesAndChainsOn()
    {
        var schema = await CreateStoreAsync("au_fm");
        const string store = "migrate";
        var options = new AuditChainOptions { PageSize = 50, PollInterval = TimeSpan.FromMilliseconds(10), GapSettle = TimeSpan.FromMilliseconds(100) };
        await InsertAsync(schema, 120);
        await using (var rolled = await db.OpenConnectionAsync())
        await using (var rollback = await rolled.BeginTransactionAsync())
        {
            await using var insert = new NpgsqlCommand(InsertSql(schema, 1, "rolled"), rolled, rollback);
            await insert.ExecuteNonQueryAsync();
            await rollback.RollbackAsync();
        }

        await InsertAsync(schema, 30);
        await ChainAsync(store, schema, 151, options);
        var packed = await ScalarAsync<byte[]>($"select string_agg(entries, ''::bytea order by first_seq) from \"{schema}\".audit_chain_page");

        // The table of the earlier format, as that follower left it (the columns it had, stream and type included), in place
        // of the pages: what a store chained before this change holds.
        await ExecAsync($"""
            create table "{schema}".legacy as
                select c.seq, c.kind, c.event_id, e.stream_id::text as stream_id, e.type::text as type, c.version, c.ts, c.data_hash, c.meta_hash, c.link, c.chained_at
                from "{schema}".audit_chain c left join "{schema}".mt_events e on e.seq_id = c.seq;
            drop view "{schema}".audit_chain;
            drop table "{schema}".audit_chain_page;
            alter table "{schema}".legacy rename to audit_chain;
            alter table "{schema}".audit_chain add primary key (seq);
            """);

        await InsertAsync(schema, 20);
        await ChainAsync(store, schema, 171, options);

        Assert.Equal("v", await ScalarAsync<string>($"select relkind::text from pg_class where oid = '\"{schema}\".audit_chain'::regclass"));
        var moved = await ScalarAsync<byte[]>($"select string_agg(entries, ''::bytea order by first_seq) from \"{schema}\".audit_chain_page where last_seq <= 151");
        Assert.Equal(packed, moved); // entry for entry, the links and recorded fields unchanged
        Assert.Equal(171L, await ScalarAsync<long>($"select max(last_seq) from \"{schema}\".audit_chain_page"));
        var report = await ChainVerifier.VerifyAsync(db, store, schema, [], new Dictionary<string, byte[]>());
        Assert.True(report.Ok, report.ToString());
        Assert.Equal((170L, 1L, 0L), (report.Events, report.Gaps, report.Unchained));
    }

    private static async Task ChainAsync(string store, string schema, long through, AuditChainOptions options)
    {
        await using var follow = NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString);
        using var signer = new CheckpointClient(Options.Create(options), NullLogger<CheckpointClient>.Instance);
        var follower = new ChainFollower(store, schema, follow, Options.Create(options), signer, TimeProvider.System, NullLogger<ChainFollower>.Instance);
        await follower.StartAsync(default);
        await Eventually.HoldsAsync(() => Task.FromResult(follower.ChainedThrough >= through), TimeSpan.FromSeconds(30), "the rows are chained");
        await follower.StopAsync(default);
    }

    private async Task<string> CreateStoreAsync(string prefix)
    {
        var schema = TestInfrastructure.UniqueName(prefix);
        schemas.Add(schema);
        await ExecAsync($"""
            create schema "{schema}";
            create sequence "{schema}".mt_events_sequence;
            create table "{schema}".mt_events (
                seq_id bigint primary key, id uuid not null, stream_id varchar, version bigint not null, data jsonb not null,
                type varchar(500) not null, timestamp timestamptz not null default clock_timestamp(), tenant_id varchar default '*DEFAULT*',
                mt_dotnet_type varchar, correlation_id varchar, causation_id varchar, user_name text, headers jsonb, is_archived boolean default false);
            """);
        return schema;
    }

    private static string InsertSql(string schema, int rows, string stream) =>
        $"insert into \"{schema}\".mt_events (seq_id, id, stream_id, version, data, type, correlation_id) " +
        $"select nextval('\"{schema}\".mt_events_sequence'), gen_random_uuid(), '{stream}-' || gen_random_uuid(), 1, jsonb_build_object('n', g), 'row', 'c' || g " +
        $"from generate_series(1, {rows}) g";

    private Task InsertAsync(string schema, int rows) => ExecAsync(InsertSql(schema, rows, "s"));

    private async Task ExecAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<long[]> ListAsync(string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<long>();
        while (await r.ReadAsync()) list.Add(r.GetInt64(0));
        return [.. list];
    }
}
