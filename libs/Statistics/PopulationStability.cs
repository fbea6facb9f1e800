namespace Monitoring.Statistics;

/// <summary>Result of a population stability index computation.</summary>
/// <param name="Value">PSI = Σ (c_i − r_i) ln(c_i / r_i) over the floored bin proportions; ≥ 0.</param>
/// <param name="Edges">Interior bin edges (ascending, distinct) taken from reference quantiles; bin i holds values v with
/// Edges[i−1] &lt; v ≤ Edges[i] under <see cref="PsiBinning.RightClosed"/> (the default) or Edges[i−1] ≤ v &lt; Edges[i] under
/// <see cref="PsiBinning.NumpyHistogram"/> (first bin unbounded below, last unbounded above). Empty for pre-binned counts.</param>
/// <param name="ReferenceProportions">Reference proportion per bin after flooring.</param>
/// <param name="CurrentProportions">Current proportion per bin after flooring.</param>
public sealed record PsiResult(double Value, double[] Edges, double[] ReferenceProportions, double[] CurrentProportions);

/// <summary>Which bin a value lying exactly on an edge belongs to. The two differ only on ties with an edge, which quantile edges
/// of tied (rounded, integer, categorical-coded) data make common: up to ~24 % different PSI on such data.</summary>
public enum PsiBinning
{
    /// <summary>
    /// Default. Bins (e_{i−1}, e_i]: a value on an edge goes to the lower bin; bin index = #{edges &lt; v}
    /// (<c>np.searchsorted(edges, v, side="left")</c>). Kept as the default because the detector's stored PSI figures use it.
    /// </summary>
    RightClosed,

    /// <summary>
    /// numpy's histogram convention, which Evidently and NannyML inherit: bins [e_{i−1}, e_i), a value on an edge goes to the upper
    /// bin, the last bin is closed; bin index = #{edges ≤ v}, i.e. <c>np.histogram(v, bins=[-inf, *edges, inf])</c>. Use it to
    /// reproduce their figures.
    /// </summary>
    NumpyHistogram,
}

/// <summary>Population stability index (PSI).</summary>
public static class PopulationStability
{
    /// <summary>
    /// Population stability index of <paramref name="current"/> against <paramref name="reference"/>, with bins
    /// at the reference quantiles.
    /// </summary>
    /// <remarks>
    /// Edges: the reference quantiles at i/bins, i = 1 … bins−1, by linear interpolation between order statistics
    /// (Hyndman–Fan type 7, numpy's default <c>np.quantile</c>); duplicate edges (heavy ties in the reference) are
    /// merged, so fewer bins may result. Values are assigned right-closed by default: bin index = #{edges &lt; v}
    /// (<c>np.searchsorted(edges, v, side="left")</c>); <see cref="PsiBinning.NumpyHistogram"/> assigns them as numpy's
    /// histogram does (#{edges ≤ v}).
    /// Proportions r_i, c_i are the bin counts over the sample size, then floored: p ← max(p, floor), without
    /// renormalisation, so an empty bin contributes a finite amount instead of ∞ (the convention of the credit
    /// scoring literature; the default 1e-4 bounds a single empty bin's contribution by about |c − r|·9.2).
    /// PSI = Σ (c_i − r_i) ln(c_i / r_i). Rules of thumb: &lt; 0.1 stable, 0.1–0.25 moderate, &gt; 0.25 major shift.
    /// Reference: Yurdakul, B. (2018) "Statistical properties of population stability index", PhD thesis,
    /// Western Michigan University. Checked against a direct numpy evaluation of the same definition.
    /// </remarks>
    /// <param name="reference">Reference sample (finite, non-empty).</param>
    /// <param name="current">Current sample (finite, non-empty).</param>
    /// <param name="bins">Requested number of quantile bins (≥ 2).</param>
    /// <param name="floor">Smallest proportion used for a bin, in (0, 1).</param>
    /// <param name="binning">Where a value on an edge goes (default <see cref="PsiBinning.RightClosed"/>: the lower bin).</param>
    /// <returns>The PSI, the edges and the floored proportions.</returns>
    /// <exception cref="ArgumentException">Empty input, NaN/±∞, bins &lt; 2 or floor outside (0, 1).</exception>
    public static PsiResult Index(ReadOnlySpan<double> reference, ReadOnlySpan<double> current, int bins = 10, double floor = 1e-4,
        PsiBinning binning = PsiBinning.RightClosed)
    {
        if (bins < 2)
        {
            throw new ArgumentException($"'{nameof(bins)}' is {bins}; at least 2 bins are needed.", nameof(bins));
        }

        CheckFloor(floor);
        var refSorted = DistributionSort.SortedCopy(reference, nameof(reference));
        Guard.Finite(current, nameof(current));
        var edges = QuantileEdges(refSorted, bins);
        var upper = binning switch
        {
            PsiBinning.RightClosed => false,
            PsiBinning.NumpyHistogram => true,
            _ => throw new ArgumentException($"'{nameof(binning)}' is {binning}, not a known binning.", nameof(binning)),
        };
        var refCounts = CountSorted(refSorted, edges, upper);
        var curCounts = CountUnsorted(current, edges, upper);
        return FromCounts(refCounts, curCounts, refSorted.Length, current.Length, floor, edges);
    }

    /// <summary>
    /// Population stability index from counts already binned the same way for both windows.
    /// </summary>
    /// <remarks>PSI = Σ (c_i − r_i) ln(c_i / r_i) with r_i, c_i the count shares floored at <paramref name="floor"/> (see the sample overload).</remarks>
    /// <param name="referenceCounts">Reference count per bin (non-negative, positive total).</param>
    /// <param name="currentCounts">Current count per bin (same length, non-negative, positive total).</param>
    /// <param name="floor">Smallest proportion used for a bin, in (0, 1).</param>
    /// <returns>The PSI and the floored proportions; <see cref="PsiResult.Edges"/> is empty.</returns>
    /// <exception cref="ArgumentException">Lengths differ, empty, a negative count, a zero total or floor outside (0, 1).</exception>
    public static PsiResult Index(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> currentCounts, double floor = 1e-4)
    {
        CheckFloor(floor);
        if (referenceCounts.Length != currentCounts.Length)
        {
            throw new ArgumentException($"'{nameof(referenceCounts)}' has {referenceCounts.Length} bins but '{nameof(currentCounts)}' has {currentCounts.Length}.", nameof(currentCounts));
        }

        var r = Guard.Counts(referenceCounts, nameof(referenceCounts), "bins");
        var c = Guard.Counts(currentCounts, nameof(currentCounts), "bins");
        return FromCounts(referenceCounts.ToArray(), currentCounts.ToArray(), r, c, floor, []);
    }

    private static PsiResult FromCounts(long[] refCounts, long[] curCounts, long nRef, long nCur, double floor, double[] edges)
    {
        var k = refCounts.Length;
        var rp = new double[k];
        var cp = new double[k];
        var psi = 0.0;
        for (var i = 0; i < k; i++)
        {
            rp[i] = Math.Max((double)refCounts[i] / nRef, floor);
            cp[i] = Math.Max((double)curCounts[i] / nCur, floor);
            psi += (cp[i] - rp[i]) * Math.Log(cp[i] / rp[i]);
        }

        return new PsiResult(psi, edges, rp, cp);
    }

    /// <summary>Distinct interior edges at the type-7 quantiles i/bins of a sorted sample (numpy's lerp, bit for bit).</summary>
    internal static double[] QuantileEdges(double[] sorted, int bins)
    {
        var n = sorted.Length;
        var edges = new List<double>(bins - 1);
        for (var i = 1; i < bins; i++)
        {
            var q = (double)i / bins;
            var virtualIndex = (n - 1) * q;
            var previous = (int)Math.Floor(virtualIndex);
            var gamma = virtualIndex - previous;
            previous = Math.Clamp(previous, 0, n - 1);
            var next = Math.Min(previous + 1, n - 1);
            double a = sorted[previous], b = sorted[next];
            var diff = b - a;
            var value = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
            if (edges.Count == 0 || value > edges[^1])
            {
                edges.Add(value);
            }
        }

        return [.. edges];
    }

    // upper = false: bin = #{edges < v} (a value on an edge stays in the lower bin); true: #{edges ≤ v} (numpy's histogram).
    private static long[] CountSorted(double[] sorted, double[] edges, bool upper)
    {
        var counts = new long[edges.Length + 1];
        var bin = 0;
        foreach (var v in sorted)
        {
            while (bin < edges.Length && (v > edges[bin] || (upper && v == edges[bin])))
            {
                bin++;
            }

            counts[bin]++;
        }

        return counts;
    }

    private static long[] CountUnsorted(ReadOnlySpan<double> values, double[] edges, bool upper)
    {
        var counts = new long[edges.Length + 1];
        foreach (var v in values)
        {
            // first index with edges[i] >= v (> v when upper) == number of edges below v (at or below v when upper)
            int lo = 0, hi = edges.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (edges[mid] < v || (upper && edges[mid] == v))
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            counts[lo]++;
        }

        return counts;
    }

    private static void CheckFloor(double floor)
    {
        if (!(floor > 0 && floor < 1))
        {
            throw new ArgumentException($"'{nameof(floor)}' is {floor}; it must lie in (0, 1).", nameof(floor));
        }
    }

}
