using Monitoring.Audit.Benchmarks;

// The audit chain's costs (not a test), on a fresh Ingest-shaped store of N events written by Marten:
//   dotnet run -c Release --project bench/Audit -- [--rows 1000000] [--sizes 100000,300000,1000000] [--out bench/Audit/results/summary.md]
// The Ingest path with and without the chain: bench/Audit/ingest-ratio.sh (the Ingest benchmark, follower on and off, alternated).
if (args is ["export-child", var connection, var schema, var rows, var file])
{
    // A fresh process per size, so its peak RSS is the export's alone.
    Console.WriteLine(await ExportChild.RunAsync(connection, schema, long.Parse(rows), file));
    return;
}

await AuditBench.RunAsync(BenchArgs.Parse(args));
