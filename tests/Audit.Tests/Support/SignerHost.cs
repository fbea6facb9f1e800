using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Monitoring.Audit;
using Monitoring.Signer;

namespace Monitoring.Audit.Tests.Support;

/// <summary>The real signer (tools/Signer) on a free local port, with its own key file and checkpoint directory.</summary>
public sealed class SignerHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private SignerHost(WebApplication app, string root, string url)
    {
        this.app = app;
        Root = root;
        Url = url;
    }

    public string Root { get; }

    public string Url { get; }

    public string Checkpoints => Path.Combine(Root, "checkpoints");

    public string KeyFile => Path.Combine(Root, "secret", "signer.key");

    /// <summary>The trusted keys an auditor pinned (a copy, as out of band).</summary>
    public string TrustedKeys => Path.Combine(Root, "trusted");

    public static async Task<SignerHost> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "audit-signer-" + Guid.NewGuid().ToString("N")[..12]);
        var url = $"http://127.0.0.1:{FreePort()}";
        var app = SignerApp.Build([
            "--urls", url,
            "--Signer:KeyFile", Path.Combine(root, "secret", "signer.key"),
            "--Signer:CreateKey", "true",
            "--Signer:Directory", Path.Combine(root, "checkpoints"),
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await app.StartAsync();
        var host = new SignerHost(app, root, url);
        Directory.CreateDirectory(host.TrustedKeys);
        foreach (var pub in Directory.EnumerateFiles(Path.Combine(host.Checkpoints, "keys")))
        {
            File.Copy(pub, Path.Combine(host.TrustedKeys, Path.GetFileName(pub)));
        }

        return host;
    }

    public List<SignedCheckpoint> Read(string store) => CheckpointDirectory.Read(Checkpoints, store);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
