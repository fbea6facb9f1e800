using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Sinks;

/// <summary>Where simulated events go. Events arrive in event-time order; a sink may batch.</summary>
public interface IEventSink : IAsyncDisposable
{
    /// <summary>Accepts one event (may buffer it).</summary>
    ValueTask WriteAsync(SimulatedEvent e, CancellationToken cancellationToken);

    /// <summary>Delivers everything buffered; returns when the destination accepted it.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>A sink failed in a way retrying will not fix (rejected batch, bad address).</summary>
public sealed class SinkException(string message, Exception? inner = null) : Exception(message, inner);
