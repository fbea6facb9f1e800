namespace Monitoring.Statistics.Tests.Performance;

/// <summary>Page–Hinkley's Reset clears the running sums, and Restore accepts the state of a fresh detector (count and alarms 0).</summary>
public class PageHinkleyBranchTests
{
    [Fact]
    public void GivenObservations_WhenReset_ThenTheStateIsAFreshDetectors()
    {
        var ph = new PageHinkley(0.005, 50);
        foreach (var x in new[] { 1.0, 5, 2, 8 }) ph.Add(x);
        ph.Reset();
        Assert.Equal(new PageHinkley(0.005, 50).Snapshot(), ph.Snapshot());
    }

    [Fact]
    public void GivenAFreshState_WhenRestored_ThenItIsAccepted()
    {
        var ph = new PageHinkley(0.005, 50);
        foreach (var x in new[] { 1.0, 5, 2, 8 }) ph.Add(x);
        var fresh = new PageHinkley(0.005, 50).Snapshot();
        ph.Restore(fresh);
        Assert.Equal(fresh, ph.Snapshot());
        Assert.Equal((0L, 0L), (fresh.Count, fresh.Alarms));
    }
}
