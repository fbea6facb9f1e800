using System.Runtime.CompilerServices;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Reservoir state handling: Restore accepts a fresh state (nothing seen), copies the restored items and
/// drops the references it held before (checked with weak references after a full collection).
/// </summary>
public class ReservoirSampleBranchTests
{
    [Fact]
    public void GivenNull_WhenRestoring_ThenArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("state", () => new ReservoirSample<int>(3, 1).Restore(null!));
    }

    [Fact]
    public void GivenAFreshState_WhenRestoredOverAFilledReservoir_ThenItIsEmpty()
    {
        var r = new ReservoirSample<int>(3, 1);
        foreach (var i in new[] { 1, 2, 3, 4 }) r.Add(i);
        r.Restore(new ReservoirSample<int>(3, 1).Snapshot());
        Assert.Equal((0L, 0), (r.Seen, r.Count));
        Assert.Empty(r.ToArray());
    }

    [Fact]
    public void GivenAStateWithItems_WhenRestored_ThenItHoldsThem()
    {
        var source = new ReservoirSample<string>(3, 7);
        source.Add("a");
        source.Add("b");
        var r = new ReservoirSample<string>(3, 7);
        r.Restore(source.Snapshot());
        Assert.Equal(["a", "b"], r.ToArray());
        r.Add("c");
        Assert.Equal(["a", "b", "c"], r.ToArray());
    }

    [Fact]
    public void GivenAReservoirHoldingObjects_WhenAFreshStateIsRestored_ThenTheyAreNoLongerReferenced()
    {
        var r = new ReservoirSample<object>(3, 1);
        var weak = Fill(r.Add);
        r.Restore(new ReservoirSample<object>(3, 1).Snapshot());
        AssertCollected(weak);
        GC.KeepAlive(r);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static WeakReference[] Fill(Func<object, bool> add)
    {
        var weak = new WeakReference[3];
        for (var i = 0; i < 3; i++)
        {
            var o = new object();
            add(o);
            weak[i] = new WeakReference(o);
        }

        return weak;
    }

    internal static void AssertCollected(WeakReference[] weak)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(weak, w => Assert.False(w.IsAlive));
    }
}
