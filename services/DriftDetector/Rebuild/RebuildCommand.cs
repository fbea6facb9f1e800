using Marten;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Subscription;

namespace Monitoring.DriftDetector.Rebuild;

/// <summary>
/// <c>dotnet run --project services/DriftDetector -- rebuild</c>: resets the detector (finding and reconciliation streams,
/// snapshots, views; the policy history and the publish ledger are kept) and replays the whole Ingest history, then exits.
/// Stop the running service first, or use <c>POST /v1/admin/rebuild</c> on a running one.
/// </summary>
internal static class RebuildCommand
{
    public static async Task<int> RunAsync(WebApplication app)
    {
        var pipeline = app.Services.GetRequiredService<DetectorPipeline>();
        var drift = app.Services.GetRequiredService<DriftStore>();
        var ingest = app.Services.GetRequiredService<IngestStore>();
        var logger = app.Services.GetRequiredService<ILogger<DetectorPipeline>>();
        await app.StartAsync();
        await pipeline.RebuildAsync(CancellationToken.None);
        var head = await ingest.HeadAsync(CancellationToken.None);
        await pipeline.CatchUpAsync(TimeSpan.FromHours(6), CancellationToken.None);
        await using var session = drift.Store.QuerySession();
        var findings = await session.Query<FindingView>().CountAsync();
        logger.LogInformation("Rebuild replayed {Head} events and derived {Findings} findings", head, findings);
        Console.WriteLine($"rebuild: replayed up to sequence {head}; {findings} findings");
        await app.StopAsync();
        return 0;
    }
}
