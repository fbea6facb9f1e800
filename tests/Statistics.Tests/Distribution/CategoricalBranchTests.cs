namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// Branches of the categorical tests: the method names and degrees of freedom scipy's <c>chi2_contingency</c> reports
/// (Yates' correction only with one degree of freedom, dof 0 below two non-empty categories), the argument Fisher's test
/// names when it refuses a table, and <c>scipy.stats.fisher_exact</c> on large tables and far tails
/// (reference/s2_branches.json), where the walk must start at the mode for the weights to stay finite.
/// </summary>
public class CategoricalBranchTests
{
    public static TheoryData<int> FisherCases => S2Reference.Indices("fisher");

    [Fact]
    public void GivenTwoOrMoreDegreesOfFreedom_ThenNoYatesCorrectionIsNamed_AndWithOneItIs()
    {
        var pearson = Categorical.ChiSquaredHomogeneity([10, 20, 30], [15, 15, 30]);
        Assert.Equal(("pearson", 2.0), (pearson.Method, pearson.DegreesOfFreedom));
        var g = Categorical.GTest([10, 20, 30], [15, 15, 30]);
        Assert.Equal(("g-test", 2.0), (g.Method, g.DegreesOfFreedom));
        Assert.Equal("pearson+yates", Categorical.ChiSquaredHomogeneity([10, 20], [15, 15]).Method);
        Assert.Equal("g-test+yates", Categorical.GTest([10, 20], [15, 15]).Method);
    }

    [Fact]
    public void GivenOneNonEmptyCategory_ThenTheStatisticIsZeroWithNoDegreesOfFreedom()
    {
        var r = Categorical.ChiSquaredHomogeneity([5, 0], [3, 0]);
        Assert.Equal(new TestResult(0.0, 1.0, "pearson") { DegreesOfFreedom = 0, FirstSampleSize = 5, SecondSampleSize = 3 }, r);
        Assert.Equal("g-test", Categorical.GTest([0, 7], [0, 2]).Method);
    }

    [Fact]
    public void GivenANonPositiveStatistic_ThenTheChiSquaredTailIsOne()
    {
        Assert.Equal(1.0, Categorical.ChiSquaredSf(0, 1));
        Assert.Equal(1.0, Categorical.ChiSquaredSf(-1e-12, 1));
        Assert.Equal(1.0, Categorical.ChiSquaredSf(-3, 4));
    }

    [Theory]
    [InlineData(0, -1, 1, 1, "b")]
    [InlineData(1, 0, -1, 1, "c")]
    [InlineData(1, 1, 0, -1, "d")]
    [InlineData(-1, 0, 0, 0, "a")]
    public void GivenANegativeCount_WhenFishersTestRefusesTheTable_ThenItNamesThatCount(long a, long b, long c, long d, string name) =>
        Assert.Equal(name, Assert.Throws<ArgumentException>(() => Categorical.FisherExact(a, b, c, d)).ParamName);

    [Theory]
    [MemberData(nameof(FisherCases))]
    public void GivenALargeTableOrAFarTail_WhenFishersTestRuns_ThenItIsScipys(int index)
    {
        var c = S2Reference.Case("fisher", index);
        var t = c.GetProperty("table").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var r = Categorical.FisherExact(t[0], t[1], t[2], t[3]);
        Assert.Equal("exact", r.Method);
        S2Reference.Near(S2Reference.Number(c, "statistic"), r.Statistic, 1e-12, $"{S2Reference.Name(c)} odds ratio");
        // Far tails: both give exactly 0 (the true p is below 1e-320).
        S2Reference.Near(S2Reference.Number(c, "pvalue"), r.PValue, 1e-9, $"{S2Reference.Name(c)} p");
    }
}
