using System.Diagnostics;

namespace Monitoring.Deploy.Tests.Support;

/// <summary>One published service started as a process with exactly the given environment (as a container would be).</summary>
public sealed class ServiceProcess(string name, string directory, string dll, IReadOnlyDictionary<string, string> environment, int port, string log)
    : IAsyncDisposable
{
    private Process? process;

    public string Name { get; } = name;

    public int Port { get; } = port;

    public IReadOnlyDictionary<string, string> Environment { get; } = environment;

    public string LogFile { get; } = log;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool Running => process is { HasExited: false };

    public void Start()
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.Environment.Clear();
        // Only what a container image adds besides the manifest's env: the runtime's own location and a home.
        foreach (var keep in new[] { "PATH", "HOME", "DOTNET_ROOT", "TMPDIR" })
        {
            if (System.Environment.GetEnvironmentVariable(keep) is { } v)
            {
                psi.Environment[keep] = v;
            }
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in Environment)
        {
            psi.Environment[k] = v;
        }

        var writer = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>SIGTERM (as the kubelet sends), then kill after the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (process is not { HasExited: false } p)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(grace);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    public string LogTail(int lines = 40) =>
        File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(20));
}
