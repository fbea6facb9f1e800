using System.Numerics;

namespace Monitoring.Statistics;

/// <summary>Result of a kernel two-sample test.</summary>
/// <param name="Statistic">Unbiased MMD²_u (can be slightly negative when the distributions agree).</param>
/// <param name="PValue">Permutation p-value (count + 1)/(permutations + 1), in (0, 1].</param>
/// <param name="Bandwidth">RBF bandwidth σ (median pairwise Euclidean distance of the pooled, possibly subsampled, vectors).</param>
/// <param name="Permutations">Number of label permutations drawn.</param>
/// <param name="SizeX">Vectors of x used (after the size cap).</param>
/// <param name="SizeY">Vectors of y used (after the size cap).</param>
public sealed record MmdResult(double Statistic, double PValue, double Bandwidth, int Permutations, int SizeX, int SizeY);

/// <summary>Maximum mean discrepancy (MMD) two-sample test for embeddings.</summary>
public static class MaximumMeanDiscrepancy
{
    /// <summary>Default cap on vectors per sample: the kernel matrix has (2·cap)² doubles (500 → 8 MB).</summary>
    public const int DefaultMaxPerSample = 500;

    /// <summary>
    /// Kernel two-sample test with the unbiased MMD² statistic, an RBF kernel with median-heuristic bandwidth and a
    /// seeded permutation p-value.
    /// </summary>
    /// <remarks>
    /// k(a, b) = exp(−‖a − b‖² / (2σ²)), σ = median of the pairwise Euclidean distances over the pooled vectors
    /// (Gretton et al. 2012, §8; if the median is 0, the mean of the non-zero distances; if every vector is equal, the
    /// statistic is 0 and p = 1).
    /// MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i,x_j) + 1/(n(n−1)) Σ_{i≠j} k(y_i,y_j) − 2/(mn) Σ_{i,j} k(x_i,y_j)
    /// (Gretton et al. 2012, eq. 3; unbiased, so it may be slightly negative under H₀).
    /// p = (1 + #{π : MMD²_u(π) ≥ MMD²_u}) / (permutations + 1) over random relabelings π of the pooled vectors.
    /// Randomness comes from a xoshiro256** generator seeded through SplitMix64 with <paramref name="seed"/>, so the
    /// result is identical for the same inputs and seed on every platform (and reproducible in Python; see the tests'
    /// reference script). Cost: O(N²d) for the kernel matrix plus O(N²/2) per permutation, N = m + n; that is why each
    /// sample is capped at <paramref name="maxPerSample"/> vectors: a larger sample is reduced to a seeded random subset
    /// (partial Fisher–Yates with the same generator), reported in <see cref="MmdResult.SizeX"/>/<see cref="MmdResult.SizeY"/>.
    /// Reference: Gretton, A., Borgwardt, K.M., Rasch, M.J., Schölkopf, B., Smola, A. (2012) "A kernel two-sample test",
    /// JMLR 13, 723–773.
    /// </remarks>
    /// <param name="x">Reference vectors (at least two; all of the same dimension; finite).</param>
    /// <param name="y">Current vectors (at least two; same dimension; finite).</param>
    /// <param name="permutations">Number of permutations (≥ 1).</param>
    /// <param name="seed">Seed of the permutation and subsampling generator.</param>
    /// <param name="maxPerSample">Cap on vectors used per sample (≥ 2).</param>
    /// <returns>MMD²_u, the permutation p-value, σ and the sizes used.</returns>
    /// <exception cref="ArgumentException">Fewer than two vectors, mismatched or zero dimensions, NaN/±∞, or invalid counts.</exception>
    public static MmdResult Test(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int permutations = 500, int seed = 0, int maxPerSample = DefaultMaxPerSample)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (permutations < 1)
        {
            throw new ArgumentException($"'{nameof(permutations)}' is {permutations}; at least one permutation is needed.", nameof(permutations));
        }

        if (maxPerSample < 2)
        {
            throw new ArgumentException($"'{nameof(maxPerSample)}' is {maxPerSample}; it must be at least 2.", nameof(maxPerSample));
        }

        var dim = CheckVectors(x, nameof(x), -1);
        CheckVectors(y, nameof(y), dim);

        var rng = new Xoshiro256((ulong)(long)seed);
        var xi = Subsample(x.Count, maxPerSample, rng);
        var yi = Subsample(y.Count, maxPerSample, rng);
        int m = xi.Length, n = yi.Length, total = m + n;
        var pooled = new float[total][];
        for (var i = 0; i < m; i++)
        {
            pooled[i] = x[xi[i]];
        }

        for (var j = 0; j < n; j++)
        {
            pooled[m + j] = y[yi[j]];
        }

        // Squared distances, then the bandwidth from the median distance.
        var kernel = new double[total * total];
        var pairs = new double[(long)total * (total - 1) / 2];
        var p = 0;
        for (var i = 0; i < total; i++)
        {
            var a = pooled[i];
            for (var j = i + 1; j < total; j++)
            {
                var b = pooled[j];
                var s = 0.0;
                for (var d = 0; d < dim; d++)
                {
                    var diff = (double)a[d] - b[d];
                    s += diff * diff;
                }

                kernel[i * total + j] = s;
                pairs[p++] = Math.Sqrt(s);
            }
        }

        var sigma = MedianBandwidth(pairs);
        if (sigma == 0)
        {
            return new MmdResult(0.0, 1.0, 0.0, permutations, m, n);
        }

        var scale = -1.0 / (2 * sigma * sigma);
        for (var i = 0; i < total; i++)
        {
            kernel[i * total + i] = 1.0;
            for (var j = i + 1; j < total; j++)
            {
                var k = Math.Exp(kernel[i * total + j] * scale);
                kernel[i * total + j] = k;
                kernel[j * total + i] = k;
            }
        }

        var rowSums = new double[total];
        var grand = 0.0;
        for (var i = 0; i < total; i++)
        {
            var s = 0.0;
            for (var j = 0; j < total; j++)
            {
                s += kernel[i * total + j];
            }

            rowSums[i] = s;
            grand += s;
        }

        var mask = new double[total];
        var members = new int[total];
        for (var i = 0; i < total; i++)
        {
            members[i] = i;
        }

        var observed = Statistic(kernel, rowSums, grand, members, mask, m, n);
        var atLeast = 0;
        for (var r = 0; r < permutations; r++)
        {
            rng.Shuffle(members);
            if (Statistic(kernel, rowSums, grand, members, mask, m, n) >= observed)
            {
                atLeast++;
            }
        }

        return new MmdResult(observed, (atLeast + 1.0) / (permutations + 1.0), sigma, permutations, m, n);
    }

    /// <summary>MMD²_u for the labelling "members[0..m) are x": one masked mat-vec, O(m·N).</summary>
    private static double Statistic(double[] kernel, double[] rowSums, double grand, int[] members, double[] mask, int m, int n)
    {
        var total = m + n;
        Array.Clear(mask);
        for (var i = 0; i < m; i++)
        {
            mask[members[i]] = 1.0;
        }

        double sxxFull = 0, sxAll = 0;
        for (var t = 0; t < m; t++)
        {
            var i = members[t];
            sxAll += rowSums[i];
            sxxFull += Dot(kernel.AsSpan(i * total, total), mask);
        }

        var syyFull = grand - 2 * sxAll + sxxFull;
        var sxy = sxAll - sxxFull;
        return (sxxFull - m) / ((double)m * (m - 1)) + (syyFull - n) / ((double)n * (n - 1)) - 2 * sxy / ((double)m * n);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var i = 0;
        var acc = Vector<double>.Zero;
        var width = Vector<double>.Count;
        for (; i <= a.Length - width; i += width)
        {
            acc += new Vector<double>(a.Slice(i, width)) * new Vector<double>(b.Slice(i, width));
        }

        var s = Vector.Sum(acc);
        for (; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static double MedianBandwidth(double[] distances)
    {
        if (distances.Length == 0)
        {
            return 0;
        }

        DistributionSort.SortInPlace(distances);
        var mid = distances.Length / 2;
        var median = distances.Length % 2 == 1 ? distances[mid] : (distances[mid - 1] + distances[mid]) / 2.0;
        if (median > 0)
        {
            return median;
        }

        double sum = 0;
        var count = 0;
        foreach (var d in distances)
        {
            if (d > 0)
            {
                sum += d;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    private static int[] Subsample(int count, int cap, Xoshiro256 rng)
    {
        var idx = new int[count];
        for (var i = 0; i < count; i++)
        {
            idx[i] = i;
        }

        if (count <= cap)
        {
            return idx;
        }

        // Partial Fisher–Yates: the first `cap` positions become a uniform random subset.
        for (var i = 0; i < cap; i++)
        {
            var j = i + (int)rng.NextBelow((ulong)(count - i));
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }

        return idx[..cap];
    }

    private static int CheckVectors(IReadOnlyList<float[]> vectors, string name, int dim)
    {
        if (vectors.Count < 2)
        {
            throw new ArgumentException($"'{name}' needs at least two vectors; got {vectors.Count}.", name);
        }

        for (var i = 0; i < vectors.Count; i++)
        {
            var v = vectors[i] ?? throw new ArgumentException($"'{name}'[{i}] is null.", name);
            if (dim < 0)
            {
                dim = v.Length;
                if (dim == 0)
                {
                    throw new ArgumentException($"'{name}'[0] has no components.", name);
                }
            }

            if (v.Length != dim)
            {
                throw new ArgumentException($"'{name}'[{i}] has {v.Length} components; expected {dim}.", name);
            }

            for (var d = 0; d < v.Length; d++)
            {
                if (!float.IsFinite(v[d]))
                {
                    throw new ArgumentException($"'{name}'[{i}][{d}] is {v[d]}; every component must be finite.", name);
                }
            }
        }

        return dim;
    }
}
