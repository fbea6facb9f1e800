using Monitoring.Audit;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Monitoring.Signer;

/// <summary>The Ed25519 key, loaded from its file at start. Only this process reads the file.</summary>
public sealed class SignerKey
{
    private readonly Ed25519PrivateKeyParameters key;

    private SignerKey(Ed25519PrivateKeyParameters key)
    {
        this.key = key;
        PublicKey = key.GeneratePublicKey().GetEncoded();
        KeyId = SignedCheckpoint.KeyIdOf(PublicKey);
    }

    public byte[] PublicKey { get; }

    public string KeyId { get; }

    public static SignerKey Load(SignerOptions o)
    {
        if (!File.Exists(o.KeyFile))
        {
            if (!o.CreateKey) throw new InvalidOperationException($"Signer:KeyFile {o.KeyFile} does not exist (set Signer:CreateKey to create one)");
            var seed = new byte[Ed25519PrivateKeyParameters.KeySize];
            new SecureRandom().NextBytes(seed);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.KeyFile))!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new StreamWriter(o.KeyFile, options)) file.Write(Convert.ToBase64String(seed));
        }

        var signer = new SignerKey(new Ed25519PrivateKeyParameters(Convert.FromBase64String(File.ReadAllText(o.KeyFile).Trim()), 0));
        // The public key is published beside the checkpoints; an auditor pins it out of band (docs/audit.md).
        var keys = Path.Combine(o.Directory, "keys");
        Directory.CreateDirectory(keys);
        var pub = Path.Combine(keys, signer.KeyId + ".pub");
        if (!File.Exists(pub)) File.WriteAllText(pub, Convert.ToBase64String(signer.PublicKey));
        return signer;
    }

    public string Sign(byte[] payload)
    {
        var s = new Ed25519Signer();
        s.Init(true, key);
        s.BlockUpdate(payload, 0, payload.Length);
        return Convert.ToBase64String(s.GenerateSignature());
    }
}
