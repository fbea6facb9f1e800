using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.AlertRouter;
using Monitoring.AlertRouter.Api;
using Monitoring.AlertRouter.Console;
using Monitoring.ServiceDefaults;
using Npgsql;

namespace Monitoring.Console.Benchmarks;

/// <summary>The AlertRouter with its console, in process, on its own schema and virtual host of the shared stack.</summary>
public sealed class Router : IAsyncDisposable
{
    public const string ReaderKey = "bench-reader-key";
    public static readonly string Pg = Environment.GetEnvironmentVariable("MONITORING_PG") ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring";
    private static readonly HttpClient Management = CreateManagement();
    private readonly WebApplication app;

    private Router(WebApplication app, string schema, string vhost, string url)
    {
        this.app = app;
        Schema = schema;
        VirtualHost = vhost;
        Url = url;
    }

    public string Schema { get; }
    public string VirtualHost { get; }
    public string Url { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<Router> StartAsync(string routingFile, TimeProvider? clock, TimeSpan tick)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var schema = $"bench_desk_{suffix}";
        var vhost = $"bench_desk_{suffix}";
        (await Management.PutAsync($"api/vhosts/{vhost}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        (await Management.PutAsync($"api/permissions/{vhost}/monitoring", JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = Pg,
            ["RabbitMq:VirtualHost"] = vhost,
            ["AlertRouter:Schema"] = schema,
            ["AlertRouter:RoutingFile"] = routingFile,
            ["AlertRouter:TickInterval"] = tick.ToString(),
            ["AlertRouter:RetryBaseDelay"] = "00:00:00.010",
            ["Auth:ApiKeys:0:Name"] = "bench-reader",
            ["Auth:ApiKeys:0:Key"] = ReaderKey,
            ["Auth:ApiKeys:0:Roles:0"] = "safety-officer",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Marten"] = "None", // optimistic-concurrency retries (intake against the clock) are logged, then retried
            ["Urls"] = "http://127.0.0.1:0",
        });
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.AddServiceDefaults();
        builder.AddMonitoringAuth();
        builder.AddAlertRouter();
        builder.AddAlertRouterConsole();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapAlertRouterApi();
        app.MapAlertRouterConsole();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Router(app, schema, vhost, url);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        using var _ = await Management.DeleteAsync($"api/vhosts/{VirtualHost}");
        await using var conn = new NpgsqlConnection(Pg);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"drop schema if exists \"{Schema}\" cascade", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Monitoring.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }

    public static int Arg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public static string? Text(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static HttpClient CreateManagement()
    {
        var client = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("MONITORING_RMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("monitoring:monitoring")));
        return client;
    }

    /// <summary>A webhook sink that keeps every payload it received, by path.</summary>
    public static async Task<(WebApplication App, string Url, System.Collections.Concurrent.ConcurrentQueue<(string Path, string Body)> Received)> SinkAsync()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string, string)>();
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        var sink = b.Build();
        sink.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            received.Enqueue((ctx.Request.Path.Value ?? "", await reader.ReadToEndAsync()));
            ctx.Response.StatusCode = 200;
        });
        await sink.StartAsync();
        return (sink, sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(), received);
    }
}
