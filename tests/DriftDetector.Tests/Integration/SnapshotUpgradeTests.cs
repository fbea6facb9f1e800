using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// The state snapshot moved from Marten documents (a JSON string inside the document's JSON) to rows of UTF-8 bytes
/// (<see cref="SnapshotRows"/>). A store last written by the earlier version must continue from its snapshot — not replay
/// the history from zero — and the first snapshot after the upgrade moves it into rows and deletes the documents.
/// </summary>
public sealed class SnapshotUpgradeTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenASnapshotStoredAsDocuments_WhenTheDetectorStarts_ThenItContinuesFromItAndMovesItIntoRows()
    {
        var events = new SyntheticStream(53, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 16_000, IdPrefix = "up" }.Generate(20_000).ToList();
        var rareSnapshots = new Dictionary<string, string?> { ["DriftDetector:SnapshotEveryEvents"] = "10000000" };
        await env.AppendAsync(events.Take(10_000));
        await using (var first = env.StartHost(rareSnapshots))
        {
            await first.CatchUpAsync(); // ends with a snapshot (flush on stop)
        }

        var checkpoint = $"\"{env.DriftSchema}\".mt_doc_detectorcheckpoint";
        var rows = $"\"{env.DriftSchema}\".{SnapshotRows.TableName}";
        var snapshotSequence = await env.ScalarAsync<long>($"select (data ->> 'LastSequence')::bigint from {checkpoint}");
        Assert.True(snapshotSequence > 0);

        // Rewrite the snapshot as the earlier version stored it: documents, the checkpoint holding the global state.
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var offline = env.StartHost(new Dictionary<string, string?>(rareSnapshots) { ["DriftDetector:AutoStart"] = "false" }))
        {
            var drift = offline.Services.GetRequiredService<DriftStore>();
            await using var session = drift.Store.LightweightSession();
            var global = await SnapshotRows.ReadAsync(drift.DataSource, drift.Schema, SnapshotRows.Global, Stores.DetectorCheckpointId, CancellationToken.None);
            session.Store(new DetectorCheckpoint { LastSequence = snapshotSequence, Json = Encoding.UTF8.GetString(global!) });
            await foreach (var (id, body) in SnapshotRows.ReadAllAsync(drift.DataSource, drift.Schema, SnapshotRows.Deployment, CancellationToken.None))
            {
                session.Store(new DeploymentSnapshot { Id = id, Json = Encoding.UTF8.GetString(body) });
                before[id] = Encoding.UTF8.GetString(body);
            }

            await foreach (var (id, body) in SnapshotRows.ReadAllAsync(drift.DataSource, drift.Schema, SnapshotRows.Reference, CancellationToken.None))
            {
                session.Store(new ReferenceSnapshot { Id = id, Json = Encoding.UTF8.GetString(body) });
            }

            session.QueueSqlCommand($"delete from {rows}");
            await session.SaveChangesAsync();
            Assert.NotEmpty(before);

            // Loaded from the documents: the state is the snapshot's, at its sequence (a loader that ignored them would start at 0).
            var runner = offline.Services.GetRequiredService<DetectorRunner>();
            await runner.InitializeAsync(CancellationToken.None);
            Assert.Equal(snapshotSequence, runner.LastSequence);
        }

        await env.AppendAsync(events.Skip(10_000));
        await using (var second = env.StartHost(rareSnapshots))
        {
            await second.CatchUpAsync();
        }

        // Moved: rows for every deployment (and the global state), no documents left, the checkpoint without its old body.
        Assert.Equal(0L, await env.ScalarAsync<long>($"select count(*) from \"{env.DriftSchema}\".mt_doc_deploymentsnapshot"));
        Assert.Equal(0L, await env.ScalarAsync<long>($"select count(*) from \"{env.DriftSchema}\".mt_doc_referencesnapshot"));
        Assert.Equal("", await env.ScalarAsync<string>($"select data ->> 'Json' from {checkpoint}"));
        Assert.Equal(before.Count, await env.ScalarAsync<long>($"select count(*) from {rows} where kind = 'deployment'"));
        Assert.Equal(before.Count, await env.ScalarAsync<long>($"select count(*) from {rows} where kind = 'reference'"));
        Assert.Equal(1L, await env.ScalarAsync<long>($"select count(*) from {rows} where kind = 'global'"));

        // And detection carried on as if nothing had happened: the findings of one uninterrupted pass of the pure core.
        var reference = new CoreHarness();
        foreach (var (sequence, data) in await env.ReadIngestAsync()) reference.Apply(sequence, data);
        var expected = reference.Emitted.Select(Signatures.Of).Where(s => s.Length > 0).ToList();
        Assert.Contains(expected, s => s.StartsWith("opened|"));
        Assert.Equal(expected, (await env.FindingEventsAsync()).Select(Signatures.FromStored).Where(s => s.Length > 0).ToList());
    }
}
