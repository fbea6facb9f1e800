using System.Globalization;
using Monitoring.Audit.Benchmarks;

// The audit chain's costs (not a test), on a fresh Ingest-shaped store of N events written by Marten:
//   dotnet run -c Release --project bench/Audit -- [--rows 1000000] [--sizes 100000,300000,1000000] [--rounds 3]
//       [--schema NAME --keep] [--out bench/Audit/results/summary.md]
// --schema reuses (and with --keep leaves behind) a filled and chained store, so that a rerun skips the slow fill.
// Offline verify alone, new against the previous verifier, on an existing export:
//   dotnet run -c Release --project bench/Audit -- offline FILE [rounds]
// What chaining costs per event, follower process and PostgreSQL backends (CPU time), each round from the genesis again:
//   dotnet run -c Release --project bench/Audit -- chain-cost [--rows 200000] [--follow 60000] [--rounds 5] [--schema S --keep]
// The Ingest path with and without the chain: bench/Audit/ingest-ratio.sh (the Ingest benchmark, follower on and off, alternated).
if (args is ["export-child", var connection, var schema, var rows, var file])
{
    // A fresh process per size, so its peak RSS is the export's alone.
    Console.WriteLine(await ExportChild.RunAsync(connection, schema, long.Parse(rows, CultureInfo.InvariantCulture), file));
    return;
}

if (args is ["chain-writers", var pg, var into, var count])
{
    await ChainCost.WritersAsync(pg, into, int.Parse(count, CultureInfo.InvariantCulture));
    return;
}

if (args is ["chain-cost", ..])
{
    await ChainCost.RunAsync(args);
    return;
}

if (args is ["offline", var export, .. var rest])
{
    var rounds = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 3;
    foreach (var line in OfflineBench.Run(export, rounds).Lines) Console.WriteLine(line);
    return;
}

await AuditBench.RunAsync(BenchArgs.Parse(args));
