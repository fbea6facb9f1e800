using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Cli;

/// <summary>The command-line program: parse, build the generator and sink, run, report.</summary>
public static class SimulatorApp
{
    /// <summary>Runs the command line; returns the process exit code (0 ok, 1 delivery failed, 2 bad arguments).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        SimulatorCommand command;
        TrafficGenerator generator;
        try
        {
            command = CommandLine.Parse(args);
            if (command.Help)
            {
                await stdout.WriteLineAsync(CommandLine.Usage);
                return 0;
            }

            if (command.List)
            {
                foreach (var (name, summary) in ScenarioCatalog.List)
                {
                    await stdout.WriteLineAsync($"{name,-18} {summary}");
                }

                return 0;
            }

            generator = new TrafficGenerator(command.Settings);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        if (command.PlanOnly)
        {
            await stdout.WriteLineAsync(Manifest.For(generator, includeRealised: false).ToJson());
            return 0;
        }

        var s = command.Settings;
        await stderr.WriteLineAsync($"scenario {generator.Scenario.Name} | seed {s.Seed} | {s.Days} days from {s.Start:yyyy-MM-dd} | sites {string.Join(",", generator.AllSites.Select(x => x.Code))} | models {string.Join(",", generator.Models.Select(m => m.Id))} | sink {command.Sink.ToString().ToLowerInvariant()}");
        foreach (var change in generator.Scenario.Changes)
        {
            await stderr.WriteLineAsync($"  change '{change.Id}' from {change.Start:yyyy-MM-ddTHH:mm}Z (full {change.FullEffectAt:yyyy-MM-ddTHH:mm}Z): {change.Description}");
        }

        try
        {
            await using var sink = await CreateSinkAsync(command, cancellationToken);
            var result = await SimulationRunner.RunAsync(generator, sink, command.Rate,
                command.Quiet ? null : (st, elapsed) => stderr.WriteLine($"  {elapsed.TotalSeconds,6:0}s  {st.Events,10:N0} events  simulated {st.LastEventAt:yyyy-MM-dd HH:mm}"),
                cancellationToken: cancellationToken);
            var st = result.Statistics;
            await stdout.WriteLineAsync($"sent {st.Events:N0} events ({st.Inferences:N0} inferences, {st.GroundTruth:N0} ground truth, {st.ReaderFeedback:N0} reader feedback) in {result.Elapsed.TotalSeconds:0.0} s = {result.EventsPerSecond:N0} events/s");
            if (sink is HttpIngestSink http)
            {
                await stdout.WriteLineAsync($"http: {http.Requests:N0} requests, {http.Retries:N0} resent after 429/503/transient failures");
            }

            foreach (var (id, change) in st.Changes)
            {
                await stdout.WriteLineAsync($"change '{id}': {change.AffectedInferences:N0} affected inferences, first at {change.FirstAffectedAt:yyyy-MM-ddTHH:mm:ss}Z ({change.FirstAffectedInferenceId})");
            }

            if (command.ManifestPath is { } path)
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(path));
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                }

                await File.WriteAllTextAsync(path, Manifest.For(generator, includeRealised: true).ToJson(), cancellationToken);
                await stdout.WriteLineAsync($"manifest written to {path}");
            }

            return 0;
        }
        catch (Exception ex) when (ex is SinkException or HttpRequestException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    private static async Task<IEventSink> CreateSinkAsync(SimulatorCommand command, CancellationToken cancellationToken) => command.Sink switch
    {
        SinkKind.Http => new HttpIngestSink(new HttpSinkOptions
        {
            BaseAddress = command.Url,
            ApiKey = command.ApiKey,
            BatchSize = command.BatchSize,
            Concurrency = command.Concurrency,
        }),
        SinkKind.Amqp => await AmqpSink.ConnectAsync(new AmqpSinkOptions { Uri = command.AmqpUri, DeclareExchanges = command.DeclareExchanges }, cancellationToken),
        SinkKind.File => new FileSink(command.OutputDirectory),
        _ => new NullSink(),
    };
}
