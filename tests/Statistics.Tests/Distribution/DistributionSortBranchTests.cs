namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// Which sort runs: from 2048 values up the radix sort orders −0.0 before +0.0 (its documented tie order; Array.Sort leaves
/// equal keys in no defined order), below it Array.Sort's insertion sort keeps the input order of the two zeros. The sign
/// bits are the only observable difference between the two paths.
/// </summary>
public class DistributionSortBranchTests
{
    private static bool IsNegativeZero(double x) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(-0.0);

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    public void GivenInterleavedZerosFromTheRadixThresholdUp_ThenEveryNegativeZeroComesFirst(int n)
    {
        var values = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 0.0 : -0.0).ToArray();
        values[7] = -1;
        values[n - 3] = 2;
        DistributionSort.SortInPlace(values);
        Assert.Equal(-1.0, values[0]);
        Assert.Equal(2.0, values[^1]);
        var zeros = values[1..^1];
        var negatives = zeros.Count(IsNegativeZero);
        Assert.Equal(n / 2 - 2, negatives);
        Assert.All(zeros[..negatives], z => Assert.True(IsNegativeZero(z)));
    }

    [Fact]
    public void GivenTwoZerosBelowTheThreshold_ThenArraySortKeepsTheirOrder()
    {
        double[] values = [0.0, -0.0];
        DistributionSort.SortInPlace(values);
        Assert.False(IsNegativeZero(values[0]));
        Assert.True(IsNegativeZero(values[1]));
    }
}
