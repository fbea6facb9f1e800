using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Monitoring.TestSupport;

/// <summary>A throw-away certificate authority and server certificates it signs (TLS tests: AMQPS, trust decisions).</summary>
public static class TestCertificates
{
    /// <summary>A self-signed CA valid from yesterday for 30 days, with its private key.</summary>
    public static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A server certificate for <paramref name="dns"/> (subject alternative name, server-auth usage) signed by <paramref name="ca"/>, with its private key.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string dns)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dns}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }
}
