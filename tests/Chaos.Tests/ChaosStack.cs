using System.Diagnostics;
using System.Globalization;
using Monitoring.EndToEnd.Latency;

namespace Monitoring.Chaos.Tests;

/// <summary>
/// The three services started as processes from their built output (the configuration of this run: Release in CI), pointed at
/// the private PostgreSQL and RabbitMQ, each on a free port; any of them can be killed (SIGKILL), restarted or stopped (SIGTERM).
/// </summary>
internal sealed class ChaosStack : IAsyncDisposable
{
    public static readonly string[] Names = ["Ingest", "DriftDetector", "AlertRouter"];
    private readonly Dictionary<string, ChildProcess> children = [];
    private readonly Dictionary<string, string> urls = Names.ToDictionary(n => n, _ => $"http://127.0.0.1:{Ports.Free()}");
    private readonly string root;
    private readonly string logs = Directory.CreateTempSubdirectory("chaos-logs-").FullName;
    private readonly Dictionary<string, string> common;
    private readonly Dictionary<string, Dictionary<string, string>> own;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public ChaosStack(string root, PrivatePostgres postgres, PrivateRabbit rabbit, string policyDirectory, string routingFile)
    {
        this.root = root;
        common = new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Marten"] = postgres.ConnectionString,
            ["RabbitMq__Host"] = "127.0.0.1",
            ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = "monitoring",
            ["RabbitMq__Username"] = "monitoring",
            ["RabbitMq__Password"] = "monitoring",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        own = new()
        {
            ["Ingest"] = new() { ["Ingest__RateLimit__RequestsPerSecond"] = "10000", ["Ingest__RateLimit__Burst"] = "10000" },
            ["DriftDetector"] = new() { ["DriftDetector__PolicyPaths__0"] = policyDirectory, ["DriftDetector__LagCheckInterval"] = "00:00:01" },
            ["AlertRouter"] = new() { ["AlertRouter__RoutingFile"] = routingFile, ["AlertRouter__ExternalUrl"] = urls["AlertRouter"] },
        };
    }

    public string Url(string name) => urls[name];

    public string LogDirectory => logs;

    /// <summary>Starts a service and waits until it is ready.</summary>
    public async Task StartAsync(string name)
    {
        var folder = Path.Combine(root, "services", name, "bin", Configuration, "net10.0");
        var dll = Path.Combine(folder, $"Monitoring.{name}.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"missing {dll}: build the solution first");
        var env = new Dictionary<string, string>(common);
        foreach (var (k, v) in own[name]) env[k] = v;
        children[name] = ChildProcess.Start(name, folder, ["dotnet", dll, "--urls", urls[name]], env, Path.Combine(logs, $"{name}.log"));
        await WaitAsync(TimeSpan.FromSeconds(90), $"{name} ready", () => ReadyAsync(name));
    }

    /// <summary>kill -9.</summary>
    public void Kill(string name) => children[name].Stop();

    /// <summary>SIGTERM; returns how long the process took to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(string name)
    {
        var child = children[name];
        var clock = Stopwatch.StartNew();
        await Shell.RunAsync("kill", "-TERM", child.Pid.ToString(CultureInfo.InvariantCulture));
        var exited = await Task.WhenAny(child.Exited, Task.Delay(TimeSpan.FromSeconds(30)));
        var elapsed = clock.Elapsed;
        if (!child.HasExited) child.Stop();
        return elapsed;
    }

    public async Task<bool> ReadyAsync(string name)
    {
        if (children.TryGetValue(name, out var child) && child.HasExited)
        {
            throw new InvalidOperationException($"{name} exited with {child.ExitCode}:\n{child.Tail(40)}");
        }

        try
        {
            using var response = await http.GetAsync($"{urls[name]}/health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The detector's subscription lag (events), from its metrics; null while it cannot be read.</summary>
    public async Task<double?> LagAsync()
    {
        try
        {
            var text = await http.GetStringAsync($"{urls["DriftDetector"]}/metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("drift_subscription_lag_events ", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public static async Task WaitAsync(TimeSpan timeout, string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"not {what} within {timeout.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }

    public string Tails() => string.Join("\n", children.Select(c => $"--- {c.Key}\n{c.Value.Tail(30)}"));

    private static string Configuration =>
        typeof(ChaosStack).Assembly.Location.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public ValueTask DisposeAsync()
    {
        foreach (var child in children.Values) child.Stop();
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
