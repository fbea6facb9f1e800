using Monitoring.DriftDetector.Detection;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Which test the detector runs for a signal and what it reports as the effect: rare categories pooled, Fisher's exact test for
/// a sparse 2×2 table, the method's statistic and p-value, the effect sizes. The statistics themselves are checked against
/// scipy in Statistics.Tests; here the expected values come from calling those functions directly.
/// </summary>
public sealed class SignalTestsTests
{
    private static readonly List<double> Reference = [1, 2, 3, 4, 5, 6, 7, 8, 9.5, 10.5];
    private static readonly List<double> Current = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23];

    [Fact]
    public void GivenCountTables_WhenAligned_ThenCategoriesUnderFiveInBothArePooledLastAndEmptyOnesDropped()
    {
        var reference = new Dictionary<string, long> { ["a"] = 10, ["b"] = 3, ["c"] = 0, ["d"] = 1, ["f"] = 5 };
        var current = new Dictionary<string, long> { ["a"] = 12, ["b"] = 1, ["c"] = 0, ["e"] = 2, ["g"] = 4 };

        var (r, c) = SignalTests.Align(reference, current);

        // a (22) and f (5) kept, g (4), b (4), d (1), e (2) pooled, c (0) dropped.
        Assert.Equal([10L, 5, 4], r);
        Assert.Equal([12L, 0, 7], c);
    }

    [Fact]
    public void GivenNoRareCategories_WhenAligned_ThenNoPooledColumnIsAdded()
    {
        var (r, c) = SignalTests.Align(new Dictionary<string, long> { ["x"] = 5, ["y"] = 6 }, new Dictionary<string, long> { ["x"] = 7 });

        Assert.Equal([5L, 6], r);
        Assert.Equal([7L, 0], c);
    }

    [Fact]
    public void GivenASingleCategory_WhenCompared_ThenNothingIsTested()
    {
        var cmp = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["GE"] = 50 }, new Dictionary<string, long> { ["GE"] = 70, ["X"] = 0 });

        Assert.Equal(new Comparison(0, 1, 0), cmp);
    }

    [Fact]
    public void GivenThreeCategories_WhenComparedByEachMethod_ThenTheMethodsStatisticAndTheTotalVariationAsEffect()
    {
        var reference = new Dictionary<string, long> { ["GE"] = 50, ["PHILIPS"] = 20, ["SIEMENS"] = 30 };
        var current = new Dictionary<string, long> { ["GE"] = 20, ["PHILIPS"] = 50, ["SIEMENS"] = 30 };
        long[] r = [50, 20, 30], c = [20, 50, 30];

        var chi2 = Categorical.ChiSquaredHomogeneity(r, c);
        var g = Categorical.GTest(r, c);
        Assert.Equal(new Comparison(chi2.Statistic, chi2.PValue, 0.3), Round(SignalTests.Categorical("chi2", reference, current)));
        Assert.Equal(new Comparison(g.Statistic, g.PValue, 0.3), Round(SignalTests.Categorical("g-test", reference, current)));
        Assert.Equal(new Comparison(0.3, null, 0.3), Round(SignalTests.Categorical("tv", reference, current)));
        Assert.NotEqual(chi2.Statistic, g.Statistic);
    }

    [Theory]
    // Expected count of a cell below 5: Fisher's exact test.
    [InlineData(5, 7, 1, 9, true)]
    // Every expected count exactly 5: the chi-squared test.
    [InlineData(5, 5, 5, 5, false)]
    [InlineData(30, 10, 20, 25, false)]
    public void GivenATwoByTwoTable_WhenAnExpectedCountIsUnderFive_ThenFishersExactTestIsUsed(long r0, long r1, long c0, long c1, bool fisher)
    {
        var cmp = SignalTests.Categorical("chi2", new Dictionary<string, long> { ["no"] = r0, ["yes"] = r1 }, new Dictionary<string, long> { ["no"] = c0, ["yes"] = c1 });

        var expected = fisher ? Categorical.FisherExact(r0, r1, c0, c1) : Categorical.ChiSquaredHomogeneity([r0, r1], [c0, c1]);
        var tv = Math.Abs((double)r0 / (r0 + r1) - (double)c0 / (c0 + c1));
        Assert.Equal(new Comparison(expected.Statistic, expected.PValue, Math.Round(tv, 12)), Round(cmp));
    }

    [Fact]
    public void GivenTwoSamples_WhenComparedByEachNumericMethod_ThenStatisticPValueAndEffectAreTheMethods()
    {
        var r = Reference.ToArray();
        var c = Current.ToArray();
        var sorted = SortedSample.Of(r);

        var ks = KolmogorovSmirnov.TwoSample(r, c, KsMethod.Auto);
        Assert.Equal(new Comparison(ks.Statistic, ks.PValue, ks.Statistic), SignalTests.Numeric("ks", Reference, Current));
        Assert.Equal(new Comparison(ks.Statistic, ks.PValue, ks.Statistic), SignalTests.Numeric("ks", Reference, Current, sorted));

        var cvm = CramerVonMises.TwoSample(r, c);
        var ksAsymptotic = KolmogorovSmirnov.TwoSample(r, c, KsMethod.Asymptotic);
        Assert.Equal(new Comparison(cvm.Statistic, cvm.PValue, ksAsymptotic.Statistic), SignalTests.Numeric("cvm", Reference, Current));
        Assert.Equal(new Comparison(cvm.Statistic, cvm.PValue, ksAsymptotic.Statistic), SignalTests.Numeric("cvm", Reference, Current, sorted));

        var mw = MannWhitney.U(r, c);
        Assert.Equal(new Comparison(mw.Statistic, mw.PValue, Math.Abs(1 - 2 * mw.Statistic / (10.0 * 11))), SignalTests.Numeric("mann-whitney", Reference, Current));
        Assert.True(Math.Abs(1 - 2 * mw.Statistic / (10.0 * 11)) > 0.3);

        var psi = PopulationStability.Index(r, c).Value;
        Assert.Equal(new Comparison(psi, null, psi), SignalTests.Numeric("psi", Reference, Current));

        var w = Distances.Wasserstein1(r, c);
        Assert.Equal(new Comparison(w, null, w / SignalTests.StandardDeviation(r)), SignalTests.Numeric("wasserstein", Reference, Current));
        Assert.Equal(new Comparison(3, null, 3), SignalTests.Numeric("wasserstein", [5, 5, 5], [8, 8, 8]));
    }

    [Theory]
    [InlineData(1000, 1000, KsMethod.Auto)]
    [InlineData(1000, 1001, KsMethod.Asymptotic)]
    [InlineData(100_000, 11, KsMethod.Asymptotic)]
    public void GivenSampleSizes_WhenChoosingTheKsMethod_ThenExactIsAllowedUpToAMillionCells(int n1, int n2, KsMethod expected) =>
        Assert.Equal(expected, SignalTests.KsMethodFor(n1, n2));

    [Fact]
    public void GivenSamples_WhenTheirStandardDeviationIsTaken_ThenItIsTheSampleOne()
    {
        Assert.Equal(Math.Sqrt(32.0 / 7), SignalTests.StandardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), 12);
        Assert.Equal(0, SignalTests.StandardDeviation([3]));
        Assert.Equal(Math.Sqrt(0.5), SignalTests.StandardDeviation([1, 2]), 12);
    }

    [Theory]
    [InlineData("bonferroni")]
    [InlineData("benjamini-hochberg")]
    [InlineData("holm")]
    [InlineData("none")]
    public void GivenAFamilyOfPValues_WhenAdjusted_ThenThePolicysCorrectionIsApplied(string correction)
    {
        double[] p = [0.01, 0.04, 0.03];

        var expected = correction switch
        {
            "bonferroni" => MultipleTesting.Bonferroni(p),
            "benjamini-hochberg" => MultipleTesting.BenjaminiHochberg(p),
            "holm" => MultipleTesting.Holm(p),
            _ => p,
        };

        Assert.Equal(expected, SignalTests.Adjust(correction, p));
        Assert.Empty(SignalTests.Adjust(correction, []));
        Assert.NotEqual(MultipleTesting.Holm(p), MultipleTesting.BenjaminiHochberg(p));
    }

    private static Comparison Round(Comparison c) => c with { Effect = Math.Round(c.Effect, 12), Statistic = c.PValue is null ? Math.Round(c.Statistic, 12) : c.Statistic };
}
