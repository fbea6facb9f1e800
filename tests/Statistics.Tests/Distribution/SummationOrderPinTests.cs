namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// Values pinned bit for bit where the order of a floating-point sum shows in the last bit: Fisher's exact test sums
/// the table weights relative to the mode (a different anchor gives the same ratio up to rounding), and the Hellinger and
/// total-variation distances sum four categories at a time in vector lanes and the rest one by one. These are this
/// implementation's own values, not a reference (the exact value is checked beside each, to its rounding): the golden
/// replay fixtures and <c>rederive</c> compare recorded statistics with replayed ones bit for bit, so a change to where a
/// sum starts or which terms go through the vector loop shows here first. Inputs from the survivors' triage: each one
/// separates the original from a mutant that had been taken for equivalent (docs/quality.md).
/// </summary>
public sealed class SummationOrderPinTests
{
    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);

    [Theory]
    [InlineData(78L, 59L, 4L, 32L, 4.5494860443666057E-07, 4.549486044366606e-07)] // mode from (n − 1) instead of (n + 1)
    [InlineData(10L, 0L, 5L, 7L, 0.005347593582887703, 0.0053475935828877)]          // mode from (n1 − 1) instead of (n1 + 1)
    [InlineData(11L, 2L, 7L, 13L, 0.010984830165562379, 0.01098483016556238)]       // mode over (total − 2) instead of (total + 2)
    public void GivenATable_ThenFishersPValueIsThisImplementationsValueBitForBit(long a, long b, long c, long d, double expected, double exact)
    {
        var p = Categorical.FisherExact(a, b, c, d).PValue;
        Assert.Equal(Bits(expected), Bits(p));
        // The exact two-sided p (hypergeometric weights in rational arithmetic, R's 1 + 10⁻⁷ tie rule), to 4 ulp.
        Assert.InRange(Math.Abs(p - exact) / exact, 0, 8e-16);
    }

    [Fact]
    public void GivenFourCategories_ThenBothDistancesAreSummedInOneVectorOfLanes()
    {
        double[] p = [15, 35, 43, 10], q = [28, 9, 13, 47];
        // The scalar order (and the exact values, 50-digit decimal and rational arithmetic) give 0.4049390735761428 and
        // 0.5304774296867181, one ulp away; the lanes are summed pairwise.
        Assert.Equal(Bits(0.40493907357614284), Bits(Distances.Hellinger(p, q)));
        Assert.Equal(Bits(0.530477429686718), Bits(Distances.TotalVariation(p, q)));
        Assert.InRange(Math.Abs(Distances.Hellinger(p, q) - 0.4049390735761428), 0, 1.2e-16);
        Assert.InRange(Math.Abs(Distances.TotalVariation(p, q) - 0.5304774296867181), 0, 1.2e-16);
    }

    [Fact]
    public void GivenEightCategories_ThenTheSecondGroupOfFourGoesThroughTheVectorLoopToo()
    {
        double[] hp = [48, 49, 26, 12, 7, 36, 9, 13], hq = [12, 3, 4, 35, 22, 7, 48, 16];
        double[] tp = [47, 17, 15, 7, 23, 32, 23, 34], tq = [16, 41, 40, 45, 15, 13, 44, 2];
        Assert.Equal(Bits(0.48993105338404336), Bits(Distances.Hellinger(hp, hq)));
        Assert.Equal(Bits(0.4739057239057239), Bits(Distances.TotalVariation(tp, tq)));
    }

    [Fact]
    public void GivenEightVectors_ThenTheMmdStatisticSumsTheLastFullBlockOfEachKernelRowInTheVectorLanes()
    {
        // Six reference and two current vectors: each kernel row is 8 doubles, two blocks of four. The masked row sums of
        // the x rows include x members in the second block, so summing that block in the scalar tail (loop bound `<`) or
        // every term in scalar order (bound `>`) rounds differently: 0.06407146140543696 instead of this value.
        float[][] x = [[0.69717485f, 0.9791163f], [0.4467705f, 0.040462732f], [0.6872337f, 0.9107387f], [0.3152177f, 0.9775503f],
                       [0.57560045f, 0.017477509f], [0.7632474f, 0.86231804f]];
        float[][] y = [[0.5691313f, 0.39487255f], [1.1815605f, 0.14530581f]];

        var result = MaximumMeanDiscrepancy.Test(x, y, permutations: 1, seed: 0);

        Assert.Equal(Bits(0.06407146140543207), Bits(result.Statistic));
        // The exact MMD²_u of these vectors (60-digit decimal arithmetic, σ the exact median distance) is
        // 0.064071461405434027; the cancellation of the three sums leaves 3e-14 relative, as for the other order.
        Assert.InRange(Math.Abs(result.Statistic - 0.064071461405434027) / 0.064071461405434027, 0, 5e-14);
    }
}

