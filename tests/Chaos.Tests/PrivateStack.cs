using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Monitoring.Chaos.Tests;

/// <summary>
/// A PostgreSQL cluster of the suite's own (initdb + pg_ctl in a temporary folder, on a free port; as root it runs as the
/// <c>postgres</c> user), so that it can be restarted without touching the shared server other tests run on.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string folder = Directory.CreateTempSubdirectory("chaos-pg-").FullName;

    public int Port { get; } = Ports.Free();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database=monitoring;Username=monitoring;Password=monitoring";

    private string Options => $"-p {Port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";

    public async Task StartAsync()
    {
        Shell.Run("chown", "postgres", folder);
        await AsPostgresAsync($"{Bin}/initdb -D {folder}/data -U postgres --auth=trust -E UTF8 --no-sync");
        await AsPostgresAsync($"{Bin}/pg_ctl -D {folder}/data -o '{Options}' -l {folder}/log -w start");
        await PsqlAsync("create role monitoring login superuser password 'monitoring'");
        await PsqlAsync("create database monitoring owner monitoring");
    }

    /// <summary>A restart as an operator or a failover does it: connections end with 57P01, then the server is down a moment.</summary>
    public Task RestartAsync() => AsPostgresAsync($"{Bin}/pg_ctl -D {folder}/data -m fast -o '{Options}' -w restart");

    /// <summary>Ends every client connection (57P01), as a connection drop by a proxy or a pooler would.</summary>
    public Task DropConnectionsAsync() =>
        PsqlAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where usename = 'monitoring' and pid <> pg_backend_pid()");

    private Task PsqlAsync(string sql) => Shell.RunAsync("psql", "-h", "127.0.0.1", "-p", $"{Port}", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql);

    private static Task AsPostgresAsync(string command) =>
        Environment.UserName == "root" ? Shell.RunAsync("su", "postgres", "-s", "/bin/sh", "-c", command) : Shell.RunAsync("/bin/sh", "-c", command);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync($"{Bin}/pg_ctl -D {folder}/data -m immediate -w stop");
        }
        catch (InvalidOperationException)
        {
            // not running
        }

        Directory.Delete(folder, recursive: true);
    }
}

/// <summary>
/// A RabbitMQ node of the suite's own: its own node name, AMQP and distribution ports, data and log folders, and no plugins
/// (so it claims none of the shared node's management or metrics ports). Restarted with stop_app / start_app.
/// </summary>
internal sealed class PrivateRabbit(PrivateRabbit.TlsFiles? tls = null) : IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("chaos-rmq-").FullName;
    private readonly string node = $"chaos{Environment.ProcessId}{(tls is null ? "" : "tls")}@localhost";

    /// <summary>PEM files of an AMQPS listener: the broker's certificate and key, and the CA that signed it.</summary>
    public sealed record TlsFiles(string CaFile, string CertificateFile, string KeyFile);

    public int Port { get; } = Ports.Free();

    /// <summary>The AMQPS (TLS-only) listener's port, when started with <see cref="TlsFiles"/>.</summary>
    public int TlsPort { get; } = Ports.Free();

    private Dictionary<string, string> Environment_ => new Dictionary<string, string>
    {
        ["RABBITMQ_NODENAME"] = node,
        ["RABBITMQ_NODE_PORT"] = $"{Port}",
        ["RABBITMQ_DIST_PORT"] = $"{Ports.Free()}",
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(folder, "pid"),
    }.Concat(tls is null ? [] : new[] { KeyValuePair.Create("RABBITMQ_CONFIG_FILE", Path.Combine(folder, "rabbitmq.conf")) }).ToDictionary();

    public async Task StartAsync()
    {
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), "[].");
        // RabbitMQ's own TLS listener (the broker terminates TLS, as in production), beside the plain one the control tool's checks use.
        if (tls is not null) File.WriteAllText(Path.Combine(folder, "rabbitmq.conf"), $"""
            listeners.ssl.default = 127.0.0.1:{TlsPort}
            ssl_options.cacertfile = {tls.CaFile}
            ssl_options.certfile = {tls.CertificateFile}
            ssl_options.keyfile = {tls.KeyFile}
            ssl_options.verify = verify_none
            ssl_options.fail_if_no_peer_cert = false

            """);
        if (Environment.UserName == "root") Shell.Run("chown", "-R", "rabbitmq:rabbitmq", folder); // the server script runs as rabbitmq
        await Shell.RunAsync(Environment_, "rabbitmq-server", "-detached");
        await WaitRunningAsync();
        await CtlAsync("add_vhost", "monitoring");
        await CtlAsync("add_user", "monitoring", "monitoring");
        await CtlAsync("set_permissions", "-p", "monitoring", "monitoring", ".*", ".*", ".*");
    }

    /// <summary>Stops and starts the broker application: every connection is closed and refused until it is back.</summary>
    public async Task RestartAsync()
    {
        await CtlAsync("stop_app");
        await CtlAsync("start_app");
        await WaitRunningAsync();
    }

    private async Task WaitRunningAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await CtlAsync("status");
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or SocketException && deadline.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(500);
            }
        }
    }

    private Task CtlAsync(params string[] args) => Shell.RunAsync(["rabbitmqctl", "-n", node, "-q", .. args]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync("stop");
        }
        catch (InvalidOperationException)
        {
            // not running
        }

        Directory.Delete(folder, recursive: true);
    }
}

internal static class Ports
{
    public static int Free()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

internal static class Shell
{
    public static void Run(params string[] command) => RunAsync(command).GetAwaiter().GetResult();

    public static Task RunAsync(params string[] command) => RunAsync(new Dictionary<string, string>(), command);

    public static async Task RunAsync(Dictionary<string, string> environment, params string[] command)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}: {await error} {await output}");
        }
    }
}
