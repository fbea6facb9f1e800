using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.Ingest.Consuming;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;
using Npgsql;

namespace Monitoring.Ingest.Benchmarks;

/// <summary>
/// CPU per event of each stage of the consumer, in this process, warm (not end to end): what the body costs to
/// parse, validate and hash, and what the store append costs, so that a change can be judged without RabbitMQ.
/// CPU is the process's (all threads, GC included) over the timed loop.
/// </summary>
internal static class Stages
{
    public static async Task<string> RunAsync(int events)
    {
        var now = DateTimeOffset.UtcNow;
        var bodies = Enumerable.Range(0, (events + 99) / 100)
            .Select(m => Encoding.UTF8.GetBytes(new JsonArray(Enumerable.Range(m * 100, Math.Min(100, events - m * 100)).Select(i => (JsonNode)Payload.Inference(i)).ToArray()).ToJsonString()))
            .ToArray();
        var single = Enumerable.Range(0, Math.Min(events, 20_000)).Select(i => Encoding.UTF8.GetBytes(Payload.Inference(i).ToJsonString())).ToArray();
        var text = new StringBuilder();
        text.AppendLine("| stage | events | process CPU per event | wall per event | allocated per event |");
        text.AppendLine("|---|---:|---:|---:|---:|");

        // Parse + validate + hash: the consumer's work before the store, as the AMQP path runs it.
        for (var warm = 0; warm < 2; warm++)
        {
            Measure(text, "parse + validate + hash, 100 per message", events, warm == 1, () =>
            {
                foreach (var body in bodies)
                {
                    if (!BatchParser.ParseJson(EventKind.Inference, body, now, 10_000).IsValid)
                    {
                        throw new InvalidOperationException("bench payload invalid");
                    }
                }
            });
            Measure(text, "parse + validate + hash, 1 per message", single.Length, warm == 1, () =>
            {
                foreach (var body in single)
                {
                    if (!BatchParser.ParseJson(EventKind.Inference, body, now, 10_000).IsValid)
                    {
                        throw new InvalidOperationException("bench payload invalid");
                    }
                }
            });
        }

        // Store: the writer's duplicate check and COPY, through the real EventWriter against PostgreSQL.
        var messages = bodies.Select(b => BatchParser.ParseJson(EventKind.Inference, b, now, 10_000).Items).ToArray();
        var schema = $"bench_stage_{Guid.NewGuid():N}"[..24];
        await using var dataSource = new NpgsqlDataSourceBuilder(Infra.Postgres) { Name = "ingest" }.Build();
        var options = new StoreOptions();
        EventStoreSetup.Configure(options, schema);
        options.Connection(dataSource);
        using var store = new DocumentStore(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var ingestOptions = Options.Create(new IngestOptions { Schema = schema });
        var writer = new EventWriter(store, dataSource, ingestOptions, NullLogger<EventWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            var origin = new ItemOrigin("trace", "message", "amqp");
            for (var warm = 0; warm < 2; warm++)
            {
                var slice = warm == 0 ? messages[..(messages.Length / 4)] : messages[(messages.Length / 4)..];
                var count = slice.Sum(m => m.Count);
                var started = Stopwatch.GetTimestamp();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var outcomes = (await Task.WhenAll(slice.Select(m => writer.AppendAllAsync(m, origin, CancellationToken.None)))).SelectMany(o => o).ToArray();
                var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                if (outcomes.Any(o => o.Outcome != AppendOutcome.Stored))
                {
                    throw new InvalidOperationException("bench items not stored");
                }

                if (warm == 1)
                {
                    Line(text, "store (duplicate check + COPY via EventWriter), 100 per message", count, cpuUsed, Stopwatch.GetElapsedTime(started),
                        GC.GetTotalAllocatedBytes(precise: true) - allocated);
                }
            }
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
            await using var connection = await dataSource.OpenConnectionAsync();
            await Infra.ExecAsync(connection, $"drop schema if exists {schema} cascade");
        }

        return text.ToString();
    }

    private static void Measure(StringBuilder text, string name, int events, bool report, Action action)
    {
        GC.Collect();
        var started = Stopwatch.GetTimestamp();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        action();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (report)
        {
            Line(text, name, events, cpuUsed, Stopwatch.GetElapsedTime(started), GC.GetTotalAllocatedBytes(precise: true) - allocated);
        }
    }

    private static void Line(StringBuilder text, string name, int events, TimeSpan cpu, TimeSpan wall, long allocated)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {events:N0} | {cpu.TotalMicroseconds / events:F1} µs | {wall.TotalMicroseconds / events:F1} µs | {allocated / events:N0} B |");
        Console.WriteLine(line);
        text.AppendLine(line);
    }
}
