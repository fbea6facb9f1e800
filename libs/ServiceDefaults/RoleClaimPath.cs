using System.Security.Claims;
using System.Text.Json;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// Roles under a nested claim, such as Keycloak's <c>realm_access.roles</c> (<c>{"realm_access":{"roles":[...]}}</c>)
/// or <c>resource_access.&lt;client&gt;.roles</c>: the path's first segment is the token's claim, the rest walks into its
/// JSON. Each role found is added as a claim whose type is the path itself, the identity's role claim type, so
/// <c>RequireRole</c> works unchanged.
/// </summary>
public static class RoleClaimPath
{
    /// <summary>Adds the roles found at <paramref name="path"/> (dot-separated) to <paramref name="identity"/>.</summary>
    public static void Apply(ClaimsIdentity identity, string path)
    {
        var segments = path.Split('.');
        if (segments.Length < 2 || identity.FindFirst(segments[0]) is not { } claim)
        {
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(claim.Value);
            var node = doc.RootElement;
            foreach (var segment in segments.Skip(1))
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(segment, out node))
                {
                    return;
                }
            }

            var roles = node.ValueKind switch
            {
                JsonValueKind.Array => node.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
                JsonValueKind.String => [node.GetString()!],
                _ => [],
            };
            foreach (var role in roles.Where(r => !identity.HasClaim(path, r)).ToList())
            {
                identity.AddClaim(new Claim(path, role));
            }
        }
        catch (JsonException)
        {
            // Not JSON: the claim is not the object the path expects, so it grants nothing.
        }
    }
}
