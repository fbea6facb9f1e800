namespace Monitoring.Statistics;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna 2018) seeded by SplitMix64: a small, fully specified generator so permutation
/// tests give the same answer for the same seed on every runtime, and can be replayed outside .NET.
/// </summary>
internal sealed class DistributionRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public DistributionRandom(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix(ref sm);
        _s1 = SplitMix(ref sm);
        _s2 = SplitMix(ref sm);
        _s3 = SplitMix(ref sm);
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Integer in [0, bound) by modulo reduction; the bias (≤ bound/2⁶⁴) is negligible for array sizes.</summary>
    public ulong NextBelow(ulong bound) => Next() % bound;

    /// <summary>Fisher–Yates shuffle: for i = n−1 … 1 swap a[i] with a[NextBelow(i + 1)].</summary>
    public void Shuffle(int[] values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = (int)NextBelow((ulong)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
