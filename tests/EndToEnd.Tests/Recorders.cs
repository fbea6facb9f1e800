using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Monitoring.EndToEnd.Tests;

/// <summary>One producer request as sent: its W3C trace id, path and the inference ids its items carried.</summary>
internal sealed record TracedRequest(string TraceId, string Path, IReadOnlySet<string> InferenceIds);

/// <summary>
/// The producer side of tracing, as an instrumented hospital integration would do it: every request the simulator's HTTP sink
/// sends gets its own W3C <c>traceparent</c> (a new trace), and the test remembers which items travelled under which trace.
/// </summary>
internal sealed class TracingProducerHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentDictionary<string, TracedRequest> requests = new();

    public IReadOnlyDictionary<string, TracedRequest> Requests => requests;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var trace = ActivityTraceId.CreateRandom().ToHexString();
        request.Headers.Remove("traceparent");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (request.Content is not null)
        {
            using var body = JsonDocument.Parse(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            foreach (var item in body.RootElement.EnumerateArray())
            {
                foreach (var property in item.EnumerateObject())
                {
                    if (property.Name.Equals("inferenceId", StringComparison.OrdinalIgnoreCase)) ids.Add(property.Value.GetString()!);
                }
            }
        }

        requests[trace] = new TracedRequest(trace, request.RequestUri!.AbsolutePath, ids);
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>One webhook delivery as received: path, the <c>traceparent</c> header and the Alertmanager payload.</summary>
internal sealed record WebhookDelivery(string Path, string? TraceParent, JsonElement Payload);

/// <summary>A real HTTP webhook receiver (Kestrel on a free loopback port) that keeps every delivery.</summary>
internal sealed class WebhookInbox : IAsyncDisposable
{
    private readonly ConcurrentQueue<WebhookDelivery> deliveries = new();
    private WebApplication? app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<WebhookDelivery> Deliveries => deliveries.ToList();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.Run(async ctx =>
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            deliveries.Enqueue(new WebhookDelivery(ctx.Request.Path, ctx.Request.Headers["traceparent"].FirstOrDefault(), doc.RootElement.Clone()));
            ctx.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
    }
}
