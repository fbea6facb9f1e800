using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Monitoring.Pseudonym;
using Npgsql;
using NpgsqlTypes;
using RabbitMQ.Client;

namespace Monitoring.Ingest.Benchmarks;

internal sealed record BenchOptions(int Events, int[] Batches, string Output, int Warmup)
{
    public static BenchOptions Parse(string[] args)
    {
        var events = 100_000;
        var warmup = 0;
        int[] batches = [1, 100];
        var output = Path.Combine(Infra.RepositoryRoot(), "bench", "Ingest.Benchmarks", "results", "latest.md");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--events": events = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--batches": batches = args[i + 1].Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--out": output = Path.GetFullPath(args[i + 1]); break;
                case "--warmup": warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new BenchOptions(events, batches, output, warmup);
    }
}

internal sealed record CopyResult(int Rows, double Seconds)
{
    public double EventsPerSecond => Rows / Seconds;
}

internal sealed record RunResult(
    int Events, int BatchSize, int Warmup, double Seconds, double PublishSeconds, double P50Ms, double P95Ms, double P99Ms, double MaxMs,
    double IngestCpuSeconds, double RabbitCpuSeconds, double PostgresCpuSeconds, double MachineBusySeconds,
    double MeanAppendBatch, double MeanAppendMs, long StoredEvents, long DistinctStreams)
{
    public double EventsPerSecond => Events / Seconds;

    public double PublishPerSecond => Events / PublishSeconds;

    /// <summary>CPU time of the Ingest process per stored event, in microseconds (the load-independent cost).</summary>
    public double IngestCpuMicrosPerEvent => IngestCpuSeconds / Events * 1e6;
}

/// <summary>The same inference events for both the end-to-end run and the COPY baseline.</summary>
internal static class Payload
{
    private const string Secret = "bench-site-secret-0123456789abcdef0123456789";

    /// <summary>First index of the warm-up events, far above any measured index, so their ids never collide.</summary>
    public const int WarmupBase = 90_000_000;

    public static string Id(int i) => $"bench-{i:D8}-0000-4000-8000-000000000000"; // UUID-shaped: Ingest's opaque-inference-id rule

    public static JsonObject Inference(int i) => new()
    {
        ["inferenceId"] = Id(i),
        ["occurredAt"] = "2025-03-01T08:15:00Z",
        ["model"] = new JsonObject { ["id"] = "cxr-triage", ["version"] = "2.3.1" },
        ["site"] = $"site-{(char)('a' + i % 4)}",
        ["study"] = new JsonObject
        {
            ["modality"] = "DX", ["bodyPartExamined"] = "CHEST", ["manufacturer"] = "ACME Imaging",
            ["manufacturerModelName"] = "Radiant 500", ["viewPosition"] = i % 2 == 0 ? "PA" : "AP",
        },
        ["patient"] = new JsonObject
        {
            ["pseudoId"] = Pseudonymizer.Derive(Secret, $"P{i % 50_000}"), ["ageBand"] = (i % 3) switch { 0 => "18-39", 1 => "40-64", _ => "65+" },
            ["sex"] = i % 2 == 0 ? "F" : "M",
        },
        ["prediction"] = new JsonObject
        {
            ["scores"] = new JsonObject { ["pneumothorax"] = (i % 97) / 97.0, ["effusion"] = (i % 89) / 89.0 },
            ["predictedLabels"] = new JsonArray(), ["threshold"] = 0.5,
        },
        ["features"] = new JsonObject { ["imageQuality"] = 0.9, ["meanIntensity"] = 100 + i % 50 },
        ["latencyMs"] = 40.0,
    };
}

internal static class CopyBaseline
{
    public static async Task<CopyResult> RunAsync(int rows)
    {
        var bodies = Enumerable.Range(0, rows).Select(i => Payload.Inference(i).ToJsonString()).ToArray();
        var table = $"bench_copy_{Guid.NewGuid():N}"[..24];
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await Infra.ExecAsync(connection, $"create table public.{table} (seq_id bigserial primary key, stream_id text not null, type text not null, data jsonb not null, timestamp timestamptz not null)");
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await using (var writer = await connection.BeginBinaryImportAsync($"copy public.{table} (stream_id, type, data, timestamp) from stdin (format binary)"))
            {
                for (var i = 0; i < rows; i++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(Payload.Id(i), NpgsqlDbType.Text);
                    await writer.WriteAsync("inference_recorded", NpgsqlDbType.Text);
                    await writer.WriteAsync(bodies[i], NpgsqlDbType.Jsonb);
                    await writer.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                }

                await writer.CompleteAsync();
            }

            return new CopyResult(rows, stopwatch.Elapsed.TotalSeconds);
        }
        finally
        {
            await Infra.ExecAsync(connection, $"drop table public.{table}");
        }
    }
}

internal static class EndToEnd
{
    public static async Task<RunResult> RunAsync(int events, int batchSize, int warmup)
    {
        var vhost = await Infra.CreateVirtualHostAsync("bench_ingest");
        var schema = $"bench_ingest_{Guid.NewGuid():N}"[..25];
        var port = Infra.FreePort();
        using var ingest = await Infra.StartIngestAsync(schema, vhost, port);
        try
        {
            var messages = Messages(0, events, batchSize);
            var publishedAt = new DateTimeOffset[events];
            if (warmup > 0)
            {
                // Steady state: the process has JIT-compiled and tiered up its hot paths before the clock starts.
                await PublishAsync(vhost, Messages(Payload.WarmupBase, warmup, batchSize), publishedAt: null);
                while (await Infra.CountAsync(schema) < warmup)
                {
                    await Task.Delay(50);
                }

                Console.WriteLine($"warm-up of {warmup:N0} events stored; measuring {events:N0}");
            }

            var cpuBefore = Cpu.Snapshot(ingest.Id);
            var started = Stopwatch.StartNew();
            var publishSeconds = await PublishAsync(vhost, messages, publishedAt);
            long stored;
            while ((stored = await Infra.CountAsync(schema)) < warmup + events)
            {
                await Task.Delay(50);
            }

            var seconds = started.Elapsed.TotalSeconds;
            var cpu = Cpu.Snapshot(ingest.Id) - cpuBefore;
            var latencies = await LatenciesAsync(schema, publishedAt);
            var metrics = await Infra.ScrapeAsync(port);
            var (count, distinct) = await Infra.CountsAsync(schema);
            return new RunResult(events, batchSize, warmup, seconds, publishSeconds,
                Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), latencies[^1],
                cpu.Ingest, cpu.Rabbit, cpu.Postgres, cpu.MachineBusy,
                metrics.Mean("ingest_append_batch_size"), metrics.Mean("ingest_append_duration_seconds") * 1000, count - warmup, distinct - warmup);
        }
        finally
        {
            ingest.Kill(entireProcessTree: true);
            await ingest.WaitForExitAsync();
            await Infra.DeleteVirtualHostAsync(vhost);
            await using var connection = new NpgsqlConnection(Infra.Postgres);
            await connection.OpenAsync();
            await Infra.ExecAsync(connection, $"drop schema if exists {schema} cascade");
        }
    }

    private static (int First, int Count, byte[] Body)[] Messages(int first, int events, int batchSize) =>
        Enumerable.Range(0, (events + batchSize - 1) / batchSize)
            .Select(m =>
            {
                var items = Enumerable.Range(first + m * batchSize, Math.Min(batchSize, events - m * batchSize)).Select(Payload.Inference).ToArray();
                var json = batchSize == 1 ? items[0].ToJsonString() : new JsonArray(items).ToJsonString();
                return (First: first + m * batchSize, Count: items.Length, Body: Encoding.UTF8.GetBytes(json));
            })
            .ToArray();

    private static async Task<double> PublishAsync(string vhost, (int First, int Count, byte[] Body)[] messages, DateTimeOffset[]? publishedAt)
    {
        await using var connection = await Infra.Rabbit(vhost).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true, outstandingPublisherConfirmationsRateLimiter: null));
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        var stopwatch = Stopwatch.StartNew();
        var window = new List<Task>(2_000);
        foreach (var (first, count, body) in messages)
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = first; publishedAt is not null && i < first + count; i++)
            {
                publishedAt[i] = now;
            }

            window.Add(channel.BasicPublishAsync("monitoring.inferences", "", true, properties, body).AsTask());
            if (window.Count == 2_000)
            {
                await Task.WhenAll(window);
                window.Clear();
            }
        }

        await Task.WhenAll(window);
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double[]> LatenciesAsync(string schema, DateTimeOffset[] publishedAt)
    {
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select stream_id, timestamp from {schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var latencies = new List<double>(publishedAt.Length);
        while (await reader.ReadAsync())
        {
            var i = int.Parse(reader.GetString(0).AsSpan(6, 8), CultureInfo.InvariantCulture); // "bench-NNNNNNNN-0000-…" (Payload.Id)
            if (i >= publishedAt.Length)
            {
                continue; // a warm-up event
            }

            latencies.Add((reader.GetFieldValue<DateTimeOffset>(1) - publishedAt[i]).TotalMilliseconds);
        }

        latencies.Sort();
        return latencies.ToArray();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
