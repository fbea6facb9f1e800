using Monitoring.Detection;

// Detection against an oracle (issue 11, item 7): every simulator change scenario × seeds, in memory, through the detector's pure
// core and a likelihood-ratio CUSUM that knows the change. Run from the repository root:
//   dotnet run -c Release --project bench/Detection [-- --seeds 5 --null-days 365 --parallel 2 --scenarios firmware-update,...]
// Writes bench/Detection/results/summary.json and summary.md (committed) and raw/ per run (ignored).
return Benchmark.Run(BenchOptions.Parse(args));
