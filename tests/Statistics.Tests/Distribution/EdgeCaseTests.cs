namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>Empty input, single values, all ties and non-finite values: a clear ArgumentException or a defined answer, never a silent NaN.</summary>
public sealed class EdgeCaseTests
{
    private static readonly double[] Some = [1.0, 2.0, 3.5, 4.0];

    public static TheoryData<string, double[]> BadSamples => new()
    {
        { "empty", [] },
        { "NaN", [1.0, double.NaN, 2.0] },
        { "+inf", [1.0, double.PositiveInfinity] },
        { "-inf", [double.NegativeInfinity, 3.0] },
    };

    [Theory]
    [MemberData(nameof(BadSamples))]
    public void GivenABadSample_WhenAnyTwoSampleKernelRuns_ThenItThrowsArgumentExceptionNamingTheInput(string label, double[] bad)
    {
        Assert.NotNull(label);
        void Both(Action<double[], double[]> kernel)
        {
            Assert.Contains("x", Assert.ThrowsAny<ArgumentException>(() => kernel(bad, Some)).ParamName);
            Assert.Contains("y", Assert.ThrowsAny<ArgumentException>(() => kernel(Some, bad)).ParamName);
        }

        Both((x, y) => KolmogorovSmirnov.TwoSample(x, y));
        Both((x, y) => CramerVonMises.TwoSample(x, y));
        Both((x, y) => MannWhitney.U(x, y));
        Both((x, y) => Distances.Wasserstein1(x, y));
        Both((x, y) => Distances.Energy(x, y));
        Assert.ThrowsAny<ArgumentException>(() => AndersonDarling.KSample([bad, Some]));
        Assert.ThrowsAny<ArgumentException>(() => PopulationStability.Index(bad, Some));
        Assert.ThrowsAny<ArgumentException>(() => PopulationStability.Index(Some, bad));
        Assert.ThrowsAny<ArgumentException>(() => Distances.JensenShannon(bad, bad));
        Assert.ThrowsAny<ArgumentException>(() => MultipleTesting.Holm(bad));
    }

    [Fact]
    public void GivenOneValuePerSample_WhenKolmogorovSmirnovRuns_ThenTheExactAnswerIsReturned()
    {
        var r = KolmogorovSmirnov.TwoSample([1.0], [2.0]);
        Assert.Equal(1.0, r.Statistic);
        Assert.Equal(1.0, r.PValue); // scipy: ks_2samp([1], [2]) = (1.0, 1.0)
        Assert.Equal(1.0, Distances.Wasserstein1([1.0], [2.0]));
        Assert.Equal(Math.Sqrt(2), Distances.Energy([1.0], [2.0]), 12);
    }

    [Fact]
    public void GivenOneValue_WhenCramerVonMisesRuns_ThenItNeedsTwo()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => CramerVonMises.TwoSample([1.0], Some));
        Assert.Contains("at least 2", e.Message);
    }

    [Fact]
    public void GivenAllValuesTied_WhenTheRankTestsRun_ThenTheyReportNoDifference()
    {
        double[] ties = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
        var ks = KolmogorovSmirnov.TwoSample(ties, ties[..7]);
        Assert.Equal((0.0, 1.0), (ks.Statistic, ks.PValue));
        var mwu = MannWhitney.U(ties, ties[..7]);
        Assert.Equal((35.0, 1.0), (mwu.Statistic, mwu.PValue));
        Assert.Equal(0.0, Distances.Wasserstein1(ties, ties[..3]));
        Assert.Equal(0.0, PopulationStability.Index(ties, ties[..3]).Value);
        Assert.Empty(PopulationStability.Index(ties, ties[..3]).Edges.Skip(1));
    }

    [Fact]
    public void GivenAllValuesTied_WhenAndersonDarlingRuns_ThenItExplainsThatItNeedsTwoDistinctValues()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => AndersonDarling.KSample([[1.0, 1.0], [1.0, 1.0, 1.0]]));
        Assert.Contains("distinct", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => AndersonDarling.KSample([Some]));
        Assert.ThrowsAny<ArgumentException>(() => AndersonDarling.KSample([Some, []]));
    }

    [Fact]
    public void GivenIdenticalCategoryCounts_WhenTheHomogeneityTestsRun_ThenStatisticIsZeroAndPIsOne()
    {
        long[] counts = [10, 0, 25, 7];
        var chi = Categorical.ChiSquaredHomogeneity(counts, counts);
        var g = Categorical.GTest(counts, counts);
        Assert.Equal((0.0, 1.0), (chi.Statistic, chi.PValue));
        Assert.Equal((0.0, 1.0), (g.Statistic, g.PValue));
    }

    [Fact]
    public void GivenACategoryEmptyInBothWindows_WhenChiSquaredRuns_ThenItIsDroppedFromTheDegreesOfFreedom()
    {
        var withEmpty = Categorical.ChiSquaredHomogeneity([12, 0, 30], [20, 0, 18]);
        var without = Categorical.ChiSquaredHomogeneity([12, 30], [20, 18]);
        Assert.Equal(without, withEmpty);
        Assert.Equal("pearson+yates", without.Method); // 2×2 after dropping: Yates, as scipy
    }

    [Fact]
    public void GivenBadCounts_WhenCategoricalTestsRun_ThenTheyThrow()
    {
        Assert.ThrowsAny<ArgumentException>(() => Categorical.ChiSquaredHomogeneity([1, 2], [1, 2, 3]));
        Assert.ThrowsAny<ArgumentException>(() => Categorical.ChiSquaredHomogeneity([], []));
        Assert.ThrowsAny<ArgumentException>(() => Categorical.GTest([1, -2], [1, 2]));
        Assert.ThrowsAny<ArgumentException>(() => Categorical.GTest([0, 0], [1, 2]));
        Assert.ThrowsAny<ArgumentException>(() => Categorical.FisherExact(-1, 2, 3, 4));
        var degenerate = Assert.ThrowsAny<ArgumentException>(() => Categorical.FisherExact(0, 0, 3, 4));
        Assert.Contains("zero row or column", degenerate.Message);
    }

    [Fact]
    public void GivenAZeroOffDiagonal_WhenFisherRuns_ThenTheOddsRatioIsInfiniteAsInScipy()
    {
        var r = Categorical.FisherExact(12, 0, 0, 12);
        Assert.Equal(double.PositiveInfinity, r.Statistic);
        Assert.True(r.PValue < 1e-5);
    }

    [Fact]
    public void GivenBadDistributions_WhenDiscreteDistancesRun_ThenTheyThrow()
    {
        Assert.ThrowsAny<ArgumentException>(() => Distances.Hellinger([0.5, 0.5], [1.0]));
        Assert.ThrowsAny<ArgumentException>(() => Distances.TotalVariation([0, 0], [1, 1]));
        Assert.ThrowsAny<ArgumentException>(() => Distances.JensenShannon([-0.1, 1.1], [0.5, 0.5]));
        Assert.Equal(Math.Sqrt(Math.Log(2)), Distances.JensenShannon([1, 0], [0, 1]), 12);
        Assert.Equal(1.0, Distances.Hellinger([1, 0], [0, 1]), 12);
        Assert.Equal(1.0, Distances.TotalVariation([1, 0], [0, 1]), 12);
    }

    [Fact]
    public void GivenAnEmptyCurrentBin_WhenPsiRuns_ThenTheFloorKeepsItFinite()
    {
        var r = PopulationStability.Index([10, 0, 5], [0, 0, 15], floor: 1e-4);
        Assert.True(double.IsFinite(r.Value));
        var p1 = 1e-4;
        var expected = (p1 - 10 / 15.0) * Math.Log(p1 / (10 / 15.0)) + (1 - 5 / 15.0) * Math.Log(1 / (5 / 15.0));
        Assert.Equal(expected, r.Value, 12);
        Assert.ThrowsAny<ArgumentException>(() => PopulationStability.Index(Some, Some, bins: 1));
        Assert.ThrowsAny<ArgumentException>(() => PopulationStability.Index(Some, Some, floor: 0));
    }

    [Fact]
    public void GivenPValuesOutsideTheUnitInterval_WhenAdjusting_ThenItThrows()
    {
        Assert.ThrowsAny<ArgumentException>(() => MultipleTesting.Bonferroni([0.2, 1.5]));
        Assert.ThrowsAny<ArgumentException>(() => MultipleTesting.BenjaminiHochberg([]));
        Assert.Equal([0.3], MultipleTesting.Holm([0.3]));
    }

    [Fact]
    public void GivenBadEmbeddings_WhenMmdRuns_ThenItThrows_AndEqualVectorsGiveNoDrift()
    {
        float[][] ok = [[1f, 2f], [2f, 3f], [0f, 1f]];
        Assert.ThrowsAny<ArgumentException>(() => MaximumMeanDiscrepancy.Test(ok, [[1f, 2f]]));
        Assert.ThrowsAny<ArgumentException>(() => MaximumMeanDiscrepancy.Test(ok, [[1f, 2f], [1f]]));
        Assert.ThrowsAny<ArgumentException>(() => MaximumMeanDiscrepancy.Test(ok, [[1f, float.NaN], [1f, 2f]]));
        Assert.ThrowsAny<ArgumentException>(() => MaximumMeanDiscrepancy.Test(ok, ok, permutations: 0));
        float[][] same = [[1f, 1f], [1f, 1f], [1f, 1f]];
        var r = MaximumMeanDiscrepancy.Test(same, same);
        Assert.Equal((0.0, 1.0), (r.Statistic, r.PValue));
    }

    [Fact]
    public void GivenAClearShift_WhenMmdRuns_ThenItDetectsItAndCapsTheSampleSize()
    {
        var rng = new Random(1);
        float[][] x = [.. Enumerable.Range(0, 700).Select(_ => new[] { (float)rng.NextDouble(), (float)rng.NextDouble() })];
        float[][] y = [.. Enumerable.Range(0, 80).Select(_ => new[] { (float)rng.NextDouble() + 0.7f, (float)rng.NextDouble() })];
        var r = MaximumMeanDiscrepancy.Test(x, y, permutations: 99, seed: 5);
        Assert.Equal(MaximumMeanDiscrepancy.DefaultMaxPerSample, r.SizeX);
        Assert.Equal(80, r.SizeY);
        Assert.Equal(0.01, r.PValue, 12);
        Assert.True(r.Statistic > 0);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void JensenShannon_WithAnInvalidBase_IsRefused(double logBase) =>
        Assert.Throws<ArgumentException>(() => Distances.JensenShannon([1.0, 2.0], [2.0, 1.0], logBase));

    [Fact]
    public void JensenShannon_InBits_IsTheNatsValueOverRootLn2_AndAtMostOne()
    {
        double[] p = [1, 0], q = [0, 1];
        Assert.Equal(Math.Sqrt(Math.Log(2)), Distances.JensenShannon(p, q), 12);
        Assert.Equal(1.0, Distances.JensenShannon(p, q, logBase: 2), 12);
    }

    [Fact]
    public void PopulationStability_AValueOnAnEdge_GoesToTheLowerBinByDefault_AndToTheUpperOneWithNumpyBinning()
    {
        // Reference 1..4: the median edge is 2.5; with 2 bins and a current sample of values on that edge only, the default puts
        // them in the lower bin (c = [1, 0]), numpy's histogram in the upper one (c = [0, 1]).
        double[] reference = [1, 2, 3, 4], current = [2.5, 2.5];
        var lower = PopulationStability.Index(reference, current, bins: 2);
        var upper = PopulationStability.Index(reference, current, bins: 2, binning: PsiBinning.NumpyHistogram);
        Assert.Equal([2.5], lower.Edges);
        Assert.Equal([1.0, 1e-4], lower.CurrentProportions);
        Assert.Equal([1e-4, 1.0], upper.CurrentProportions);
        Assert.Equal(lower.Value, upper.Value, 12);   // symmetric here: the same PSI from opposite bins
        Assert.Throws<ArgumentException>(() => PopulationStability.Index(reference, current, binning: (PsiBinning)7));
    }
}
