using System.Net;
using System.Net.Sockets;

namespace Monitoring.TestSupport;

/// <summary>
/// Starting a listener (a child process, a server) on a port found free a moment earlier races with every other process
/// on the machine: another test may bind it in between. Where the listener cannot bind port 0 itself, start it through
/// <see cref="StartAsync{T}"/>, which picks a fresh port and tries again when the start fails.
/// </summary>
public static class FreePorts
{
    /// <summary>A loopback port that was free when asked (bind to it soon, and through <see cref="StartAsync{T}"/>).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs <paramref name="start"/> with a free port; when it throws (typically: the port was taken before the child bound
    /// it, so it exited), disposes nothing, picks another port and tries again, up to <paramref name="attempts"/> times.
    /// </summary>
    public static async Task<T> StartAsync<T>(Func<int, Task<T>> start, int attempts = 4)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(Next());
            }
            catch (Exception) when (attempt < attempts)
            {
                // Port lost to another process (or a slow start): a new port, a new try.
            }
        }
    }
}
