namespace Monitoring.DriftDetector.Detection.Changes;

/// <summary>Set relations between scope keys (<c>*</c>, <c>site=b</c>, <c>site=b&amp;manufacturer=X</c>; <c>sex=*</c> = any value).</summary>
internal static class Scopes
{
    /// <summary>Attribute → value of a scope key, with the policy's site when the scope does not name one.</summary>
    public static IReadOnlyDictionary<string, string> Parts(string scope, string? policySite)
    {
        var parts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (policySite is not null) parts["site"] = policySite;
        if (scope is "*" or "") return new Dictionary<string, string>(parts, StringComparer.Ordinal);
        foreach (var part in scope.Split('&'))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) continue;
            var value = Uri.UnescapeDataString(part[(eq + 1)..]);
            if (value != "*") parts[part[..eq]] = value;
        }

        return new Dictionary<string, string>(parts, StringComparer.Ordinal);
    }

    public static string? Site(string scope, string? policySite) => Parts(scope, policySite).GetValueOrDefault("site");

    /// <summary>True when some event can belong to both scopes (no attribute fixed to two different values).</summary>
    public static bool Overlap(string a, string b)
    {
        var pa = Parts(a, null);
        foreach (var (k, v) in Parts(b, null))
        {
            if (pa.TryGetValue(k, out var w) && w != v) return false;
        }

        return true;
    }

    /// <summary>True when <paramref name="narrow"/> fixes every attribute <paramref name="wide"/> fixes, to the same values, and more.</summary>
    public static bool Narrower(string narrow, string wide)
    {
        var pn = Parts(narrow, null);
        var pw = Parts(wide, null);
        return pn.Count > pw.Count && pw.All(x => pn.TryGetValue(x.Key, out var v) && v == x.Value);
    }
}
