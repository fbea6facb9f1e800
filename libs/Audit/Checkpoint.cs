using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Monitoring.Audit;

/// <summary>
/// A signed checkpoint: the signer's statement that the chain of <see cref="Store"/> had link <see cref="Head"/> at
/// <see cref="Sequence"/>, at the signer's clock time <see cref="SignedAt"/>, under key <see cref="KeyId"/> (Ed25519).
/// Written once to <c>&lt;directory&gt;/&lt;store&gt;/&lt;sequence, 20 digits&gt;.json</c>.
/// </summary>
public sealed record SignedCheckpoint(
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("head")] string Head,
    [property: JsonPropertyName("signedAt")] string SignedAt,
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("signature")] string Signature)
{
    /// <summary>The exact bytes signed: one field per line, fixed order, no JSON (so no canonicalization question).</summary>
    public static byte[] Payload(string store, long sequence, string head, string signedAt, string keyId) =>
        Encoding.UTF8.GetBytes($"audit-checkpoint/1\n{store}\n{sequence.ToString(CultureInfo.InvariantCulture)}\n{head}\n{signedAt}\n{keyId}");

    /// <summary>The key id of an Ed25519 public key: the first 16 hex digits of its SHA-256.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> publicKey) => ChainHash.Hex(SHA256.HashData(publicKey))[..16];

    /// <summary>File name of a checkpoint inside its store's directory (sorts by sequence).</summary>
    public static string FileName(long sequence) => sequence.ToString("D20", CultureInfo.InvariantCulture) + ".json";

    /// <summary>Whether the signature holds under <paramref name="publicKey"/> (and the key id matches that key).</summary>
    public bool Verify(ReadOnlySpan<byte> publicKey)
    {
        if (KeyIdOf(publicKey) != KeyId) return false;
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(Signature);
        }
        catch (FormatException)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey.ToArray(), 0));
        var payload = Payload(Store, Sequence, Head, SignedAt, KeyId);
        verifier.BlockUpdate(payload, 0, payload.Length);
        return verifier.VerifySignature(signature);
    }
}

/// <summary>Checkpoints and trusted public keys read from directories.</summary>
public static class CheckpointDirectory
{
    /// <summary>Reads the checkpoints of <paramref name="store"/> in sequence order (none when the directory is absent).</summary>
    public static List<SignedCheckpoint> Read(string directory, string store)
    {
        var dir = Path.Combine(directory, store);
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, "*.json")
            .Select(f => JsonSerializer.Deserialize<SignedCheckpoint>(File.ReadAllText(f)) ?? throw new InvalidDataException($"empty checkpoint {f}"))
            .OrderBy(c => c.Sequence)
            .ToList();
    }

    /// <summary>
    /// Trusted Ed25519 public keys, by key id: every <c>*.pub</c> file (base64 of the 32-byte key) in <paramref name="directory"/>.
    /// An auditor pins these out of band; keys found next to the checkpoints prove nothing by themselves.
    /// </summary>
    public static Dictionary<string, byte[]> ReadKeys(string directory)
    {
        var keys = new Dictionary<string, byte[]>();
        if (!Directory.Exists(directory)) return keys;
        foreach (var file in Directory.EnumerateFiles(directory, "*.pub"))
        {
            var key = Convert.FromBase64String(File.ReadAllText(file).Trim());
            keys[SignedCheckpoint.KeyIdOf(key)] = key;
        }

        return keys;
    }
}
