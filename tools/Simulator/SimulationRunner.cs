using System.Diagnostics;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator;

/// <summary>Outcome of a run.</summary>
/// <param name="Statistics">What was generated.</param>
/// <param name="Elapsed">Wall-clock duration (generation and delivery).</param>
public sealed record RunResult(GenerationStatistics Statistics, TimeSpan Elapsed)
{
    /// <summary>Events per wall-clock second.</summary>
    public double EventsPerSecond => Statistics.Events / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Feeds a generator's timeline into a sink, optionally paced to a rate.</summary>
public static class SimulationRunner
{
    /// <summary>
    /// Writes every event to <paramref name="sink"/> as fast as it accepts them, or at most
    /// <paramref name="eventsPerSecond"/> (wall clock pacing only; event times are simulated), then flushes.
    /// </summary>
    public static async Task<RunResult> RunAsync(TrafficGenerator generator, IEventSink sink, double? eventsPerSecond = null,
        Action<GenerationStatistics, TimeSpan>? progress = null, TimeSpan? progressInterval = null, CancellationToken cancellationToken = default)
    {
        if (eventsPerSecond is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(eventsPerSecond), eventsPerSecond, "Rate must be positive.");
        }

        var clock = Stopwatch.StartNew();
        var interval = progressInterval ?? TimeSpan.FromSeconds(5);
        var nextReport = interval;
        long written = 0;
        foreach (var e in generator.Generate())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await sink.WriteAsync(e, cancellationToken);
            written++;
            if (eventsPerSecond is { } rate && written % 64 == 0)
            {
                var ahead = TimeSpan.FromSeconds(written / rate) - clock.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(5))
                {
                    await Task.Delay(ahead, cancellationToken);
                }
            }

            if (progress is not null && clock.Elapsed >= nextReport)
            {
                progress(generator.Statistics, clock.Elapsed);
                nextReport = clock.Elapsed + interval;
            }
        }

        await sink.FlushAsync(cancellationToken);
        return new RunResult(generator.Statistics, clock.Elapsed);
    }
}
