using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Monitoring.Deploy.Tests.Support;

/// <summary>
/// The environment a container of a rendered Deployment gets: literal values, ConfigMap keys and Secret keys (test
/// values), then <c>$(VAR)</c> references expanded the way the kubelet does (earlier variables only).
/// </summary>
public static partial class ManifestEnvironment
{
    public static Dictionary<string, string> Resolve(JsonObject deployment, IReadOnlyList<JsonObject> objects,
        IReadOnlyDictionary<string, string> configOverrides, Func<string, string, string?> secret)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray())
        {
            var name = (string)e!["name"]!;
            string? value;
            if (e["value"] is { } literal)
            {
                value = Expand((string)literal!, env);
            }
            else if (e["valueFrom"]?["configMapKeyRef"] is { } cm)
            {
                var key = (string)cm["key"]!;
                value = configOverrides.TryGetValue(key, out var o) ? o
                    : (string?)Manifests.Single(objects, "ConfigMap", (string)cm["name"]!)["data"]![key];
            }
            else if (e["valueFrom"]?["secretKeyRef"] is { } sk)
            {
                value = secret((string)sk["name"]!, (string)sk["key"]!);
                if (value is null && sk["optional"]?.GetValue<bool>() != true)
                {
                    throw new InvalidOperationException($"no test value for Secret {sk["name"]} key {sk["key"]} ({name})");
                }
            }
            else
            {
                throw new InvalidOperationException($"env {name}: unsupported source {e}");
            }

            if (value is not null)
            {
                env[name] = value;
            }
        }

        return env;
    }

    private static string Expand(string value, Dictionary<string, string> defined) =>
        Reference().Replace(value, m => defined.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
