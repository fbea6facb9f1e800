using Marten;
using Monitoring.AlertRouter.Alerts;

namespace Monitoring.AlertRouter.Console.ReadModels;

/// <summary>
/// At start-up, writes the console's read models for incidents that have none: those stored before the read models existed
/// (an upgraded store). Side effects of an inline projection are not raised by Marten's projection rebuild, so this is
/// the rebuild: the row from the incident document, the audit entries from its stored events. Idempotent and a no-op on a
/// store that is up to date (one query of ids each).
/// </summary>
public sealed class ReadModelBackfill(IDocumentStore store, ILogger<ReadModelBackfill> logger) : IHostedService
{
    private const int Batch = 100;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        List<Guid> missing;
        await using (var query = store.QuerySession())
        {
            var incidents = await query.Query<Alert>().Select(a => a.Id).ToListAsync(cancellationToken);
            var rows = (await query.Query<IncidentRow>().Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
            missing = incidents.Where(id => !rows.Contains(id)).ToList();
        }

        foreach (var chunk in missing.Chunk(Batch))
        {
            await using var session = store.LightweightSession();
            foreach (var alert in await session.LoadManyAsync<Alert>(cancellationToken, chunk))
            {
                session.Store(IncidentRow.From(alert));
                var deployment = alert.Model is { } m ? IncidentRow.DeploymentKey(m) : null;
                var events = await session.Events.FetchStreamAsync(alert.Id, token: cancellationToken);
                var entries = events.Select(e => AuditEntry.From(e.Id, alert.Id, deployment, e.Version, e.Timestamp, e.Data)).OfType<AuditEntry>().ToArray();
                if (entries.Length > 0)
                {
                    session.Store(entries);
                }
            }

            await session.SaveChangesAsync(cancellationToken);
        }

        if (missing.Count > 0)
        {
            logger.LogInformation("Wrote the console's read models for {Count} incidents stored before them", missing.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
