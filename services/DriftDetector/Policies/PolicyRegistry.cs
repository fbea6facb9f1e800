using Marten;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;

namespace Monitoring.DriftDetector.Policies;

/// <summary>
/// Records policy versions: when a policy file's content hash differs from the latest recorded version of its deployment, a
/// <see cref="PolicyActivated"/> event with the next version number is appended, effective after the detector's checkpoint.
/// An invalid file is refused on its own (<see cref="Invalid"/>): nothing is recorded for it, so its deployment keeps its last
/// recorded version (or stays unmonitored if it never had one), and every other file is recorded as usual.
/// </summary>
internal sealed class PolicyRegistry(DriftStore drift, DriftDetectorOptions options, IHostEnvironment environment, ILogger<PolicyRegistry> logger)
{
    /// <summary>The files refused by the last activation, each with every problem found.</summary>
    public IReadOnlyList<PolicyValidationException> Invalid { get; private set; } = [];

    /// <summary>Policy file names with at least one recorded version, as of the last activation.</summary>
    public IReadOnlySet<string> RecordedFiles { get; private set; } = new HashSet<string>();

    /// <summary>True when a refused file never had a recorded version: its deployment is not monitored at all (pages).</summary>
    public bool AnyUnmonitored => Invalid.Any(i => !RecordedFiles.Contains(Path.GetFileName(i.PolicyFile)));

    public async Task<IReadOnlyList<PolicyActivated>> ActivateAsync(CancellationToken ct)
    {
        var paths = options.PolicyPaths.Select(p => Path.IsPathRooted(p) ? p : Path.Combine(environment.ContentRootPath, p));
        var result = PolicyLoader.LoadEach(paths);
        foreach (var invalid in result.Invalid)
        {
            logger.LogError("Policy file {File} refused; its deployment keeps its last recorded policy version: {Problems}",
                invalid.PolicyFile, string.Join("; ", invalid.Errors));
        }

        Invalid = result.Invalid;
        var loaded = result.Loaded;
        await using var session = drift.Store.LightweightSession();
        var recorded = await session.Events.QueryRawEventDataOnly<PolicyActivated>().ToListAsync(ct);
        RecordedFiles = recorded.Select(r => r.Source).Concat(loaded.Select(l => Path.GetFileName(l.Source))).ToHashSet(StringComparer.Ordinal);
        var checkpoint = (await session.LoadAsync<DetectorCheckpoint>(Stores.DetectorCheckpointId, ct))?.LastSequence ?? 0;
        var activated = new List<PolicyActivated>();
        foreach (var p in loaded.OrderBy(p => p.Policy.Deployment.Key, StringComparer.Ordinal))
        {
            var key = p.Policy.Deployment.Key;
            var latest = recorded.Where(r => r.Deployment == key).MaxBy(r => r.Version);
            if (latest?.Hash == p.Hash) continue;
            var next = new PolicyActivated(key, (latest?.Version ?? 0) + 1, p.Hash, checkpoint, p.CanonicalJson, p.Profile, Path.GetFileName(p.Source));
            session.Events.Append(Stores.PolicyStream(key), next);
            activated.Add(next);
            logger.LogInformation("Policy {Deployment} version {Version} ({Hash}) effective after sequence {Sequence}", key, next.Version, p.Hash[..12], checkpoint);
        }

        await session.SaveChangesAsync(ct);
        return activated;
    }

    public async Task<IReadOnlyList<PolicyActivated>> HistoryAsync(CancellationToken ct)
    {
        await using var session = drift.Store.QuerySession();
        return (await session.Events.QueryRawEventDataOnly<PolicyActivated>().ToListAsync(ct))
            .OrderBy(p => p.Deployment, StringComparer.Ordinal).ThenBy(p => p.Version).ToList();
    }
}
