namespace Monitoring.Simulator.Generation;

/// <summary>
/// xoshiro256** seeded through SplitMix64 (Blackman &amp; Vigna, 2018). Implemented here rather than
/// <see cref="Random"/> so the stream of numbers is fixed by this code, not by the runtime version:
/// the same seed gives the same traffic on every .NET release.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public DeterministicRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>A generator for an independent sub-stream identified by a key (seed, site, model, hour, ...).</summary>
    public static DeterministicRandom For(params ReadOnlySpan<ulong> key) => new(StableHash.Combine(key));

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
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

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(NextDouble() * maxExclusive);
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal by the Box–Muller transform (the spare value is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);

        var u2 = NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2.0 * Math.PI * u2);
        return r * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public double NextGaussian(double mean, double sd) => mean + sd * NextGaussian();

    /// <summary>Log-normal with the given median and log-scale standard deviation.</summary>
    public double NextLogNormal(double median, double sigma) => median * Math.Exp(sigma * NextGaussian());

    /// <summary>
    /// Poisson count: Knuth's product method below λ = 30, otherwise a normal approximation with continuity
    /// correction (error in the mean and variance is negligible for traffic volumes).
    /// </summary>
    public int NextPoisson(double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }

        if (lambda < 30)
        {
            var limit = Math.Exp(-lambda);
            var k = 0;
            var p = NextDouble();
            while (p > limit)
            {
                k++;
                p *= NextDouble();
            }

            return k;
        }

        return Math.Max(0, (int)Math.Floor(lambda + Math.Sqrt(lambda) * NextGaussian() + 0.5));
    }

    /// <summary>Index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public int Choose(IReadOnlyList<double> weights)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            total += weights[i];
        }

        var u = NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }
}

/// <summary>Stable (process-independent) hashing: FNV-1a for strings, SplitMix-style mixing for keys.</summary>
public static class StableHash
{
    /// <summary>FNV-1a 64-bit hash of the UTF-16 code units of <paramref name="text"/>; unlike <see cref="string.GetHashCode()"/> it is the same in every process.</summary>
    public static ulong Of(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 0x100000001B3UL;
        }

        return hash;
    }

    /// <summary>Mixes a sequence of 64-bit values into one well-distributed 64-bit value.</summary>
    public static ulong Combine(params ReadOnlySpan<ulong> values)
    {
        var h = 0x243F6A8885A308D3UL;
        foreach (var v in values)
        {
            h = Mix(h ^ Mix(v + 0x9E3779B97F4A7C15UL));
        }

        return h;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
