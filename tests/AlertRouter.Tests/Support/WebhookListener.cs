using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Monitoring.AlertRouter.Tests.Support;

/// <summary>A request the listener received.</summary>
public sealed record ReceivedRequest(string Path, string Body, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>A real HTTP listener on a free local port (Kestrel); paths under <c>/fail</c> answer 503.</summary>
public sealed class WebhookListener : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedRequest> received = new();

    private WebhookListener(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedRequest> Received => received.ToArray();

    public IReadOnlyList<ReceivedRequest> At(string path) => received.Where(r => r.Path == path).ToList();

    public static async Task<WebhookListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var listener = new WebhookListener(app);
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            listener.received.Enqueue(new ReceivedRequest(ctx.Request.Path, body, DateTimeOffset.UtcNow));
            ctx.Response.StatusCode = ctx.Request.Path.StartsWithSegments("/fail") ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });
        await app.StartAsync();
        listener.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return listener;
    }

    public string Url(string path) => $"{BaseUrl}{path}";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
