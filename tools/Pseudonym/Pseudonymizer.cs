using System.Security.Cryptography;
using System.Text;

namespace Monitoring.Pseudonym;

/// <summary>
/// The pseudonym Ingest accepts for <c>patient.pseudoId</c> and <c>readerPseudoId</c>:
/// <c>lowercase_hex(HMAC-SHA256(key = UTF-8(site secret), message = UTF-8(trimmed local id)))</c>, 64 characters.
/// The secret stays at the site: without it a pseudonym cannot be linked back to a local id, and the same patient
/// gets unrelated pseudonyms at two sites with different secrets. Keep one secret per site for the lifetime of the
/// monitoring (rotating it breaks longitudinal linkage of the same patient).
/// </summary>
public static class Pseudonymizer
{
    /// <summary>Shortest accepted site secret, in bytes of UTF-8 (256 bits, the HMAC-SHA256 block strength).</summary>
    public const int MinimumSecretBytes = 32;

    /// <summary>Derives the pseudonym of <paramref name="localId"/> under <paramref name="siteSecret"/>.</summary>
    /// <exception cref="ArgumentException">The secret is shorter than <see cref="MinimumSecretBytes"/> or the id is empty.</exception>
    public static string Derive(string siteSecret, string localId)
    {
        var key = Encoding.UTF8.GetBytes(siteSecret);
        if (key.Length < MinimumSecretBytes)
        {
            throw new ArgumentException($"The site secret must be at least {MinimumSecretBytes} bytes; generate one with `openssl rand -hex 32`.", nameof(siteSecret));
        }

        var id = localId.Trim();
        if (id.Length == 0)
        {
            throw new ArgumentException("The local id is empty.", nameof(localId));
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(id)));
    }
}
