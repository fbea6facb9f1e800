using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.Pseudonym;
using RabbitMQ.Client;

namespace Monitoring.Ingest.Benchmarks;

/// <summary>Options of the <c>labels</c> mode.</summary>
internal sealed record LabelOptions(int Inferences, int ItemsPerMessage, int Rounds, int Warmup, string Output)
{
    public static LabelOptions Parse(string[] args)
    {
        int inferences = 20_000, perMessage = 100, rounds = 2, warmup = 4_000;
        var output = Path.Combine(Infra.RepositoryRoot(), "bench", "Ingest.Benchmarks", "results", "labels.md");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--inferences": inferences = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--items-per-message": perMessage = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": output = Path.GetFullPath(args[i + 1]); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new LabelOptions(inferences, perMessage, rounds, warmup, output);
    }
}

/// <summary>One measured phase of one Ingest process.</summary>
internal sealed record LabelRun(
    string Path, int Round, string Phase, int Events, int LabelEvents, double Seconds,
    double IngestCpuSeconds, double PostgresCpuSeconds, double RabbitCpuSeconds, double MachineBusySeconds, double MeanAppendBatch, double MeanAppendMs)
{
    public double EventsPerSecond => Events / Seconds;

    public double IngestMicrosPerEvent => IngestCpuSeconds / Events * 1e6;

    public double PostgresMicrosPerEvent => PostgresCpuSeconds / Events * 1e6;

    /// <summary>Ingest + PostgreSQL CPU per event: what the change is about.</summary>
    public double StoreMicrosPerEvent => IngestMicrosPerEvent + PostgresMicrosPerEvent;
}

/// <summary>
/// Ground truth and reader feedback joining stored inferences (events appended to existing streams), through Marten's
/// per-stream append (<c>Ingest:SetBasedAppend=false</c>) and through the set-based append (true), in the same run:
/// for each path a fresh Ingest process, schema and virtual host; N inferences stored first (not measured) plus a
/// warm-up with labels; then two measured phases: <c>labels</c> (ground truth for half and reader feedback for 80% of the
/// first N/2 inferences, the simulator's null-traffic mix: 1.3 label events per inference) and <c>mixed</c> (N/2 new
/// inferences interleaved with the labels of the other N/2 stored ones). Paths alternate A B B A across rounds so that
/// drift in the machine's load does not favour one.
/// </summary>
internal static class LabelBench
{
    private const string Secret = "bench-site-secret-0123456789abcdef0123456789";

    public static async Task<string> RunAsync(LabelOptions options)
    {
        var runs = new List<LabelRun>();
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var setBased in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                foreach (var run in await RunPathAsync(setBased, round, options))
                {
                    runs.Add(run);
                    Console.WriteLine($"{run.Path} round {run.Round} {run.Phase}: {run.EventsPerSecond:N0} events/s; Ingest {run.IngestMicrosPerEvent:N0} µs/event, " +
                                      $"PostgreSQL {run.PostgresMicrosPerEvent:N0} µs/event; mean append batch {run.MeanAppendBatch:N0} in {run.MeanAppendMs:N0} ms");
                }
            }
        }

        var report = Markdown(options, runs);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(options.Output)!);
        await File.WriteAllTextAsync(options.Output, report);
        await File.WriteAllTextAsync(System.IO.Path.ChangeExtension(options.Output, ".json"),
            JsonSerializer.Serialize(new { machine = Machine.Describe(), options, runs }, new JsonSerializerOptions { WriteIndented = true }));
        return report;
    }

    private static async Task<List<LabelRun>> RunPathAsync(bool setBased, int round, LabelOptions options)
    {
        var path = setBased ? "set-based" : "marten";
        var vhost = await Infra.CreateVirtualHostAsync("bench_labels");
        var schema = $"bench_labels_{Guid.NewGuid():N}"[..25];
        var port = Infra.FreePort();
        using var ingest = await Infra.StartIngestAsync(schema, vhost, port, new Dictionary<string, string> { ["Ingest__SetBasedAppend"] = setBased ? "true" : "false" });
        try
        {
            await using var connection = await Infra.Rabbit(vhost).CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true, outstandingPublisherConfirmationsRateLimiter: null));
            var n = options.Inferences;
            var half = n / 2;
            var warm = Payload.WarmupBase;

            // Not measured: the inferences the labels join, and a warm-up of both paths (JIT, connection pool, caches).
            var expected = (long)n + options.Warmup;
            await PublishAsync(channel, Interleave(Inferences(0, n, options), Inferences(warm, options.Warmup, options)));
            await WaitForAsync(schema, expected);
            expected += LabelCount(warm, options.Warmup);
            await PublishAsync(channel, Labels(warm, options.Warmup, options));
            await WaitForAsync(schema, expected);

            var results = new List<LabelRun>();
            foreach (var (phase, messages, events, labels) in new[]
                     {
                         ("labels", Labels(0, half, options), LabelCount(0, half), LabelCount(0, half)),
                         ("mixed", Interleave(Inferences(n, half, options), Labels(half, n - half, options)), half + LabelCount(half, n - half), LabelCount(half, n - half)),
                     })
            {
                var metricsBefore = await Infra.ScrapeAsync(port);
                var cpuBefore = Cpu.Snapshot(ingest.Id);
                var stopwatch = Stopwatch.StartNew();
                await PublishAsync(channel, messages);
                expected += events;
                await WaitForAsync(schema, expected);
                var seconds = stopwatch.Elapsed.TotalSeconds;
                var cpu = Cpu.Snapshot(ingest.Id) - cpuBefore;
                var metricsAfter = await Infra.ScrapeAsync(port);
                double Delta(string series) => metricsAfter.Value(series) - metricsBefore.Value(series);
                var batches = Delta("ingest_append_batch_size_count");
                results.Add(new LabelRun(path, round, phase, events, labels, seconds, cpu.Ingest, cpu.Postgres, cpu.Rabbit, cpu.MachineBusy,
                    batches == 0 ? 0 : Delta("ingest_append_batch_size_sum") / batches,
                    batches == 0 ? 0 : Delta("ingest_append_duration_seconds_sum") / batches * 1000));
            }

            var (stored, _) = await Infra.CountsAsync(schema);
            if (stored != expected)
            {
                throw new InvalidOperationException($"{stored} events stored, {expected} expected");
            }

            return results;
        }
        finally
        {
            ingest.Kill(entireProcessTree: true);
            await ingest.WaitForExitAsync();
            await Infra.DeleteVirtualHostAsync(vhost);
            await using var pg = new Npgsql.NpgsqlConnection(Infra.Postgres);
            await pg.OpenAsync();
            await Infra.ExecAsync(pg, $"drop schema if exists {schema} cascade");
        }
    }

    private static bool HasGroundTruth(int i) => i % 2 == 0;

    private static bool HasFeedback(int i) => i % 5 != 4;

    private static int LabelCount(int first, int count) =>
        Enumerable.Range(first, count).Sum(i => (HasGroundTruth(i) ? 1 : 0) + (HasFeedback(i) ? 1 : 0));

    private static JsonObject GroundTruth(int i) => new()
    {
        ["inferenceId"] = Payload.Id(i),
        ["labels"] = i % 7 == 0 ? new JsonArray("pneumothorax") : new JsonArray(),
        ["source"] = "radiology-report",
        ["recordedAt"] = "2025-03-02T10:00:00Z",
    };

    private static JsonObject Feedback(int i) => new()
    {
        ["inferenceId"] = Payload.Id(i),
        ["readerPseudoId"] = Pseudonymizer.Derive(Secret, $"reader-{i % 40}"),
        ["action"] = i % 13 == 0 ? "overrode" : "agreed",
        ["recordedAt"] = "2025-03-01T09:00:00Z",
    };

    private static List<(string Exchange, byte[] Body)> Inferences(int first, int count, LabelOptions options) =>
        Messages("monitoring.inferences", Enumerable.Range(first, count).Select(Payload.Inference), options.ItemsPerMessage);

    /// <summary>Ground-truth and feedback messages, alternating, as two producers would send them.</summary>
    private static List<(string Exchange, byte[] Body)> Labels(int first, int count, LabelOptions options) => Interleave(
        Messages("monitoring.ground-truth", Enumerable.Range(first, count).Where(HasGroundTruth).Select(GroundTruth), options.ItemsPerMessage),
        Messages("monitoring.reader-feedback", Enumerable.Range(first, count).Where(HasFeedback).Select(Feedback), options.ItemsPerMessage));

    private static List<(string Exchange, byte[] Body)> Messages(string exchange, IEnumerable<JsonObject> items, int perMessage) =>
        items.Chunk(perMessage)
            .Select(chunk => (exchange, Encoding.UTF8.GetBytes(perMessage == 1 ? chunk[0].ToJsonString() : new JsonArray(chunk.Select(c => (JsonNode)c).ToArray()).ToJsonString())))
            .ToList();

    /// <summary>Round-robin of two message lists in proportion to their lengths.</summary>
    private static List<(string Exchange, byte[] Body)> Interleave(List<(string Exchange, byte[] Body)> a, List<(string Exchange, byte[] Body)> b)
    {
        var result = new List<(string Exchange, byte[] Body)>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            // Take from a while it is behind b in relative progress.
            if (j >= b.Count || (i < a.Count && (double)i / a.Count <= (double)j / b.Count))
            {
                result.Add(a[i++]);
            }
            else
            {
                result.Add(b[j++]);
            }
        }

        return result;
    }

    private static async Task PublishAsync(IChannel channel, List<(string Exchange, byte[] Body)> messages)
    {
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        var window = new List<Task>(2_000);
        foreach (var (exchange, body) in messages)
        {
            window.Add(channel.BasicPublishAsync(exchange, "", true, properties, body).AsTask());
            if (window.Count == 2_000)
            {
                await Task.WhenAll(window);
                window.Clear();
            }
        }

        await Task.WhenAll(window);
    }

    /// <summary>
    /// Polls the highest seq_id (an index lookup) rather than count(*), whose scan of the growing table every 50 ms would
    /// add PostgreSQL CPU in proportion to wall time and so bias the comparison; one writer commits its transactions in
    /// order and nothing rolls back here, so seq_ids have no gaps. The exact count is checked at the end.
    /// </summary>
    private static async Task WaitForAsync(string schema, long events)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select coalesce(max(seq_id), 0) from {schema}.mt_events", connection);
        var deadline = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! < events)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"fewer than {events} events stored after 10 minutes");
            }

            await Task.Delay(50);
        }
    }

    private static string Markdown(LabelOptions options, List<LabelRun> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}. Load average at the end (1/5/15 min, other jobs included): {File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => a + " / " + b)}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"N = {options.Inferences:N0} stored inferences per process, {options.ItemsPerMessage} items per AMQP message, {options.Warmup:N0} warm-up inferences with their labels, {options.Rounds} round(s) (order A B, B A, ...).");
        text.AppendLine("`labels`: ground truth + reader feedback joining N/2 stored inferences (1.3 per inference); `mixed`: N/2 new inferences interleaved with the labels of the other N/2. " +
                                                      "PostgreSQL CPU is every postgres process on the machine (other jobs' queries included).");
        text.AppendLine();
        text.AppendLine("| path | round | phase | events (labels) | events/s | Ingest CPU per event | PostgreSQL CPU per event | Ingest + PostgreSQL per event | mean events per append batch | mean append batch time | CPU s: Ingest / PostgreSQL / RabbitMQ / machine busy (of 2 cores × wall) |");
        text.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Path} | {r.Round} | {r.Phase} | {r.Events:N0} ({r.LabelEvents:N0}) | {r.EventsPerSecond:N0} | {r.IngestMicrosPerEvent:N0} µs | {r.PostgresMicrosPerEvent:N0} µs | {r.StoreMicrosPerEvent:N0} µs | {r.MeanAppendBatch:N0} | {r.MeanAppendMs:N0} ms | {r.IngestCpuSeconds:F1} / {r.PostgresCpuSeconds:F1} / {r.RabbitCpuSeconds:F1} / {r.MachineBusySeconds:F1} of {2 * r.Seconds:F1} |");
        }

        text.AppendLine();
        text.AppendLine("Set-based relative to Marten's per-stream append (medians over rounds; < 1 is cheaper for CPU, > 1 is faster for events/s):");
        text.AppendLine();
        text.AppendLine("| phase | events/s ratio | Ingest CPU per event ratio | PostgreSQL CPU per event ratio | Ingest + PostgreSQL per event ratio |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var phase in runs.Select(r => r.Phase).Distinct())
        {
            double Median(string path, Func<LabelRun, double> f)
            {
                var values = runs.Where(r => r.Phase == phase && r.Path == path).Select(f).Order().ToArray();
                return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
            }

            double Ratio(Func<LabelRun, double> f) => Median("set-based", f) / Median("marten", f);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {phase} | {Ratio(r => r.EventsPerSecond):F2} | {Ratio(r => r.IngestMicrosPerEvent):F2} | {Ratio(r => r.PostgresMicrosPerEvent):F2} | {Ratio(r => r.StoreMicrosPerEvent):F2} |");
        }

        return text.ToString();
    }
}
