using System.Collections;
using System.Globalization;
using Monitoring.Contracts;

namespace Monitoring.Detection;

/// <summary>A finding the detector opened, read generically from its emitted events (any type named *Opened with a FindingId).</summary>
internal sealed record Finding(
    string Id, string Kind, string? Signal, string? Site, IReadOnlyDictionary<string, string> Subgroup, string Scope,
    DateTimeOffset DetectedAt, string? ChangeId, bool? IsRootCause)
{
    /// <summary>Attributes the scope constrains (site included), "*" values (across all values) left out.</summary>
    public IReadOnlyDictionary<string, string> Constraints { get; } = Constrain(Site, Subgroup);

    private static Dictionary<string, string> Constrain(string? site, IReadOnlyDictionary<string, string> subgroup)
    {
        var c = subgroup.Where(kv => kv.Value != "*").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (site is not null) c["site"] = site;
        return c;
    }

    /// <summary>Whether the finding's scope holds an inference.</summary>
    public bool Holds(InferenceRecorded e) => Constraints.All(kv => Attribute(e, kv.Key) == kv.Value);

    /// <summary>Subgroup attributes exactly as the detector reads them.</summary>
    public static string? Attribute(InferenceRecorded e, string attribute) => Monitoring.DriftDetector.Detection.Extract.Attribute(e, attribute);
}

/// <summary>
/// Reads the detector's emitted events by member name, so both the current detector and its rewrite (which adds the root-cause
/// ChangeId / IsRootCause of libs/Contracts, on its finding events or on events of their own) are scored the same way.
/// </summary>
internal static class EmittedEvents
{
    public static Finding? Opened(object e)
    {
        var t = e.GetType();
        if (!t.Name.EndsWith("Opened", StringComparison.Ordinal) || Get(e, "FindingId") is not string id || Get(e, "DetectedAt") is not DateTimeOffset at)
        {
            return null;
        }

        var subgroup = Get(e, "Subgroup") is IEnumerable<KeyValuePair<string, string>> s
            ? s.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var evidence = Get(e, "Evidence");
        var signal = Get(e, "Signal") as string ?? (evidence is null ? null : Get(evidence, "Signal") as string);
        return new Finding(id, Get(e, "Kind")?.ToString() ?? t.Name, signal, Get(e, "Site") as string, subgroup, Get(e, "Scope") as string ?? "",
            at, Get(e, "ChangeId") as string, Get(e, "IsRootCause") as bool?);
    }

    /// <summary>(finding id, change id, is root cause) from any event that attributes findings to a change without being an opening.</summary>
    public static IEnumerable<(string FindingId, string ChangeId, bool? Root)> Attributions(object e)
    {
        if (Get(e, "ChangeId") is not string change) yield break;
        if (Get(e, "RootFindingId") is string root) yield return (root, change, true);
        if (Get(e, "FindingId") is string f && !e.GetType().Name.EndsWith("Opened", StringComparison.Ordinal)) yield return (f, change, Get(e, "IsRootCause") as bool?);
        if (Get(e, "Members") is IEnumerable members)
        {
            foreach (var m in members)
            {
                if (m is not null && Get(m, "FindingId") is string mf) yield return (mf, change, Get(m, "IsRootCause") as bool?);
            }
        }
    }

    /// <summary>(change id, root scope's constraints) from a change's opening or revision: the scope the change names as its cause.</summary>
    public static (string ChangeId, IReadOnlyDictionary<string, string> Root)? ChangeRoot(object e)
    {
        if (!e.GetType().Name.StartsWith("Change", StringComparison.Ordinal) || Get(e, "ChangeId") is not string id
            || Get(e, "RootSubgroup") is not IEnumerable<KeyValuePair<string, string>> subgroup)
        {
            return null;
        }

        var root = subgroup.Where(kv => kv.Value != "*").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (Get(e, "Site") is string site) root["site"] = site;
        return (id, root);
    }

    private static object? Get(object o, string name) => o.GetType().GetProperty(name)?.GetValue(o);
}
