using System.Diagnostics.Metrics;
using System.Runtime;

namespace Monitoring.ServiceDefaults;

/// <summary>
/// What .NET's own <c>System.Runtime</c> meter does not say: the managed heap left after the last full (gen2)
/// collection, which is the live set. The runtime meter's heap sizes are those after the last collection of any
/// generation, so they rise and fall with the gen0 budget; a leak shows as this figure growing from one full collection
/// to the next, whereas growth of resident memory with this figure flat is the GC sizing its budgets, not the program.
/// </summary>
public static class GcTelemetry
{
    /// <summary>Name of the meter (exported by prometheus-net as <c>monitoring_runtime_*</c>).</summary>
    public const string MeterName = "Monitoring.Runtime";

    private static readonly Meter Meter = new(MeterName);

    static GcTelemetry()
    {
        Meter.CreateObservableGauge("gc.heap_after_gen2", () => AfterLastFullGc(live: false), "By",
            "Managed heap size (all generations, fragmentation included) on exit from the last gen2 collection.");
        Meter.CreateObservableGauge("gc.live_after_gen2", () => AfterLastFullGc(live: true), "By",
            "Managed heap size less fragmentation on exit from the last gen2 collection: the live set.");
        Meter.CreateObservableGauge("gc.server", () => GCSettings.IsServerGC ? 1 : 0, null,
            "1 when the process runs the server garbage collector, 0 for workstation.");
    }

    /// <summary>Creates the meter (idempotent); its gauges are read at each scrape.</summary>
    public static void Start() => _ = Meter.Name;

    private static long AfterLastFullGc(bool live)
    {
        // A gen2 collection is either blocking or background; whichever ran last (higher index) describes the live set now.
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var last = blocking.Index >= background.Index ? blocking : background;
        if (last.Index == 0) return 0; // no gen2 collection yet
        long size = 0;
        foreach (var generation in last.GenerationInfo)
        {
            size += generation.SizeAfterBytes - (live ? generation.FragmentationAfterBytes : 0);
        }

        return size;
    }
}
