using System.Numerics;
using MathNet.Numerics;

namespace Monitoring.Statistics;

/// <summary>
/// xoshiro256** generator seeded by SplitMix64 (Blackman &amp; Vigna 2018). Used instead of <see cref="Random"/> because its whole
/// state is four integers that can be snapshotted and restored, which deterministic replay of reservoirs and sketches needs,
/// and its output is fixed by this file rather than by the runtime version. One generator for the whole library:
/// the permutation tests, reservoirs, sketches and bootstrap intervals all draw from it.
/// </summary>
internal sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public Xoshiro256(ulong[] state)
    {
        if (state.Length != 4 || (state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("A generator state is four integers, not all zero.", nameof(state));
        }

        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    public ulong[] State => [_s0, _s1, _s2, _s3];

    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in (0, 1): never 0, so safe under a logarithm.</summary>
    public double NextOpenDouble() => ((NextUInt64() >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, bound) by Lemire's multiply-shift with rejection (unbiased).</summary>
    public long NextInt64(long bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound));
        var b = (ulong)bound;
        var threshold = (0 - b) % b;
        while (true)
        {
            var r = NextUInt64();
            var hi = Math.BigMul(r, b, out var lo);
            if (lo >= threshold) return (long)hi;
        }
    }

    public bool NextBool() => (NextUInt64() >> 63) != 0;

    /// <summary>
    /// Integer in [0, bound) by modulo reduction; the bias (at most bound/2⁶⁴) is negligible for array sizes, and the plain
    /// modulo keeps permutation tests replayable outside .NET (the MMD reference script replays exactly this).
    /// </summary>
    public ulong NextBelow(ulong bound) => NextUInt64() % bound;

    /// <summary>Fisher–Yates shuffle: for i = n−1 … 1 swap a[i] with a[NextBelow(i + 1)].</summary>
    public void Shuffle(int[] values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = (int)NextBelow((ulong)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// Binomial(n, p) by inversion over outcomes ordered outwards from the mode (a fixed order, so the draw is a valid inverse
    /// transform); expected work O(√(np(1−p))) instead of O(n).
    /// </summary>
    public long Binomial(long n, double p)
    {
        if (n <= 0 || p <= 0) return 0;
        if (p >= 1) return n;
        if (n < 32)
        {
            long k = 0;
            for (var i = 0; i < n; i++) if (NextDouble() < p) k++;
            return k;
        }

        var mode = (long)Math.Floor((n + 1) * p);
        if (mode > n) mode = n;
        var logP = Math.Log(p);
        var logQ = Math.Log(1 - p);
        var pmfMode = Math.Exp(SpecialFunctions.GammaLn(n + 1.0) - SpecialFunctions.GammaLn(mode + 1.0) - SpecialFunctions.GammaLn(n - mode + 1.0) + mode * logP + (n - mode) * logQ);
        var u = NextDouble();
        var ratio = p / (1 - p);
        var acc = pmfMode;
        if (u < acc) return mode;
        long lo = mode, hi = mode;
        double pmfLo = pmfMode, pmfHi = pmfMode;
        while (lo > 0 || hi < n)
        {
            // Next candidates: pmf(lo-1) = pmf(lo)·lo/((n-lo+1)·ratio), pmf(hi+1) = pmf(hi)·(n-hi)/(hi+1)·ratio.
            var nextLo = lo > 0 ? pmfLo * lo / ((n - lo + 1) * ratio) : -1;
            var nextHi = hi < n ? pmfHi * (n - hi) / (hi + 1) * ratio : -1;
            if (nextHi >= nextLo)
            {
                hi++;
                pmfHi = nextHi;
                acc += nextHi;
                if (u < acc) return hi;
            }
            else
            {
                lo--;
                pmfLo = nextLo;
                acc += nextLo;
                if (u < acc) return lo;
            }

            if (nextHi <= 0 && nextLo <= 0) break;
        }

        return mode; // only reachable through rounding of the accumulated mass (acc ≈ 1 - 1e-16 < u)
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
