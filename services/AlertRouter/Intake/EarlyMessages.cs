using System.Text.Json;
using Marten;
using Monitoring.AlertRouter.Infrastructure;
using Prometheus;

namespace Monitoring.AlertRouter.Intake;

/// <summary>
/// An update or resolution that arrived before the message that creates its alert (a <c>DriftResolved</c> before its
/// <c>DriftDetected</c>, a <c>ChangeUpdated</c> before its incident exists): kept under the link key it needs (a finding id or
/// <c>change:ID</c>) until that link exists, then applied in source-time order and deleted.
/// </summary>
public sealed class EarlyMessage
{
    /// <summary>Deterministic: link key, message type and the message's own discriminator, so a redelivery overwrites itself.</summary>
    public string Id { get; set; } = "";

    public string Key { get; set; } = "";
    public string Type { get; set; } = "";
    public string Json { get; set; } = "";

    /// <summary>When the source says it happened (updated/resolved time): the order in which parked messages are applied.</summary>
    public DateTimeOffset SourceTime { get; set; }

    public DateTimeOffset ParkedAt { get; set; }
}

/// <summary>
/// Messages that name an alert before it exists. The detector publishes a finding's messages in order, but consumers run
/// concurrently and retry: after a broker or database restart a <c>DriftResolved</c> can be consumed while its
/// <c>DriftDetected</c> waits in a retry, and once the retries ran out the resolution went to the error queue — an alert
/// that never resolves, recovered only by a person replaying the queue. Instead the early message is parked (committed,
/// then acknowledged) and applied as soon as the link exists: by the intake that creates the link, or by the parker itself
/// when the link appeared while it parked. Applying is idempotent (updates and recoveries that move nothing append
/// nothing), so both doing it is harmless.
/// </summary>
public sealed class EarlyMessages(IDocumentStore store, TimeProvider time, ILogger<EarlyMessages> logger)
{
    private static readonly Counter Parked = Metrics.CreateCounter(
        "alertrouter_early_messages_total", "Updates and resolutions that arrived before their alert existed and were parked until it did.", "type");

    private static readonly Gauge Waiting = Metrics.CreateGauge(
        "alertrouter_early_messages_waiting", "Parked early messages whose alert does not exist yet (one that stays above 0 names a finding or change never received).");

    /// <summary>Where the link for <paramref name="key"/> exists: its alert id; otherwise null.</summary>
    private async Task<Guid?> LinkAsync(string key, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<FindingLink>(key, ct))?.AlertId;
    }

    /// <summary>
    /// The alert linked to <paramref name="key"/>, or null after parking <paramref name="message"/> under it (running
    /// <paramref name="drain"/> when the link appeared while it parked, so that nothing stays parked behind an existing alert).
    /// </summary>
    public async Task<Guid?> AlertOrParkAsync<T>(string key, string discriminator, T message, DateTimeOffset sourceTime, Func<Task> drain, CancellationToken ct)
    {
        if (await LinkAsync(key, ct) is { } alertId) return alertId;
        if (await ParkAsync(key, discriminator, message, sourceTime, ct)) await drain();
        return null;
    }

    /// <summary>Parks <paramref name="message"/> under <paramref name="key"/>; returns whether the link existed by the time it was parked.</summary>
    private async Task<bool> ParkAsync<T>(string key, string discriminator, T message, DateTimeOffset sourceTime, CancellationToken ct)
    {
        var type = typeof(T).Name;
        await using (var session = store.LightweightSession())
        {
            session.Store(new EarlyMessage
            {
                Id = $"{key}|{type}|{discriminator}", Key = key, Type = type, Json = JsonSerializer.Serialize(message),
                SourceTime = sourceTime, ParkedAt = time.GetUtcNow(),
            });
            await session.SaveChangesAsync(ct);
        }

        Parked.WithLabels(type).Inc();
        logger.LogInformation("{Type} for {Key} arrived before its alert; parked until the alert exists", type, key);
        await RefreshGaugeAsync(ct);
        return await LinkAsync(key, ct) is not null;
    }

    /// <summary>
    /// Applies every message parked under <paramref name="key"/> (the link exists now) in source-time order, deleting each
    /// after it was applied; <paramref name="apply"/> receives the type name and the JSON.
    /// </summary>
    public async Task DrainAsync(string key, Func<string, string, Task> apply, CancellationToken ct)
    {
        List<EarlyMessage> parked;
        await using (var query = store.QuerySession())
        {
            parked = (await query.Query<EarlyMessage>().Where(m => m.Key == key).ToListAsync(ct)).OrderBy(m => m.SourceTime).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
        }

        if (parked.Count == 0) return;
        foreach (var message in parked)
        {
            await apply(message.Type, message.Json);
            await using var session = store.LightweightSession();
            session.Delete<EarlyMessage>(message.Id);
            await session.SaveChangesAsync(ct);
        }

        logger.LogInformation("Applied {Count} early message(s) for {Key}", parked.Count, key);
        await RefreshGaugeAsync(ct);
    }

    private async Task RefreshGaugeAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        Waiting.Set(await session.Query<EarlyMessage>().CountAsync(ct));
    }
}
