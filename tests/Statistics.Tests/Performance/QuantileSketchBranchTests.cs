namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// The quantile sketch's exact minimum and maximum keep the first of equal extremes (−0.0 and +0.0 compare equal: the bits
/// show which one was kept), a merge that fills the sketch exactly compacts it, and Restore's limits (64 levels accepted,
/// 65 refused; null refused by name).
/// </summary>
public class QuantileSketchBranchTests
{
    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);

    [Fact]
    public void GivenEqualExtremes_ThenTheFirstOneIsKept()
    {
        var s = new QuantileSketch(8);
        s.Add(-0.0);
        s.Add(0.0);
        Assert.Equal(Bits(-0.0), Bits(s.Min));
        Assert.Equal(Bits(-0.0), Bits(s.Quantile(0)));
        Assert.Equal(Bits(-0.0), Bits(s.Max));
        var t = new QuantileSketch(8);
        t.Add(0.0);
        t.Add(-0.0);
        Assert.Equal(Bits(0.0), Bits(t.Max));
        Assert.Equal(Bits(0.0), Bits(t.Quantile(1)));
        Assert.Equal(Bits(0.0), Bits(t.Min));
    }

    [Fact]
    public void GivenAMergeThatFillsTheSketchExactly_ThenItCompacts()
    {
        // k = 8: one level of capacity 8. 1 + 7 items reach it: the level's 8 sorted items become 4 of weight 2 on level 1.
        var a = new QuantileSketch(8);
        a.Add(100);
        var b = new QuantileSketch(8);
        for (var i = 1; i <= 7; i++) b.Add(i);
        Assert.Equal(7, b.RetainedItems);
        a.Merge(b);
        Assert.Equal((8L, 4), (a.Count, a.RetainedItems));
        var levels = a.Snapshot().Levels;
        Assert.Equal(2, levels.Length);
        Assert.Empty(levels[0]);
        Assert.Equal(4, levels[1].Length);
    }

    [Fact]
    public void GivenNull_ThenMergeAndRestoreNameTheArgument()
    {
        Assert.Throws<ArgumentNullException>("other", () => new QuantileSketch(8).Merge(null!));
        Assert.Throws<ArgumentNullException>("state", () => QuantileSketch.Restore(null!));
    }

    [Fact]
    public void GivenSixtyFourLevels_WhenRestored_ThenItIsAcceptedAndSixtyFiveAreRefused()
    {
        var generator = new QuantileSketch(8).Snapshot().GeneratorState;
        static double[][] Levels(int count) => Enumerable.Range(0, count).Select(h => h == 0 ? new[] { 5.0 } : []).ToArray();
        var s = QuantileSketch.Restore(new QuantileSketchState(8, 1, 5, 5, generator, Levels(64)));
        Assert.Equal((1L, 1, 5.0), (s.Count, s.RetainedItems, s.Quantile(0.5)));
        Assert.Throws<ArgumentException>("state", () => QuantileSketch.Restore(new QuantileSketchState(8, 1, 5, 5, generator, Levels(65))));
    }
}
