using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Detection;

/// <summary>One recorded policy version and the ingest sequence after which it applies.</summary>
internal sealed record PolicyVersion(string Deployment, int Version, long EffectiveAfterSequence, MonitoringPolicy Policy, ReferenceProfile? Profile, string Hash);

/// <summary>Every recorded policy version per deployment: a replay applies the version that was effective at each event.</summary>
internal sealed class PolicyHistory
{
    private readonly Dictionary<string, List<PolicyVersion>> byDeployment = new(StringComparer.Ordinal);

    public PolicyHistory(IEnumerable<PolicyVersion> versions)
    {
        foreach (var v in versions.OrderBy(v => v.Deployment, StringComparer.Ordinal).ThenBy(v => v.Version))
        {
            if (!byDeployment.TryGetValue(v.Deployment, out var list))
            {
                byDeployment[v.Deployment] = list = [];
            }

            list.Add(v);
        }
    }

    public IEnumerable<PolicyVersion> All => byDeployment.Values.SelectMany(v => v);

    /// <summary>The version of <paramref name="deployment"/> effective for an event at <paramref name="sequence"/>, if any.</summary>
    public PolicyVersion? Effective(string deployment, long sequence)
    {
        if (!byDeployment.TryGetValue(deployment, out var list))
        {
            return null;
        }

        PolicyVersion? effective = null;
        foreach (var v in list)
        {
            if (v.EffectiveAfterSequence < sequence)
            {
                effective = v;
            }
        }

        return effective;
    }

    /// <summary>Most specific deployment key for an inference: <c>id@version@site</c>, else <c>id@version</c>.</summary>
    public (string Key, PolicyVersion Version)? Resolve(string modelId, string modelVersion, string site, long sequence)
    {
        var siteKey = $"{modelId}@{modelVersion}@{site}";
        if (Effective(siteKey, sequence) is { } v)
        {
            return (siteKey, v);
        }

        var key = $"{modelId}@{modelVersion}";
        return Effective(key, sequence) is { } w ? (key, w) : null;
    }
}
