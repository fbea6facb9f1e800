using System.Net;
using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>Restart mid-stream and full rebuild through the real store: no event missed or counted twice; same findings, ids and numbers.</summary>
public sealed class RestartAndReplayTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenARestartMidStream_WhenTheRestArrives_ThenFindingsEqualAnUninterruptedRunAndARebuildReproducesThem()
    {
        var events = new SyntheticStream(41, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 16_000, IdPrefix = "rr" }.Generate(24_000).ToList();
        await env.AppendAsync(events.Take(27_111));
        await using (var first = env.StartHost())
        {
            await first.CatchUpAsync();
            await env.PublisherDrainedAsync(); // a publisher stopped mid-page would publish again: not what this test checks
        }

        await env.AppendAsync(events.Skip(27_111));
        await using var second = env.StartHost();
        await second.CatchUpAsync();

        // Reference: the pure core over exactly what the store holds, in one uninterrupted pass.
        var reference = new CoreHarness();
        foreach (var (sequence, data) in await env.ReadIngestAsync()) reference.Apply(sequence, data);
        var expected = reference.Emitted.Select(Signatures.Of).Where(s => s.Length > 0).ToList();
        var stored = await env.FindingEventsAsync();
        Assert.Contains(expected, s => s.StartsWith("opened|"));
        Assert.Contains(expected, s => s.StartsWith("resolved|"));
        Assert.Equal(expected, stored.Select(Signatures.FromStored).Where(s => s.Length > 0).ToList());
        var status = await second.GetAsync<List<Api.DeploymentSummary>>("/v1/deployments");
        Assert.Equal(24_000, Assert.Single(status).Inferences);

        // Rebuild: reset and replay the whole history → byte-identical finding events, and nobody paged twice.
        using var oncall = second.Client(DriftEnvironment.ReaderKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await oncall.PostAsync("/v1/admin/rebuild", null)).StatusCode);
        using var admin = second.Client(DriftEnvironment.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/v1/admin/rebuild", null)).StatusCode);
        await second.CatchUpAsync();
        Assert.Equal(stored, await env.FindingEventsAsync());

        var opened = expected.Count(s => s.StartsWith("opened|"));
        var detected = new List<string>();
        await TestSupport.Eventually.HoldsAsync(async () =>
        {
            while (await env.TryTakeAsync("DriftDetected") is { } m) detected.Add(m.GetProperty("message").GetProperty("findingId").GetString()!);
            return detected.Count >= opened;
        }, TimeSpan.FromSeconds(30), "every opened finding is published");
        Assert.Equal(detected.Distinct().Count(), detected.Count);
        Assert.Equal(opened, detected.Count);
    }
}
