using System.Globalization;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Simulator.Cli;

/// <summary>Where events go.</summary>
public enum SinkKind
{
    /// <summary>POST to the Ingest.</summary>
    Http,

    /// <summary>Plain JSON to the Ingest's RabbitMQ exchanges.</summary>
    Amqp,

    /// <summary>NDJSON files in a directory.</summary>
    File,

    /// <summary>Generate and count only.</summary>
    None,
}

/// <summary>A parsed command line.</summary>
public sealed record SimulatorCommand
{
    /// <summary>Print the scenarios and exit.</summary>
    public bool List { get; init; }

    /// <summary>Print usage and exit.</summary>
    public bool Help { get; init; }

    /// <summary>Print the manifest (plan) and exit without generating.</summary>
    public bool PlanOnly { get; init; }

    /// <summary>Generation settings.</summary>
    public SimulationSettings Settings { get; init; } = new();

    /// <summary>Sink.</summary>
    public SinkKind Sink { get; init; } = SinkKind.Http;

    /// <summary>Ingest base address.</summary>
    public Uri Url { get; init; } = new("http://127.0.0.1:5080");

    /// <summary>Producer API key.</summary>
    public string ApiKey { get; init; } = "dev-producer-key";

    /// <summary>Events per HTTP request.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>HTTP requests in flight.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>AMQP address including virtual host.</summary>
    public Uri AmqpUri { get; init; } = new("amqp://monitoring:monitoring@127.0.0.1:5672/monitoring");

    /// <summary>Declare the AMQP exchanges when missing.</summary>
    public bool DeclareExchanges { get; init; } = true;

    /// <summary>Output directory of the file sink.</summary>
    public string OutputDirectory { get; init; } = "simulator-out";

    /// <summary>Pacing in events per second (null: as fast as the sink accepts).</summary>
    public double? Rate { get; init; }

    /// <summary>Where to write the manifest after the run.</summary>
    public string? ManifestPath { get; init; }

    /// <summary>No progress lines.</summary>
    public bool Quiet { get; init; }
}

/// <summary>Parses <c>--name value</c> arguments; errors name the offending option.</summary>
public static class CommandLine
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        Monitoring simulator: deterministic hospital-network inference traffic with injectable changes.

        usage: dotnet run --project tools/Simulator -- [options]

          --list                      list scenarios and exit
          --plan                      print the scenario manifest (what is injected, expected findings) and exit
          --scenario NAME             scenario (default null); see --list
          --seed N                    random seed (default 42); same seed and options -> byte-identical output
          --days N                    simulated days (default 60)
          --start ISO                 simulated start, whole UTC hour (default 2025-01-06T00:00:00Z)
          --sites N                   sites present from the start (default 4)
          --models a,b                models (default cxr-triage,mammo-screen,ct-chest)
          --volume X                  volume multiplier (default 1 = ~2,000 inferences/day for 4 sites)
          --embedding-dims N          embedding length, 0 for none (default 16)
          --run-tag TEXT              mixed into inference ids so repeated runs do not collide at the Ingest
          --change-day D              change start, days after the start (default: middle of the run)
          --target-site CODE          site of site-specific scenarios (default site-b)
          --target-model ID           model of model-specific scenarios (default cxr-triage)
          --subgroup ATTR=VALUE       subgroup of subgroup-decay (default ethnicity=asian);
                                      ATTR: sex, ageBand, ethnicity, site, manufacturer, viewPosition
          --magnitude X               scale every effect size (default 1)
          --ramp-days X               override the scenario's ramp (0 = step change)
          --sink http|amqp|file|none  where events go (default http)
          --url URL                   Ingest base address (default http://127.0.0.1:5080)
          --api-key KEY               producer key, sent as X-Api-Key (default dev-producer-key)
          --batch-size N              events per HTTP request (default 500)
          --concurrency N             HTTP requests in flight (default 2)
          --amqp-uri URI              broker and vhost (default amqp://monitoring:monitoring@127.0.0.1:5672/monitoring)
          --no-declare                do not declare the AMQP exchanges (they must exist)
          --out DIR                   file sink directory (default simulator-out)
          --rate N                    pace to N events/s of wall clock (default: as fast as the sink accepts)
          --manifest PATH             write the manifest with realised counts to PATH after the run
          --quiet                     no progress lines
          --help                      this text

        examples:
          dotnet run --project tools/Simulator -- --scenario firmware-update --days 60 --sites 4 --seed 42 \
            --sink http --url http://127.0.0.1:5080 --api-key dev-producer-key --rate 2000 --manifest out.json
          dotnet run --project tools/Simulator -- --scenario subgroup-decay --subgroup sex=F --sink file --out /tmp/sim
        """;

    /// <summary>Parses arguments; throws <see cref="ArgumentException"/> naming the option on bad input.</summary>
    public static SimulatorCommand Parse(IReadOnlyList<string> args)
    {
        var command = new SimulatorCommand();
        var settings = new SimulationSettings();
        var scenario = new ScenarioParameters();
        double? changeDay = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Option {name} needs a value.");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--list": command = command with { List = true }; break;
                case "--help" or "-h": command = command with { Help = true }; break;
                case "--plan": command = command with { PlanOnly = true }; break;
                case "--quiet": command = command with { Quiet = true }; break;
                case "--scenario": settings = settings with { Scenario = Value() }; break;
                case "--seed": settings = settings with { Seed = Long(name, Value()) }; break;
                case "--days": settings = settings with { Days = Int(name, Value()) }; break;
                case "--start": settings = settings with { Start = Time(name, Value()) }; break;
                case "--sites": settings = settings with { Sites = Int(name, Value()) }; break;
                case "--models": settings = settings with { Models = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                case "--volume": settings = settings with { Volume = Double(name, Value()) }; break;
                case "--embedding-dims": settings = settings with { EmbeddingDimensions = Int(name, Value()) }; break;
                case "--run-tag": settings = settings with { RunTag = Value() }; break;
                case "--change-day": changeDay = Double(name, Value()); break;
                case "--target-site": scenario = scenario with { TargetSite = Value() }; break;
                case "--target-model": scenario = scenario with { TargetModel = Value() }; break;
                case "--subgroup":
                    var pair = Value().Split('=', 2);
                    if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Length == 0)
                    {
                        throw new ArgumentException("Option --subgroup must look like ATTR=VALUE, e.g. sex=F.");
                    }

                    if (pair[0] is not ("sex" or "ageBand" or "ethnicity" or "site" or "manufacturer" or "viewPosition" or "modality"))
                    {
                        throw new ArgumentException($"Option --subgroup: unknown attribute '{pair[0]}' (sex, ageBand, ethnicity, site, manufacturer, viewPosition, modality).");
                    }

                    scenario = scenario with { SubgroupAttribute = pair[0], SubgroupValue = pair[1] };
                    break;
                case "--magnitude": scenario = scenario with { Magnitude = Double(name, Value()) }; break;
                case "--ramp-days": scenario = scenario with { RampDays = Double(name, Value()) }; break;
                case "--sink":
                    var sink = Value();
                    command = command with
                    {
                        Sink = sink switch
                        {
                            "http" => SinkKind.Http,
                            "amqp" => SinkKind.Amqp,
                            "file" => SinkKind.File,
                            "none" => SinkKind.None,
                            _ => throw new ArgumentException($"Option --sink: unknown sink '{sink}' (http, amqp, file, none)."),
                        },
                    };
                    break;
                case "--url": command = command with { Url = Address(name, Value(), "http", "https") }; break;
                case "--api-key": command = command with { ApiKey = Value() }; break;
                case "--batch-size": command = command with { BatchSize = Positive(name, Int(name, Value())) }; break;
                case "--concurrency": command = command with { Concurrency = Positive(name, Int(name, Value())) }; break;
                case "--amqp-uri": command = command with { AmqpUri = Address(name, Value(), "amqp", "amqps") }; break;
                case "--no-declare": command = command with { DeclareExchanges = false }; break;
                case "--out": command = command with { OutputDirectory = Value() }; break;
                case "--rate": command = command with { Rate = Double(name, Value()) is > 0 and var r ? r : throw new ArgumentException("Option --rate must be positive.") }; break;
                case "--manifest": command = command with { ManifestPath = Value() }; break;
                default: throw new ArgumentException($"Unknown option '{name}'. Use --help.");
            }
        }

        if (changeDay is { } day)
        {
            if (day < 0 || day >= settings.Days)
            {
                throw new ArgumentException($"Option --change-day must be in [0, {settings.Days}).");
            }

            scenario = scenario with { ChangeStart = settings.Start + TimeSpan.FromDays(day) };
        }

        return command with { Settings = settings with { ScenarioParameters = scenario } };
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"Option {name}: '{value}' is not an integer.");

    private static long Long(string name, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"Option {name}: '{value}' is not an integer.");

    private static double Double(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new ArgumentException($"Option {name}: '{value}' is not a number.");

    private static int Positive(string name, int value) => value > 0 ? value : throw new ArgumentException($"Option {name} must be positive.");

    private static DateTimeOffset Time(string name, string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t.ToUniversalTime()
            : throw new ArgumentException($"Option {name}: '{value}' is not an ISO 8601 time.");

    private static Uri Address(string name, string value, params string[] schemes) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme)
            ? uri
            : throw new ArgumentException($"Option {name}: '{value}' is not an absolute {string.Join("/", schemes)} address.");
}
