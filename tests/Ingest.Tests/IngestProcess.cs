using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

/// <summary>The built Ingest service as a real child process (<c>dotnet Monitoring.Ingest.dll</c>), configured by environment variables.</summary>
public sealed class IngestProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Queue<string> lastLines = new();

    private IngestProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public string RecentOutput
    {
        get
        {
            lock (lastLines)
            {
                return string.Join("\n", lastLines);
            }
        }
    }

    /// <summary>Starts the service on a free port, on another one if the port was taken before the service bound it.</summary>
    public static Task<IngestProcess> StartOnFreePortAsync(IReadOnlyDictionary<string, string?> settings) =>
        FreePorts.StartAsync(port => StartAsync(settings, port));

    /// <summary>The port the service listens on.</summary>
    public int Port => Address.Port;

    /// <summary>Starts the service and waits until /health/ready answers 200.</summary>
    public static async Task<IngestProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, int port)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Monitoring.Ingest.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        var address = new Uri($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        var ingest = new IngestProcess(Process.Start(start)!, address);
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.HoldsAsync(async () =>
        {
            Assert.False(ingest.process.HasExited, "Ingest exited during start:\n" + ingest.RecentOutput);
            try
            {
                return (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the Ingest process is ready");
        return ingest;
    }

    /// <summary>SIGKILL: no graceful shutdown, in-flight messages unacknowledged, batches half-written or not.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lastLines)
        {
            lastLines.Enqueue(line);
            while (lastLines.Count > 40)
            {
                lastLines.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }

        process.Dispose();
    }
}
