using Xunit;

namespace Monitoring.TestSupport;

/// <summary>Asserting that a service refuses to start, through ASP.NET Core's test host.</summary>
public static class HostStart
{
    /// <summary>
    /// Starts a fresh host from <paramref name="create"/> (e.g. <c>() => new Factory(...)</c>, started by <paramref name="start"/>,
    /// e.g. <c>f => f.Server</c>) and returns the <typeparamref name="TException"/> its start threw. WebApplicationFactory runs
    /// the app's entry point on its own thread: when the start fails there, the app can dispose its host before the factory's
    /// deferred host reads it, and the factory then throws <see cref="ObjectDisposedException"/> instead of the start's own
    /// exception (a race inside Microsoft.AspNetCore.Mvc.Testing, seen once on a loaded machine). Such an attempt says nothing
    /// either way, so it is repeated with a fresh host, a few times at most.
    /// </summary>
    public static TException Refused<TException, THost>(Func<THost> create, Func<THost, object?> start)
        where TException : Exception where THost : IDisposable
    {
        for (var attempt = 1; ; attempt++)
        {
            using var host = create();
            try
            {
                _ = start(host);
            }
            catch (TException e)
            {
                return e;
            }
            catch (ObjectDisposedException) when (attempt < 5)
            {
                continue;
            }

            Assert.Fail($"the host started; expected its start to throw {typeof(TException).Name}");
        }
    }
}
