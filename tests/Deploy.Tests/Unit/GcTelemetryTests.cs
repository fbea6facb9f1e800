using System.Diagnostics.Metrics;
using Monitoring.ServiceDefaults;

namespace Monitoring.Deploy.Tests.Unit;

/// <summary>
/// The live-set gauges the soak reads to tell a leak from GC sizing: they must follow what is retained across full
/// collections, and not what was merely allocated.
/// </summary>
public class GcTelemetryTests
{
    private const long Retained = 64L * 1024 * 1024;

    [Fact]
    public void GivenMemoryRetainedAcrossAFullCollection_WhenItIsReleased_ThenTheLiveSetAfterGen2FallsByIt()
    {
        GcTelemetry.Start();
        var held = new byte[Retained];
        held[^1] = 1; // touched, so it is certainly committed
        FullCollection();
        var (liveHeld, heapHeld) = Read();

        GC.KeepAlive(held);
        held = null;
        FullCollection();
        var (liveReleased, heapReleased) = Read();

        Assert.True(liveHeld >= Retained, $"live after gen2 {liveHeld:N0} B while {Retained:N0} B were held");
        Assert.True(heapHeld >= liveHeld, $"heap {heapHeld:N0} B below the live set {liveHeld:N0} B");
        Assert.True(liveHeld - liveReleased >= Retained * 9 / 10, $"live after gen2 fell only from {liveHeld:N0} to {liveReleased:N0} B");
        Assert.True(heapReleased < heapHeld, $"heap after gen2 did not fall ({heapHeld:N0} -> {heapReleased:N0} B)");
    }

    private static void FullCollection()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Reads the two gauges through a MeterListener, as the exporters do.</summary>
    private static (long Live, long Heap) Read()
    {
        long live = -1, heap = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GcTelemetry.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "gc.live_after_gen2") live = value;
            if (instrument.Name == "gc.heap_after_gen2") heap = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.True(live >= 0 && heap >= 0, "both gauges were published");
        return (live, heap);
    }
}
