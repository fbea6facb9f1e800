namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// DeLong's sweeps and the reference comparison on exact cases: tied scores on both sides (the grouping of ties is what makes
/// the sums the correctly rounded rationals), variances far below the squared structural components (the centred squares
/// avoid the cancellation of Σψ² − mψ̄²), and the degenerate comparisons where both variances are 0.
/// Expected values: reference/s3_branches.json, exact rationals rounded once (AUROC also equals sklearn's roc_auc_score).
/// </summary>
public class AurocBranchTests
{
    private static (double[] Scores, bool[] Labels) Pool(double[] positives, double[] negatives) =>
        ([.. positives, .. negatives], [.. positives.Select(_ => true), .. negatives.Select(_ => false)]);

    [Fact]
    public void GivenTiesInBothClasses_ThenAucAndVarianceAreTheCorrectlyRoundedRationals()
    {
        var c = S3Reference.Json.GetProperty("auroc_ties");
        var (scores, labels) = Pool(S3Reference.Doubles(c.GetProperty("positives")), S3Reference.Doubles(c.GetProperty("negatives")));
        var r = Auroc.DeLong(scores, labels);
        // Bit for bit: 21/40 and 1/25 rounded once. Summing tied ψ one case at a time instead of ψ·count rounds differently.
        Assert.Equal(c.GetProperty("auc").GetDouble(), r.Auc);
        Assert.Equal(c.GetProperty("variance").GetDouble(), r.Variance);
        Assert.Equal((0.525, 0.04), (r.Auc, r.Variance));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void GivenAVarianceTenOrdersBelowTheSquaredComponents_ThenItIsExactToOneInATrillion(int which)
    {
        // 10 positives against 10,000 negatives with all but one positive above every negative (and the mirror case): the
        // DeLong variance is 2e-10 while Σψ² ≈ 10; Σ(ψ − ψ̄)² keeps it to ~1e-13 relative, Σ(ψ + ψ̄)(ψ − ψ̄) (equal in exact
        // arithmetic) loses ~5e-8.
        var c = S3Reference.Json.GetProperty("auroc_small_variance")[which];
        var many = Enumerable.Range(0, 10000).Select(i => (double)i).ToArray();
        var (scores, labels) = which == 0
            ? Pool([.. Enumerable.Repeat(10001.0, 9), 9998.5], many)
            : Pool(many, [.. Enumerable.Repeat(-1.0, 9), 0.5]);
        var r = Auroc.DeLong(scores, labels);
        Assert.Equal(c.GetProperty("auc").GetDouble(), r.Auc, 15);
        Close.Equal(c.GetProperty("variance").GetDouble(), r.Variance, 1e-12, "variance");
    }

    private static AurocResult Result(double auc, double variance) => new(auc, variance, new Estimate(auc, auc, auc, 0.95), 5, 5);

    [Fact]
    public void GivenNull_WhenComparing_ThenArgumentNullExceptionNamesTheArgument()
    {
        Assert.Throws<ArgumentNullException>("current", () => Auroc.CompareWithReference(null!, Result(0.8, 0.01)));
        Assert.Throws<ArgumentNullException>("reference", () => Auroc.CompareWithReference(Result(0.8, 0.01), null!));
    }

    [Fact]
    public void GivenBothVariancesZeroAndAHigherCurrentAuc_ThenZIsPlusInfinity()
    {
        var r = Auroc.CompareWithReference(Result(1, 0), Result(0, 0));
        Assert.Equal(double.PositiveInfinity, r.Statistic);
        Assert.Equal(1.0, r.PValue);
        Assert.Equal("DeLong z, independent samples, one-sided (current < reference)", r.Method);
        var lower = Auroc.CompareWithReference(Result(0, 0), Result(1, 0));
        Assert.Equal((double.NegativeInfinity, 0.0), (lower.Statistic, lower.PValue));
    }

    [Fact]
    public void GivenTwoSided_ThenDegenerateDifferencesGiveTheLimitingPValues()
    {
        var up = Auroc.CompareWithReference(Result(1, 0), Result(0, 0), AurocAlternative.TwoSided);
        Assert.Equal((double.PositiveInfinity, 0.0, "DeLong z, independent samples, two-sided"), (up.Statistic, up.PValue, up.Method));
        var same = Auroc.CompareWithReference(Result(0.7, 0), Result(0.7, 0), AurocAlternative.TwoSided);
        Assert.Equal((0.0, 1.0), (same.Statistic, same.PValue));
        // diff = 0.1, se = 0.1: z = 1, p = 2·Φ(−1) = 0.31731050786291415 (scipy: 2*norm.sf(1)).
        var finite = Auroc.CompareWithReference(Result(0.8, 0.005), Result(0.7, 0.005), AurocAlternative.TwoSided);
        Assert.Equal(1.0, finite.Statistic, 12);
        Assert.Equal(0.31731050786291415, finite.PValue, 12);
    }
}
