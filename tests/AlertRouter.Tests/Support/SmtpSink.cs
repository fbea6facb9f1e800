using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Monitoring.AlertRouter.Tests.Support;

/// <summary>
/// A real SMTP server: Debian's aiosmtpd (package python3-aiosmtpd) with its Maildir handler, started per test class.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    private readonly Process process;

    private SmtpSink(Process process, int port, string maildir)
    {
        this.process = process;
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>Why the SMTP tests cannot run here, or null when aiosmtpd is available.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing";
        }

        using var probe = Process.Start(new ProcessStartInfo(Python, "-c \"import aiosmtpd\"") { RedirectStandardError = true, UseShellExecute = false })!;
        probe.WaitForExit(20_000);
        return probe.ExitCode == 0 ? null : "python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)";
    }

    /// <summary>Starts aiosmtpd on a free port, on another one if the port was taken before aiosmtpd bound it.</summary>
    public static Task<SmtpSink> StartAsync() => FreePorts.StartAsync(StartAsync);

    private static async Task<SmtpSink> StartAsync(int port)
    {
        var maildir = Path.Combine(Path.GetTempPath(), $"alertrouter-mail-{Guid.NewGuid():N}");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }
        var info = new ProcessStartInfo(Python, $"-m aiosmtpd -n -l 127.0.0.1:{port} -c aiosmtpd.handlers.Mailbox {maildir}")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var sink = new SmtpSink(process, port, maildir);
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return process.HasExited ? throw new InvalidOperationException("aiosmtpd exited") : false;
            }
        }, TimeSpan.FromSeconds(20), "aiosmtpd listens");
        if (process.HasExited)
        {
            // It answered on the port and exited anyway: what answered was another process that took the port first.
            await sink.DisposeAsync();
            throw new InvalidOperationException($"aiosmtpd could not bind port {port}");
        }

        return sink;
    }

    /// <summary>Raw messages delivered so far.</summary>
    public IReadOnlyList<string> Messages()
    {
        var dir = Path.Combine(Maildir, "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(File.ReadAllText).ToList() : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(Maildir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory; harmless.
        }
    }
}
