using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// Findings are committed as soon as they are decided, the multi-MB state snapshot only every <c>SnapshotEveryEvents</c>. A process
/// that dies in between restarts from an older snapshot than its findings: the replay must neither store nor publish a finding twice.
/// </summary>
public sealed class CrashRecoveryTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    private static readonly string[] SnapshotTables = ["mt_doc_detectorcheckpoint", "detector_snapshot"];

    [Fact]
    public async Task GivenFindingsCommittedAfterTheLastSnapshot_WhenTheDetectorRestartsFromThatSnapshot_ThenNoFindingIsStoredOrPublishedTwice()
    {
        var events = new SyntheticStream(43, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 16_000, IdPrefix = "cr" }.Generate(24_000).ToList();
        var rareSnapshots = new Dictionary<string, string?> { ["DriftDetector:SnapshotEveryEvents"] = "10000000" };
        await env.AppendAsync(events.Take(10_000));
        await using (var first = env.StartHost(rareSnapshots))
        {
            await first.CatchUpAsync(); // ends with a snapshot (flush)
            await env.PublisherDrainedAsync();
        }

        var snapshotSequence = await env.ScalarAsync<long>($"select (data ->> 'LastSequence')::bigint from \"{env.DriftSchema}\".mt_doc_detectorcheckpoint");
        await CopySnapshotTablesAsync(save: true);
        var findingsAtSnapshot = (await env.FindingEventsAsync()).Count;

        await env.AppendAsync(events.Skip(10_000).Take(26_000));
        await using (var second = env.StartHost(rareSnapshots))
        {
            await second.CatchUpAsync();

            // Publishing is at least once: a publisher stopped between its broker confirm and its ledger commit publishes
            // again after a restart (consumers de-duplicate). Wait for it here so that a duplicate below can only come
            // from the detector's replay.
            await env.PublisherDrainedAsync();
        }

        var committed = await env.FindingEventsAsync();
        Assert.True(committed.Count > findingsAtSnapshot, "the change must produce findings after the snapshot, or this test proves nothing");

        // As if the process had died after its last findings commit and before any later snapshot.
        await CopySnapshotTablesAsync(save: false);
        var through = await env.ScalarAsync<long>($"select (data ->> 'Through')::bigint from \"{env.DriftSchema}\".mt_doc_findingsprogress");
        Assert.True(through > snapshotSequence, $"findings committed through {through}, snapshot at {snapshotSequence}");

        await env.AppendAsync(events.Skip(36_000));
        await using var third = env.StartHost(rareSnapshots);
        await third.CatchUpAsync();

        var reference = new CoreHarness();
        foreach (var (sequence, data) in await env.ReadIngestAsync()) reference.Apply(sequence, data);
        var expected = reference.Emitted.Select(Signatures.Of).Where(s => s.Length > 0).ToList();
        var stored = (await env.FindingEventsAsync()).Select(Signatures.FromStored).Where(s => s.Length > 0).ToList();
        Assert.Contains(expected, s => s.StartsWith("opened|"));
        Assert.Equal(expected, stored);

        var opened = expected.Count(s => s.StartsWith("opened|"));
        var detected = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            while (await env.TryTakeAsync("DriftDetected") is { } m) detected.Add(m.GetProperty("message").GetProperty("findingId").GetString()!);
            return detected.Count >= opened;
        }, TimeSpan.FromSeconds(30), "every opened finding is published");
        Assert.Equal(opened, detected.Distinct().Count());
        Assert.Equal(detected.Distinct().Count(), detected.Count);
    }

    private async Task CopySnapshotTablesAsync(bool save)
    {
        await using var conn = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
        await conn.OpenAsync();
        foreach (var table in SnapshotTables)
        {
            var live = $"\"{env.DriftSchema}\".{table}";
            var copy = $"\"{env.DriftSchema}\".saved_{table}";
            var sql = save
                ? $"drop table if exists {copy}; create table {copy} as select * from {live}"
                : $"delete from {live}; insert into {live} select * from {copy}";
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
