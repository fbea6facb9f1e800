namespace Monitoring.Statistics.Tests.Performance;

/// <summary>Clear on a sliding window releases the items it held (weak references dead after a full collection).</summary>
public class SlidingWindowBranchTests
{
    [Fact]
    public void GivenASlidingWindowHoldingObjects_WhenCleared_ThenTheyAreNoLongerReferenced()
    {
        var w = new SlidingWindow<object>(4);
        var weak = ReservoirSampleBranchTests.Fill(o => { w.Add(o); return true; });
        w.Clear();
        Assert.Empty(w);
        ReservoirSampleBranchTests.AssertCollected(weak);
        GC.KeepAlive(w);
    }
}
