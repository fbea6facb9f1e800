extern alias alerts;
extern alias drift;
extern alias ingest;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Monitoring.Audit.Tests.Support;

/// <summary>A service in process (ASP.NET test host) with the given settings; <typeparamref name="TEntry"/> picks the service.</summary>
public sealed class ServiceHost<TEntry> : IAsyncDisposable where TEntry : class
{
    private readonly WebApplicationFactory<TEntry> factory;

    public ServiceHost(IDictionary<string, string?> settings)
    {
        factory = new WebApplicationFactory<TEntry>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            foreach (var (k, v) in settings) b.UseSetting(k, v);

            // The services' 8 s stop budget suits a pod; on a CI machine running every test assembly at once, a graceful
            // stop must still finish (the detector's pipeline gives up its final flush when the budget is spent).
            b.ConfigureServices(s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60)));
        });
        _ = factory.Server; // start now
    }

    public IServiceProvider Services => factory.Services;

    public HttpClient Client(string? apiKey)
    {
        var client = factory.CreateClient();
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public ValueTask DisposeAsync() => factory.DisposeAsync();
}

/// <summary>The three services' entry points.</summary>
public static class Services
{
    public static ServiceHost<ingest::Program> Ingest(IDictionary<string, string?> s) => new(s);

    public static ServiceHost<drift::Program> Drift(IDictionary<string, string?> s) => new(s);

    public static ServiceHost<alerts::Program> Alerts(IDictionary<string, string?> s) => new(s);

    /// <summary>API keys every host gets: one per role.</summary>
    public static void AddKeys(IDictionary<string, string?> settings)
    {
        string[] roles = ["producer", "oncall", "safety-officer", "auditor", "admin"];
        for (var i = 0; i < roles.Length; i++)
        {
            settings[$"Auth:ApiKeys:{i}:Name"] = "test-" + roles[i];
            settings[$"Auth:ApiKeys:{i}:Key"] = Key(roles[i]);
            settings[$"Auth:ApiKeys:{i}:Roles:0"] = roles[i];
        }
    }

    public static string Key(string role) => $"key-{role}-0123456789";
}
