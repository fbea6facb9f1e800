using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Monitoring.TestSupport;

namespace Monitoring.EndToEnd.Latency;

/// <summary>
/// The three services started as separate processes from their Release output folders (as scripts/demo.sh and a
/// deployment run them), each on its own port, PostgreSQL schemas and RabbitMQ virtual host, so the benchmark never
/// touches the demo's data and can run beside it.
/// </summary>
internal sealed class Stack : IAsyncDisposable
{
    private readonly List<ChildProcess> children = [];
    private readonly Dictionary<string, string> urls = [];
    private readonly string root;
    private readonly string logs;

    public Stack(string root, string suffix)
    {
        this.root = root;
        Suffix = suffix;
        logs = Directory.CreateTempSubdirectory($"e2e-latency-{suffix}-").FullName;
        IngestUrl = $"http://127.0.0.1:{FreePort()}";
        DetectorUrl = $"http://127.0.0.1:{FreePort()}";
        RouterUrl = $"http://127.0.0.1:{FreePort()}";
    }

    public string Suffix { get; }
    public string IngestSchema => $"e2e_ingest_{Suffix}";
    public string DriftSchema => $"e2e_drift_{Suffix}";
    public string AlertsSchema => $"e2e_alerts_{Suffix}";
    public string VirtualHost { get; private set; } = "";
    public string IngestUrl { get; }
    public string DetectorUrl { get; }
    public string RouterUrl { get; }
    public string LogDirectory => logs;
    public IReadOnlyList<ChildProcess> Children => children;

    /// <summary>Base address of each started service, by name (for its /metrics).</summary>
    public IReadOnlyDictionary<string, string> Urls => urls;

    public static string PostgresConnection => TestInfrastructure.PostgresConnectionString;

    public async Task StartAsync(string policyDirectory, string routingFile)
    {
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync("e2e");
        var common = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Marten"] = PostgresConnection,
            ["RabbitMq__VirtualHost"] = VirtualHost,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };

        // One at a time, as the demo does: the Ingest creates the event store's schema, the detector then reads it.
        await StartServiceAsync("Ingest", IngestUrl, common, new() { ["Ingest__Schema"] = IngestSchema });
        await StartServiceAsync("DriftDetector", DetectorUrl, common, new()
        {
            ["DriftDetector__IngestSchema"] = IngestSchema,
            ["DriftDetector__DriftSchema"] = DriftSchema,
            ["DriftDetector__PolicyPaths__0"] = policyDirectory,
        });
        await StartServiceAsync("AlertRouter", RouterUrl, common, new()
        {
            ["AlertRouter__Schema"] = AlertsSchema,
            ["AlertRouter__RoutingFile"] = routingFile,
            ["AlertRouter__ExternalUrl"] = RouterUrl,
        });
    }

    private async Task StartServiceAsync(string name, string url, Dictionary<string, string> common, Dictionary<string, string> own)
    {
        var folder = Path.Combine(root, "services", name, "bin", "Release", "net10.0");
        var dll = Path.Combine(folder, $"Monitoring.{name}.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"missing {dll}: build Release first (dotnet build Monitoring.sln -c Release)");
        var env = new Dictionary<string, string>(common);
        foreach (var (k, v) in own) env[k] = v;

        // Command-line --urls wins over every appsettings file (the Development files pin the demo's ports).
        var child = ChildProcess.Start(name, folder, ["dotnet", dll, "--urls", url], env, Path.Combine(logs, $"{name}.log"));
        children.Add(child);
        urls[name] = url;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (child.HasExited) throw new InvalidOperationException($"{name} exited with {child.ExitCode}; log: {child.LogPath}\n{child.Tail()}");
            try
            {
                using var r = await http.GetAsync($"{url}/health/ready");
                if (r.IsSuccessStatusCode)
                {
                    Console.WriteLine($"  {name} ready at {url} (pid {child.Pid})");
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException($"{name} did not become ready in 2 minutes; log: {child.LogPath}\n{child.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var child in Enumerable.Reverse(children)) child.Stop();
        foreach (var schema in new[] { IngestSchema, DriftSchema, AlertsSchema }) await TestInfrastructure.DropSchemaAsync(schema);
        if (VirtualHost.Length > 0) await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

/// <summary>A child process whose output goes to a log file; CPU time read from /proc.</summary>
internal sealed class ChildProcess
{
    private readonly Process process;

    private ChildProcess(string name, Process process, string logPath)
    {
        Name = name;
        this.process = process;
        LogPath = logPath;
    }

    public string Name { get; }
    public string LogPath { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public Task Exited => process.WaitForExitAsync();

    public static ChildProcess Start(string name, string workingDirectory, string[] command, Dictionary<string, string> env, string logPath)
    {
        var info = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, logPath);
    }

    /// <summary>CPU seconds (user + system) used so far, from /proc/PID/stat.</summary>
    public double CpuSeconds() => ProcStat.CpuSeconds(Pid);

    public string Tail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Stop()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}

/// <summary>CPU accounting from /proc (Linux): per process, per command name, and the whole machine.</summary>
internal static class ProcStat
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond; // utime, stime
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>Resident memory (VmRSS) of a process in MB, from /proc/PID/status; 0 when it is gone.</summary>
    public static double RssMegabytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds per live process with this command name (postgres, beam.smp), by pid.</summary>
    public static Dictionary<int, double> CpuSecondsOf(string command)
    {
        var result = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == command) result[pid] = CpuSeconds(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return result;
    }

    /// <summary>
    /// CPU used between two readings of <see cref="CpuSecondsOf"/>: growth of processes alive at both, plus all of those
    /// started in between (short-lived connections' backends that ended in between are missed, so this is a lower bound).
    /// </summary>
    public static double Between(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(kv => kv.Value - before.GetValueOrDefault(kv.Key));

    /// <summary>(busy, total) CPU seconds of the machine, all cores.</summary>
    public static (double Busy, double Total) Machine()
    {
        var line = File.ReadLines("/proc/stat").First();
        var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = v[3] + v[4];
        var total = v.Take(8).Sum();
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond);
    }
}
