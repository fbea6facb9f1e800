using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// The state snapshot (several MB for a busy deployment) commits in the background: a slow snapshot commit must not hold
/// back the findings decided after it (under load it did, for tens of seconds: issue 15's latency tail). Made slow here for
/// real, by a second connection holding a lock on the checkpoint's table, so the snapshot's upsert waits in PostgreSQL.
/// </summary>
public sealed class SnapshotInBackgroundTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenASnapshotCommitBlockedInTheDatabase_WhenAChangeArrives_ThenItsFindingsAreCommittedMeanwhileAndTheSnapshotLandsAfter()
    {
        var events = new SyntheticStream(47, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 16_000, IdPrefix = "sb" }.Generate(20_000).ToList();
        var frequentSnapshots = new Dictionary<string, string?> { ["DriftDetector:SnapshotEveryEvents"] = "2000" };
        await env.AppendAsync(events.Take(11_000));
        await using var host = env.StartHost(frequentSnapshots);
        await host.CatchUpAsync(); // the snapshot tables exist and hold a checkpoint before the change
        var before = await CheckpointAsync();
        Assert.Empty(await OpenedAsync());

        var table = $"\"{env.DriftSchema}\".mt_doc_detectorcheckpoint";
        await using (var blocker = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString))
        {
            await blocker.OpenAsync();
            await using var tx = await blocker.BeginTransactionAsync();
            // EXCLUSIVE lets the detector read the checkpoint but makes its upsert wait until this transaction ends.
            await using (var cmd = new NpgsqlCommand($"lock table {table} in exclusive mode", blocker, tx)) await cmd.ExecuteNonQueryAsync();

            await env.AppendAsync(events.Skip(11_000));
            await Eventually.HoldsAsync(async () => (await OpenedAsync()).Count > 0, TimeSpan.FromSeconds(20),
                "the change's findings are committed while a snapshot commit waits on the lock");
            Assert.True(await SnapshotWaitingAsync(table), "a snapshot commit is waiting on the lock, or this test proves nothing");
            Assert.Equal(before, await CheckpointAsync());
            await tx.RollbackAsync();
        }

        await host.CatchUpAsync();
        var last = await env.ScalarAsync<long>($"select max(seq_id) from \"{env.IngestSchema}\".mt_events");
        await Eventually.HoldsAsync(async () => await CheckpointAsync() > before, TimeSpan.FromSeconds(30), "the blocked snapshot (or a later one) lands");

        // Nothing lost or doubled by committing the two kinds apart: the findings equal one uninterrupted pass of the pure core.
        await host.DisposeAsync();
        Assert.Equal(last, await CheckpointAsync()); // the flush on stop snapshots the end
        var reference = new CoreHarness();
        foreach (var (sequence, data) in await env.ReadIngestAsync()) reference.Apply(sequence, data);
        var expected = reference.Emitted.Select(Signatures.Of).Where(s => s.Length > 0).ToList();
        Assert.Contains(expected, s => s.StartsWith("opened|"));
        Assert.Equal(expected, (await env.FindingEventsAsync()).Select(Signatures.FromStored).Where(s => s.Length > 0).ToList());
    }

    private Task<long> CheckpointAsync() =>
        env.ScalarAsync<long>($"select coalesce((select (data ->> 'LastSequence')::bigint from \"{env.DriftSchema}\".mt_doc_detectorcheckpoint), 0)");

    private async Task<List<string>> OpenedAsync() => (await env.FindingEventsAsync()).Where(e => e.Contains("finding_opened", StringComparison.Ordinal)).ToList();

    private Task<bool> SnapshotWaitingAsync(string table) => env.ScalarAsync<bool>(
        $"select exists(select 1 from pg_locks l where not l.granted and l.relation = '{table}'::regclass)");
}
