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

    /// <summary>The SMTP command whose reply a stalling server withholds, once.</summary>
    public enum Stall
    {
        None,

        /// <summary>The message is stored, then the 250 after DATA comes late: the client cannot know it was delivered.</summary>
        DataReply,

        /// <summary>The message is stored and acknowledged, then the reply to QUIT comes late.</summary>
        QuitReply,
    }

    /// <summary>
    /// aiosmtpd's Maildir handler that, for the first message only, withholds the reply to DATA or to QUIT for a while
    /// (a server that stored the message and then stalled); loaded by aiosmtpd's <c>-c</c> from a file written per server.
    /// </summary>
    private const string StallingHandler = """
        import asyncio
        from aiosmtpd.handlers import Mailbox

        class StallingMailbox(Mailbox):
            def __init__(self, mail_dir, command, seconds):
                super().__init__(mail_dir)
                self.command, self.seconds, self.stalled = command, float(seconds), False

            async def stall(self, command):
                if self.command == command and not self.stalled:
                    self.stalled = True
                    await asyncio.sleep(self.seconds)

            async def handle_DATA(self, server, session, envelope):
                reply = await super().handle_DATA(server, session, envelope)
                await self.stall("DATA")
                return reply

            async def handle_QUIT(self, server, session, envelope):
                await self.stall("QUIT")
                return "221 Bye"

            @classmethod
            def from_cli(cls, parser, *args):
                return cls(*args)
        """;

    /// <summary>Starts aiosmtpd on a free port, on another one if the port was taken before aiosmtpd bound it.</summary>
    /// <param name="stall">Which reply to withhold for the first message (none by default).</param>
    /// <param name="stallFor">How long that reply is withheld.</param>
    public static Task<SmtpSink> StartAsync(Stall stall = Stall.None, TimeSpan stallFor = default) =>
        FreePorts.StartAsync(port => StartAsync(port, stall, stallFor));

    private static async Task<SmtpSink> StartAsync(int port, Stall stall, TimeSpan stallFor)
    {
        var maildir = Path.Combine(Path.GetTempPath(), $"alertrouter-mail-{Guid.NewGuid():N}");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var handler = $"aiosmtpd.handlers.Mailbox {maildir}";
        if (stall != Stall.None)
        {
            await File.WriteAllTextAsync(Path.Combine(maildir, "stalling_mailbox.py"), StallingHandler);
            var command = stall == Stall.DataReply ? "DATA" : "QUIT";
            handler = $"stalling_mailbox.StallingMailbox {maildir} {command} {stallFor.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        var info = new ProcessStartInfo(Python, $"-m aiosmtpd -n -l 127.0.0.1:{port} -c {handler}")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment["PYTHONPATH"] = maildir;
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
