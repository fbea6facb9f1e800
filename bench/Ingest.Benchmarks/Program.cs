using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Monitoring.Ingest.Benchmarks;

// End-to-end Ingest throughput (not a test). For each configuration: a fresh virtual host and schema, the built
// Ingest service as a child process, N inference events published as fast as possible to monitoring.inferences,
// then wait until all are committed in the Marten store. Baseline in the same run: binary COPY of the same rows
// (stream id, type, JSON body, timestamp) into a plain table.
//
// --warmup W first publishes W other events and waits until they are stored, so that the measured N run against a
// process in steady state (JIT done, hot paths tiered up) as a long-running service is; 0 measures a cold process.
//
//   dotnet run -c Release --project bench/Ingest.Benchmarks -- [--events 100000] [--batches 1,100] [--warmup 0] [--out path]
if (args is ["labels", ..])
{
    // Ground truth and feedback joining stored inferences: Marten's per-stream append vs the set-based append, same run:
    //   dotnet run -c Release --project bench/Ingest.Benchmarks -- labels [--inferences 20000] [--items-per-message 100] [--rounds 2] [--warmup 4000] [--out path]
    var labelOptions = LabelOptions.Parse(args[1..]);
    Console.WriteLine(await LabelBench.RunAsync(labelOptions));
    Console.WriteLine($"written to {labelOptions.Output}");
    return;
}

if (args is ["stages", ..])
{
    // In-process CPU per event of each consumer stage (no RabbitMQ): dotnet run ... -- stages [events]
    var stageEvents = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
    var stages = $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}; load average {File.ReadAllText("/proc/loadavg")[..14]}.\n\n" +
                 await Stages.RunAsync(stageEvents);
    var stagesFile = Path.Combine(Infra.RepositoryRoot(), "bench", "Ingest.Benchmarks", "results", "stages.md");
    await File.WriteAllTextAsync(stagesFile, stages);
    Console.WriteLine($"written to {stagesFile}");
    return;
}

var options = BenchOptions.Parse(args);
var machine = Machine.Describe();
Console.WriteLine(machine);
var results = new List<RunResult>();

var copy = await CopyBaseline.RunAsync(options.Events);
Console.WriteLine($"raw COPY: {copy.EventsPerSecond:N0} rows/s ({copy.Seconds:F2} s for {options.Events:N0})");
foreach (var batch in options.Batches)
{
    var run = await EndToEnd.RunAsync(options.Events, batch, options.Warmup);
    results.Add(run);
    Console.WriteLine($"e2e batch {batch}: {run.EventsPerSecond:N0} events/s; publish {run.PublishPerSecond:N0}/s; " +
        $"latency p50 {run.P50Ms:F0} ms p95 {run.P95Ms:F0} ms p99 {run.P99Ms:F0} ms; ratio to COPY {run.EventsPerSecond / copy.EventsPerSecond:F2}; " +
        $"Ingest CPU {run.IngestCpuMicrosPerEvent:F0} µs/event");
}

var copyAgain = await CopyBaseline.RunAsync(options.Events);
Console.WriteLine($"raw COPY (again, after): {copyAgain.EventsPerSecond:N0} rows/s");
var report = Report.Markdown(options, machine, copy, copyAgain, results);
Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
await File.WriteAllTextAsync(options.Output, report);
await File.WriteAllTextAsync(Path.ChangeExtension(options.Output, ".json"),
    JsonSerializer.Serialize(new { machine, options.Events, copy, copyAgain, results }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine(report);
Console.WriteLine($"written to {options.Output}");
