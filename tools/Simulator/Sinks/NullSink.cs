using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Sinks;

/// <summary>Discards events (measures generation alone).</summary>
public sealed class NullSink : IEventSink
{
    /// <inheritdoc />
    public ValueTask WriteAsync(SimulatedEvent e, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
