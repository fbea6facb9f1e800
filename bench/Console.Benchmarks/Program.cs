// Benchmarks (not tests) of the safety desk. Figures: results/{notifications,pages}.{json,md}; docs/benchmarks.md quotes them.
//
//   dotnet run -c Release --project bench/Console.Benchmarks -- notifications [--scenarios a,b] [--seeds 1]
//       replays every finding of bench/EndToEnd/results/latest.json (the simulator scenarios through the real Ingest and
//       DriftDetector) into the AlertRouter, nobody acknowledging, and counts notifications per injected change
//   dotnet run -c Release --project bench/Console.Benchmarks -- pages [--incidents 1000] [--events 1000000] [--samples 30]
//       seeds open incidents and filler events, then times every console page
using Monitoring.Console.Benchmarks;

var mode = args.FirstOrDefault() ?? "notifications";
return mode switch
{
    "notifications" => await NotificationBench.RunAsync(args),
    "pages" => await PageBench.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    System.Console.Error.WriteLine("usage: notifications [--scenarios a,b] [--seeds N] | pages [--incidents N] [--events N] [--samples N]");
    return 2;
}
