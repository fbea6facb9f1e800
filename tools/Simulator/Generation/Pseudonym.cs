using System.Security.Cryptography;
using System.Text;

namespace Monitoring.Simulator.Generation;

/// <summary>Patient and reader pseudonyms as producers derive them: lowercase hex HMAC-SHA256(site secret, local id).</summary>
public static class Pseudonym
{
    /// <summary>64 lowercase hex characters.</summary>
    public static string Derive(ReadOnlySpan<byte> siteSecret, string localId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(siteSecret, Encoding.UTF8.GetBytes(localId), mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>The simulated site's secret key: SHA-256 of the seed and site code (a real site keeps a random secret).</summary>
    public static byte[] SiteSecret(long seed, string site) => SHA256.HashData(Encoding.UTF8.GetBytes($"simulated-site-secret/{seed}/{site}"));
}
