using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;

namespace Monitoring.AlertRouter.Routing;

/// <summary>A routing configuration came into force (content kept so the audit can see exactly what applied).</summary>
public sealed record RoutingConfigLoaded(string Version, string Path, string Content, string LoadedBy, DateTimeOffset At);

/// <summary>A routing file was refused; the previous configuration stayed in force. <see cref="Errors"/> lists every error.</summary>
public sealed record RoutingConfigRejected(string Path, int Line, string Reason, string ContentSha256, string By, DateTimeOffset At,
    IReadOnlyList<RoutingError>? Errors = null);

/// <summary>Result of a load attempt.</summary>
public sealed record LoadResult(bool Accepted, bool Changed, string? Version, RoutingConfigException? Error);

/// <summary>
/// Holds the routing configuration in force. Loads the file at start and whenever it changes; each accepted version
/// is appended to the routing stream once, each refusal too. A refused file leaves the last good one in force; when
/// the file is bad at start, the last good version stored in the event store is used.
/// </summary>
public sealed class RoutingConfigProvider(
    IDocumentStore store, IOptions<AlertRouterOptions> options, IHostEnvironment environment, TimeProvider time,
    ILogger<RoutingConfigProvider> logger)
{
    /// <summary>Stream holding every loaded or refused routing configuration.</summary>
    public static readonly Guid StreamId = new("a1e27000-0000-4000-8000-00000000c0f1");

    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile RoutingConfig? current;
    private string? lastSeenContentHash;

    /// <summary>The configuration in force, or null before any valid one was loaded.</summary>
    public RoutingConfig? Current => current;

    /// <summary>When the configuration in force was loaded.</summary>
    public DateTimeOffset? LoadedAt { get; private set; }

    /// <summary>The last refusal, if the file currently on disk is refused.</summary>
    public RoutingConfigException? LastError { get; private set; }

    /// <summary>The file path in use.</summary>
    public string FilePath => filePath ??= Resolve(options.Value.RoutingFile, environment.ContentRootPath);

    private string? filePath;

    /// <summary>
    /// An absolute path as is; a relative one is looked up from the content root and then its parents, so
    /// <c>deploy/alerting/demo-routing.yaml</c> works from the project directory and from the repository root alike.
    /// </summary>
    internal static string Resolve(string path, string contentRoot)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(Path.Combine(contentRoot, path));
    }

    /// <summary>The configuration in force; throws when there is none (the message is retried, then dead-lettered).</summary>
    public RoutingConfig Require() => current ?? throw new InvalidOperationException(
        $"no valid routing configuration is in force: {LastError?.Message ?? "the routing file was not loaded"} ({FilePath})");

    /// <summary>Reads the file; <paramref name="force"/> re-parses even if the content did not change.</summary>
    public async Task<LoadResult> LoadAsync(string by, bool force, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            string content;
            try
            {
                content = await File.ReadAllTextAsync(FilePath, ct);
            }
            catch (IOException ex)
            {
                return await RejectAsync(new RoutingConfigException(0, $"cannot read {FilePath}: {ex.Message}"), "", by, ct);
            }
            catch (UnauthorizedAccessException ex)
            {
                return await RejectAsync(new RoutingConfigException(0, $"cannot read {FilePath}: {ex.Message}"), "", by, ct);
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
            if (!force && hash == lastSeenContentHash)
            {
                return new LoadResult(LastError is null, false, current?.Version, LastError);
            }

            lastSeenContentHash = hash;
            RoutingConfig parsed;
            try
            {
                parsed = RoutingConfigParser.Parse(content);
            }
            catch (RoutingConfigException ex)
            {
                return await RejectAsync(ex, hash, by, ct);
            }

            LastError = null;
            var changed = current?.Version != parsed.Version;
            if (changed)
            {
                await using var session = store.LightweightSession();
                var stored = await LatestStoredAsync(session, ct);
                if (stored?.Version != parsed.Version)
                {
                    session.Events.Append(StreamId, new RoutingConfigLoaded(parsed.Version, FilePath, content, by, time.GetUtcNow()));
                    await session.SaveChangesAsync(ct);
                }

                current = parsed;
                LoadedAt = time.GetUtcNow();
                logger.LogInformation("Routing configuration {Version} from {Path} is in force; receivers: {Receivers}",
                    parsed.Version[..12], FilePath, Describe(parsed));
            }

            return new LoadResult(true, changed, parsed.Version, null);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<LoadResult> RejectAsync(RoutingConfigException error, string hash, string by, CancellationToken ct)
    {
        LastError = error;
        logger.LogError("Routing file {Path} refused ({Count} errors): {Errors}; the previous configuration stays in force",
            FilePath, error.Errors.Count, string.Join("; ", error.Errors));
        AlertMetrics.ConfigRejected.Inc();
        await using var session = store.LightweightSession();
        session.Events.Append(StreamId, new RoutingConfigRejected(FilePath, error.Line, error.Reason, hash, by, time.GetUtcNow(), error.Errors));
        await session.SaveChangesAsync(ct);

        if (current is null)
        {
            // Bad file at start: fall back to the last good configuration the store remembers.
            var stored = await LatestStoredAsync(session, ct);
            if (stored is not null)
            {
                try
                {
                    current = RoutingConfigParser.Parse(stored.Content);
                    LoadedAt = time.GetUtcNow();
                    logger.LogWarning("Using the last good routing configuration {Version} from the event store", current.Version[..12]);
                }
                catch (RoutingConfigException ex)
                {
                    logger.LogError("The stored routing configuration no longer parses: {Reason}", ex.Message);
                }
            }
        }

        return new LoadResult(false, false, current?.Version, error);
    }

    /// <summary>Receivers and where they deliver (hosts only: keys and passwords never reach the log).</summary>
    internal static string Describe(RoutingConfig config) => string.Join(", ", config.Receivers.Values.Select(r =>
        $"{r.Name} [{string.Join(" ", r.Integrations.Select(i => i.Kind switch
        {
            ReceiverKind.Email => $"email smtp://{i.SmtpHost}:{i.SmtpPort}",
            _ => $"{i.Kind.ToString().ToLowerInvariant()} {(Uri.TryCreate(i.Url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Authority) : "?")}",
        }))}]"));

    private static async Task<RoutingConfigLoaded?> LatestStoredAsync(IQuerySession session, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(StreamId, token: ct);
        return events.Select(e => e.Data).OfType<RoutingConfigLoaded>().LastOrDefault();
    }
}

/// <summary>Loads the routing file at start (before the consumers start) and re-reads it periodically.</summary>
public sealed class RoutingConfigWatcher(RoutingConfigProvider provider, IOptions<AlertRouterOptions> options, ILogger<RoutingConfigWatcher> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await provider.LoadAsync("startup", force: true, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ConfigReloadInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await provider.LoadAsync("file-watch", force: false, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Reloading the routing file failed; the configuration in force stays");
            }
        }
    }
}
