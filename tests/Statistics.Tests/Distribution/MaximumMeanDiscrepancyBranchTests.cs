namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// MMD's branches on exact small cases: the bandwidth falls back to the mean non-zero distance when most pairs are equal
/// (the median distance is 0), a permutation statistic equal to the observed one counts towards the p-value (ties: ≥), a
/// sample exactly at the size cap is used whole and in order (no generator draws), and null samples are refused by name.
/// </summary>
public class MaximumMeanDiscrepancyBranchTests
{
    [Fact]
    public void GivenMostPairsAtDistanceZero_ThenTheBandwidthIsTheMeanNonZeroDistance()
    {
        // Pooled {0, 0, 0, 0, 3}: 6 of the 10 pairwise distances are 0 (median 0), the other 4 are 3: σ = 12/4 = 3.
        var r = MaximumMeanDiscrepancy.Test([[0f], [0f]], [[0f], [0f], [3f]], permutations: 10, seed: 1);
        Assert.Equal(3.0, r.Bandwidth);
        Assert.True(double.IsFinite(r.Statistic));
    }

    [Fact]
    public void GivenEquidistantVectors_ThenEveryRelabellingTiesTheObservedStatisticAndPIsOne()
    {
        // The unit vectors of R⁴ are pairwise √2 apart: every kernel entry off the diagonal is e^{−1/2}, so MMD²_u is the same
        // (0) for every split of the four into two pairs, and every permutation counts.
        float[][] e = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
        var r = MaximumMeanDiscrepancy.Test([e[0], e[1]], [e[2], e[3]], permutations: 50, seed: 3);
        Assert.Equal(Math.Sqrt(2), r.Bandwidth, 6);
        Assert.Equal(0.0, r.Statistic, 15);
        Assert.Equal(1.0, r.PValue);
    }

    [Fact]
    public void GivenSamplesExactlyAtTheCap_ThenTheResultIsTheUncappedOne()
    {
        float[][] x = [[0f, 1f], [2f, 0.5f], [1f, 1f]];
        float[][] y = [[3f, 2f], [2.5f, 3f], [4f, 1f]];
        var capped = MaximumMeanDiscrepancy.Test(x, y, permutations: 200, seed: 11, maxPerSample: 3);
        var whole = MaximumMeanDiscrepancy.Test(x, y, permutations: 200, seed: 11);
        Assert.Equal(whole, capped);
        Assert.Equal((3, 3), (capped.SizeX, capped.SizeY));
    }

    [Fact]
    public void GivenANullSample_ThenArgumentNullExceptionNamesIt()
    {
        float[][] v = [[0f], [1f]];
        Assert.Throws<ArgumentNullException>("x", () => MaximumMeanDiscrepancy.Test(null!, v));
        Assert.Throws<ArgumentNullException>("y", () => MaximumMeanDiscrepancy.Test(v, null!));
    }
}
