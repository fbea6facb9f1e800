using Microsoft.Extensions.DependencyInjection;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// PostgreSQL going away while the detector is deciding a drifting stream: commits of findings fail in flight, and so does the
/// reload of the last snapshot (the server refuses connections for a while). The detector must not carry on from its in-memory
/// state — that state holds findings whose commit failed, and the events behind them would never be read again — so after
/// the outages the stored findings equal those of one uninterrupted pass of the pure core over the same events. CI's chaos
/// run lost a probe's finding this way after a slow PostgreSQL restart.
/// </summary>
public sealed class ConnectionLossFindingsTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenOutagesWhileFindingsAreCommitted_WhenTheStoreReturns_ThenTheFindingsEqualAnUninterruptedRun()
    {
        var application = TestInfrastructure.UniqueName("ddlossfind");
        var events = new SyntheticStream(41, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 16_000, IdPrefix = "rr" }.Generate(24_000).ToList();
        await using var proxy = new TcpProxy("127.0.0.1", new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString).Port);
        proxy.Start();
        var viaProxy = new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresConnectionString) { Port = proxy.Port, ApplicationName = application };
        await env.AppendAsync(events.Take(3_000));
        await using var host = env.StartHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = viaProxy.ConnectionString,
            ["DriftDetector:SubscriptionRestartMaxDelay"] = "00:00:02",
            ["DriftDetector:PageSize"] = "250", // many small chunks: a commit of findings or window views is nearly always in flight
        });
        await host.CatchUpAsync();
        var runner = host.Services.GetRequiredService<DetectorRunner>();

        // Each outage lands while the detector is part-way through what was appended: its commits and its reload fail.
        var part = (events.Count - 3_000 + 5) / 6;
        for (var round = 0; round < 6; round++)
        {
            var from = runner.LastSequence;
            await env.AppendAsync(events.Skip(3_000 + round * part).Take(part));
            await Eventually.HoldsAsync(() => Task.FromResult(runner.LastSequence > from + 500), TimeSpan.FromSeconds(60), "the detector is part-way through the new events");
            await env.ScalarAsync<long>($"select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = '{application}') t");
            proxy.Stop();
            await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the daemon's first retries, so a reload right after the failure fails too
            proxy.Start();
        }

        var head = await env.ScalarAsync<long>($"select max(seq_id) from \"{env.IngestSchema}\".mt_events");
        await Eventually.HoldsAsync(() => Task.FromResult(runner.LastSequence == head), TimeSpan.FromSeconds(90), "the detector applies every event after the outages");
        await host.CatchUpAsync(TimeSpan.FromSeconds(30));

        var reference = new CoreHarness();
        foreach (var (sequence, data) in await env.ReadIngestAsync()) reference.Apply(sequence, data);
        var expected = reference.Emitted.Select(Signatures.Of).Where(s => s.Length > 0).ToList();
        var stored = (await env.FindingEventsAsync()).Select(Signatures.FromStored).Where(s => s.Length > 0).ToList();
        Assert.True(expected.Any(s => s.StartsWith("opened|", StringComparison.Ordinal)),
            $"the stream opens findings (uninterrupted: {expected.Count} finding events; stored: {stored.Count}; {reference.Sequence} of {events.Count} events read)");
        Assert.Equal(expected, stored);
    }
}
