using System.Buffers;

namespace Monitoring.Statistics;

/// <summary>
/// Validated, sorted copies of samples. Every distribution kernel sorts once, so sorting is the
/// hot path: large inputs use an LSD radix sort on the order-preserving bit pattern of the
/// doubles (O(n), no comparisons), small ones <see cref="Array.Sort{T}(T[])"/>.
/// </summary>
internal static class DistributionSort
{
    private const int RadixThreshold = 2048;
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;

    /// <summary>Checks <paramref name="values"/> (non-empty, finite) and returns a sorted copy.</summary>
    public static double[] SortedCopy(ReadOnlySpan<double> values, string name, int minLength = 1)
    {
        Guard.Finite(values, name, minLength);
        var copy = values.ToArray();
        SortInPlace(copy);
        return copy;
    }

    /// <summary>Sorts ascending. NaN must have been rejected before; -0.0 sorts before +0.0 (they compare equal).</summary>
    public static void SortInPlace(double[] values)
    {
        if (values.Length < RadixThreshold)
        {
            Array.Sort(values);
            return;
        }

        RadixSort(values);
    }

    private const int Passes = (64 + DigitBits - 1) / DigitBits;

    private static void RadixSort(double[] values)
    {
        var n = values.Length;
        var pool = ArrayPool<ulong>.Shared;
        var a = pool.Rent(n);
        var b = pool.Rent(n);
        // One histogram per digit, all filled in a single pass over the keys.
        var counts = new int[Passes * Buckets];
        try
        {
            for (var i = 0; i < n; i++)
            {
                var bits = (ulong)BitConverter.DoubleToInt64Bits(values[i]);
                // Flip all bits of negatives and the sign bit of positives: unsigned order == numeric order.
                var key = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
                a[i] = key;
                for (var pass = 0; pass < Passes; pass++)
                {
                    counts[pass * Buckets + (int)((key >> (pass * DigitBits)) & (Buckets - 1))]++;
                }
            }

            var src = a;
            var dst = b;
            for (var pass = 0; pass < Passes; pass++)
            {
                var shift = pass * DigitBits;
                var histogram = counts.AsSpan(pass * Buckets, Buckets);

                // A digit shared by every key (typical for exponent bits) needs no pass.
                if (histogram[(int)((src[0] >> shift) & (Buckets - 1))] == n)
                {
                    continue;
                }

                var sum = 0;
                for (var d = 0; d < Buckets; d++)
                {
                    var c = histogram[d];
                    histogram[d] = sum;
                    sum += c;
                }

                for (var i = 0; i < n; i++)
                {
                    var key = src[i];
                    dst[histogram[(int)((key >> shift) & (Buckets - 1))]++] = key;
                }

                (src, dst) = (dst, src);
            }

            for (var i = 0; i < n; i++)
            {
                var key = src[i];
                var bits = (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;
                values[i] = BitConverter.Int64BitsToDouble((long)bits);
            }
        }
        finally
        {
            pool.Return(a);
            pool.Return(b);
        }
    }

    /// <summary>
    /// Average (mid) ranks, 1-based, of the concatenation of two sorted samples, as
    /// <c>scipy.stats.rankdata(method="average")</c>; also returns the tie term Σ(t³ − t).
    /// </summary>
    public static void MidRanksOfSorted(double[] x, double[] y, Span<double> ranksX, Span<double> ranksY, out double tieTerm)
    {
        int i = 0, j = 0, n1 = x.Length, n2 = y.Length;
        var position = 0; // number of values already ranked
        tieTerm = 0;
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j];
            var i0 = i;
            var j0 = j;
            while (i < n1 && x[i] == v)
            {
                i++;
            }

            while (j < n2 && y[j] == v)
            {
                j++;
            }

            var t = (i - i0) + (j - j0);
            var rank = position + (t + 1) / 2.0;
            for (var k = i0; k < i; k++)
            {
                ranksX[k] = rank;
            }

            for (var k = j0; k < j; k++)
            {
                ranksY[k] = rank;
            }

            position += t;
            tieTerm += (double)t * t * t - t;
        }
    }

    /// <summary>Greatest common divisor.</summary>
    public static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
