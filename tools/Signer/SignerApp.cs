using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Monitoring.Audit;

namespace Monitoring.Signer;

/// <summary>Settings (section <c>Signer</c>).</summary>
public sealed class SignerOptions
{
    public const string Section = "Signer";

    /// <summary>File holding the Ed25519 private key (base64 of the 32-byte seed), readable by the signer's user only.</summary>
    [Required]
    public string KeyFile { get; set; } = "";

    /// <summary>Create the key file (mode 0600) when it does not exist.</summary>
    public bool CreateKey { get; set; }

    /// <summary>Where checkpoints are written once (mount write-once storage here; see docs/audit.md for S3 Object Lock).</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>Listen on this unix socket instead of TCP (the socket file's permissions then say who may ask for signatures).</summary>
    public string? Socket { get; set; }
}

/// <summary>The signer's web host: <c>POST /checkpoints</c> {store, sequence, head} → the signed checkpoint, written once.</summary>
public static class SignerApp
{
    public const string DefaultUrl = "http://127.0.0.1:5090";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var socket = builder.Configuration["Signer:Socket"];
        if (!string.IsNullOrEmpty(socket))
        {
            builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket));
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<SignerOptions>().BindConfiguration(SignerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => SignerKey.Load(sp.GetRequiredService<IOptions<SignerOptions>>().Value));
        builder.Services.AddSingleton<CheckpointLedger>();
        var app = builder.Build();
        _ = app.Services.GetRequiredService<SignerKey>(); // a missing or unreadable key stops the signer at start, not at the first request
        app.MapPost("/checkpoints", (CheckpointRequest request, CheckpointLedger ledger) => ledger.Sign(request));
        app.MapGet("/key", (SignerKey key) => Results.Ok(new { keyId = key.KeyId, publicKey = Convert.ToBase64String(key.PublicKey) }));
        app.MapGet("/healthz", () => Results.Ok("ok"));
        return app;
    }
}
