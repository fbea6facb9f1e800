using System.Runtime.CompilerServices;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Reservoir state handling: Restore accepts a fresh state (nothing seen), copies the restored items and
/// drops the references it held before (checked with weak references after a full collection); the skip's cap at its
/// exact boundary.
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

    [Fact]
    public void GivenAWeightSoSmallThatOneMinusItRoundsToOne_ThenTheNextSkipIsHugeNotNegative()
    {
        // W = 1e-300: ln(1 − W) evaluates to 0. The skip is ln(u)/ln(1 − W) ≈ −ln(u)/W, astronomically long (capped at
        // long.MaxValue/4), so after the next acceptance nothing more enters. Dividing by the 0 gave −∞, cast to long.MinValue:
        // the next index went negative and every later item replaced one in the sample.
        var generator = new ReservoirSample<int>(3, 5).Snapshot().GeneratorState;
        var r = new ReservoirSample<int>(3, 5);
        r.Restore(new ReservoirState<int>(3, 3, 1e-300, 4, generator, [1, 2, 3]));
        Assert.True(r.Add(4));
        for (var i = 5; i < 15; i++) Assert.False(r.Add(i), $"item {i} entered");
        Assert.Equal(14L, r.Seen);
        Assert.Contains(4, r.ToArray());
        Assert.True(r.Snapshot().NextIndex > long.MaxValue / 4, "the next index is past the cap");
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
    [Fact]
    public void GivenAFlooredSkipOfExactly2To61_ThenTheSkipIsCappedAtLongMaxOver4()
    {
        // Skip = ⌊ln U / ln(1 − W)⌋, capped at long.MaxValue / 4 = 2⁶¹ − 1 once it reaches 2⁶¹ (the double the cap converts to).
        // Found for the entering item of a restored state: the generator's next draws are the slot, U₁ (W ← W·U₁^(1/k)) and
        // U₂ (the skip). With W tiny, ln(1 − W) is taken as −W, so W = −ln U₂ · 2⁻⁶¹ (exact: a power-of-two scaling) gives
        // ln U₂ / −W = 2⁶¹ exactly; the restored W is the one whose update lands on that W.
        const int k = 3;
        var generator = new ReservoirSample<int>(k, 11).Snapshot().GeneratorState;
        var replica = new Xoshiro256(generator);
        replica.NextInt64(k);
        var u1 = replica.NextOpenDouble();
        var u2 = replica.NextOpenDouble();
        var target = -Math.Log(u2) * Math.ScaleB(1.0, -61);
        var factor = Math.Exp(Math.Log(u1) / k);
        var w = target / factor;
        for (var step = 0; w * factor != target && step < 4; step++) w = w * factor < target ? Math.BitIncrement(w) : Math.BitDecrement(w);
        Assert.Equal(target, w * factor);
        Assert.Equal(0.0, Math.Log(1 - target));
        Assert.Equal(Math.ScaleB(1.0, 61), Math.Floor(Math.Log(u2) / -target));

        var r = new ReservoirSample<int>(k, 11);
        r.Restore(new ReservoirState<int>(k, 10, w, 11, generator, [1, 2, 3]));
        Assert.True(r.Add(42));

        Assert.Equal(11 + long.MaxValue / 4 + 1, r.Snapshot().NextIndex);
    }
}

