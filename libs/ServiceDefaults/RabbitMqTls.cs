using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MassTransit;
using Microsoft.Extensions.Configuration;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// AMQP over TLS settings, read from the same <c>RabbitMq</c> section as the host and credentials
/// (<c>RabbitMq:UseTls</c>, <c>RabbitMq:CaFile</c>, <c>RabbitMq:ClientCertificateFile</c>, <c>RabbitMq:ClientKeyFile</c>).
/// Files are PEM, the form Kubernetes TLS Secrets and cert-manager mount.
/// </summary>
public sealed class RabbitMqTlsOptions
{
    /// <summary>Configuration section shared with each service's RabbitMQ host settings.</summary>
    public const string Section = "RabbitMq";

    /// <summary>Connect with TLS (AMQPS, normally port 5671).</summary>
    public bool UseTls { get; set; }

    /// <summary>Name the server certificate must carry; the host name when empty.</summary>
    public string? ServerName { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate; the system trust store when empty.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate, for brokers that require one (optional).</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Authenticate with the client certificate (RabbitMQ's EXTERNAL mechanism) instead of the password.</summary>
    public bool CertificateAsIdentity { get; set; }
}

/// <summary>The shared TLS part of every service's RabbitMQ host registration.</summary>
public static class RabbitMqTlsExtensions
{
    /// <summary>
    /// Applies <see cref="RabbitMqTlsOptions"/> from configuration to a MassTransit RabbitMQ host: nothing when
    /// <c>RabbitMq:UseTls</c> is false; otherwise TLS 1.2/1.3, the server certificate checked against
    /// <c>RabbitMq:CaFile</c> (chain and name), and the optional client certificate.
    /// </summary>
    /// <param name="host">The host being configured (inside <c>cfg.Host(..., h =&gt; ...)</c>).</param>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="hostName">The broker host, the default expected server name.</param>
    public static void UseMonitoringTls(this IRabbitMqHostConfigurator host, IConfiguration configuration, string hostName)
    {
        var o = configuration.GetSection(RabbitMqTlsOptions.Section).Get<RabbitMqTlsOptions>() ?? new RabbitMqTlsOptions();
        if (!o.UseTls)
        {
            return;
        }

        var ca = LoadCa(o);
        host.UseSsl(s =>
        {
            s.Protocol = SslProtocols.Tls12 | SslProtocols.Tls13;
            s.ServerName = string.IsNullOrEmpty(o.ServerName) ? hostName : o.ServerName;
            if (ca is not null)
            {
                s.CertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors);
            }

            if (!string.IsNullOrEmpty(o.ClientCertificateFile))
            {
                s.Certificate = X509Certificate2.CreateFromPemFile(o.ClientCertificateFile, o.ClientKeyFile);
                s.UseCertificateAsAuthenticationIdentity = o.CertificateAsIdentity;
            }
        });
    }

    /// <summary>
    /// Applies the same <see cref="RabbitMqTlsOptions"/> to a plain RabbitMQ.Client connection factory (the Ingest's HTTP
    /// publisher connects without MassTransit): TLS 1.2/1.3, the server checked against <c>RabbitMq:CaFile</c>, the optional
    /// client certificate (and EXTERNAL authentication with it). Nothing when <c>RabbitMq:UseTls</c> is false.
    /// </summary>
    /// <param name="factory">The factory whose connections must use TLS.</param>
    /// <param name="configuration">The application's configuration.</param>
    public static void UseMonitoringTls(this RabbitMQ.Client.ConnectionFactory factory, IConfiguration configuration)
    {
        var o = configuration.GetSection(RabbitMqTlsOptions.Section).Get<RabbitMqTlsOptions>() ?? new RabbitMqTlsOptions();
        if (!o.UseTls)
        {
            return;
        }

        var ca = LoadCa(o);
        factory.Ssl = new RabbitMQ.Client.SslOption
        {
            Enabled = true,
            ServerName = string.IsNullOrEmpty(o.ServerName) ? factory.HostName : o.ServerName,
            Version = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (ca is not null)
        {
            factory.Ssl.CertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors);
        }

        if (!string.IsNullOrEmpty(o.ClientCertificateFile))
        {
            factory.Ssl.Certs = [X509Certificate2.CreateFromPemFile(o.ClientCertificateFile, o.ClientKeyFile)];
            if (o.CertificateAsIdentity)
            {
                factory.AuthMechanisms = [new RabbitMQ.Client.ExternalMechanismFactory()];
            }
        }
    }

    /// <summary>
    /// The CA certificate alone: <c>CreateFromPemFile(path)</c> also wants a private key in the file, which a CA file never
    /// has (every service with UseTls and a CaFile died at start; found by the live AMQPS test).
    /// </summary>
    private static X509Certificate2? LoadCa(RabbitMqTlsOptions o) =>
        string.IsNullOrEmpty(o.CaFile) ? null : X509Certificate2.CreateFromPem(File.ReadAllText(o.CaFile));

    /// <summary>
    /// The broker's certificate chains to <paramref name="ca"/> (a private CA, not in the system store) and names the
    /// host. Name mismatches and unavailable certificates are never accepted.
    /// </summary>
    /// <param name="ca">The trusted CA.</param>
    /// <param name="presented">The certificate the broker presented.</param>
    /// <param name="errors">What the platform check found (chain errors are expected for a private CA).</param>
    /// <returns>Whether the connection may proceed.</returns>
    public static bool TrustedBy(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    }
}
