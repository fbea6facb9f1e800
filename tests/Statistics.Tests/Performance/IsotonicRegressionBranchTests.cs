namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Isotonic regression at its boundaries: inputs exactly one resolution (1e-15) apart stay distinct points (as scikit-learn's
/// _make_unique), a block whose mean equals the previous block's is pooled (the fit is the exactly rounded mean, as
/// scikit-learn's), and each input check names its own argument. Values: reference/s3_branches.json.
/// </summary>
public class IsotonicRegressionBranchTests
{
    [Fact]
    public void GivenTwoInputsOneResolutionApart_ThenTheyStayDistinctPoints()
    {
        var c = S3Reference.Json.GetProperty("isotonic_resolution");
        var fit = IsotonicRegression.Fit([0.0, 1e-15], [0.0, 1.0]);
        Assert.Equal(S3Reference.Doubles(c.GetProperty("sklearn")), fit.Predict([0.0, 1e-15]));
        // Closer than the resolution they are one point with the mean label.
        Assert.Equal([0.5, 0.5], IsotonicRegression.Fit([0.0, 9e-16], [0.0, 1.0]).Predict([0.0, 9e-16]));
    }

    [Fact]
    public void GivenBlocksWithEqualMeans_ThenTheyArePooledIntoTheExactlyRoundedMean()
    {
        // 0.7, 0.7, 0.7, 0.1, 0.2, 0.3: one block; (3·0.7 + 0.1 + 0.2 + 0.3)/6 over these doubles rounds to 0.44999999999999996.
        // Keeping equal neighbouring blocks apart until a later violation merges them gives 0.45 instead.
        var c = S3Reference.Json.GetProperty("isotonic_equal_blocks");
        var x = S3Reference.Doubles(c.GetProperty("x"));
        var fit = IsotonicRegression.Fit(x, S3Reference.Doubles(c.GetProperty("y")));
        var predicted = fit.Predict(x);
        Assert.Equal(S3Reference.Doubles(c.GetProperty("exact")), predicted);
        Assert.Equal(S3Reference.Doubles(c.GetProperty("sklearn")), predicted);
    }

    [Fact]
    public void GivenMoreLabelsThanScores_ThenTheLabelsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>("labels", () => IsotonicRegression.Fit([0.1, 0.2], [true, false, true]));
        Assert.StartsWith("'scores' has 2 values but 'labels' has 3", e.Message);
    }

    [Fact]
    public void GivenANonFiniteTarget_ThenYIsRefused()
    {
        var e = Assert.Throws<ArgumentException>("y", () => IsotonicRegression.Fit([0.0, 1.0], [0.0, double.NaN]));
        Assert.StartsWith("'y'[1] is NaN", e.Message);
    }

    [Fact]
    public void GivenANonFiniteInputToTheSpanPredict_ThenXIsRefused()
    {
        var fit = IsotonicRegression.Fit([0.0, 1.0, 2.0], [0.0, 0.5, 1.0]);
        var e = Assert.Throws<ArgumentException>("x", () => fit.Predict([0.5, double.NaN]));
        Assert.StartsWith("'x'[1] is NaN", e.Message);
        Assert.Empty(fit.Predict(ReadOnlySpan<double>.Empty));
    }
}
