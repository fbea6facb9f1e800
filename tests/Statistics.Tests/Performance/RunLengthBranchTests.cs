namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// The CUSUM threshold bisection of <see cref="RunLength.CusumThreshold"/>: its end point for a design target (scipy's root
/// within the documented 1e-12, and the bisection's exact end point from a Python transcription: reference/s3_branches.json),
/// targets that sit exactly on the first bracket end and the first midpoint (the comparisons are strict: a run length equal
/// to the target is long enough), and its input refusals.
/// </summary>
public class RunLengthBranchTests
{
    private static System.Text.Json.JsonElement Case(string name) => S3Reference.Json.GetProperty("bisection").GetProperty(name);

    [Fact]
    public void GivenAnUpperCusumTarget_ThenTheThresholdIsTheBisectionsEndPointWithinOneInATrillionOfTheRoot()
    {
        var c = Case("cusum_upper");
        var h = RunLength.CusumThreshold(c.GetProperty("average_run_length").GetDouble(), c.GetProperty("reference").GetDouble(), CusumSide.Upper);
        Close.Equal(c.GetProperty("root").GetDouble(), h, 1e-12, "root");
        Assert.Equal(c.GetProperty("threshold").GetDouble(), h);
    }

    [Theory]
    [InlineData("cusum_upper_at_one")]
    [InlineData("cusum_upper_at_first_mid")]
    public void GivenATargetEqualToTheRunLengthAtABracketPoint_ThenThatPointBoundsTheSearchFromAbove(string name)
    {
        var c = Case(name);
        var h = RunLength.CusumThreshold(c.GetProperty("average_run_length").GetDouble(), c.GetProperty("reference").GetDouble(), CusumSide.Upper);
        Assert.Equal(c.GetProperty("threshold").GetDouble(), h);
    }

    [Fact]
    public void GivenATargetEqualToTheRunLengthOfTheSmallestThreshold_ThenItIsTooSmall()
    {
        var arl = RunLength.CusumAverageRunLength(1e-9, 0.5);
        var e = Assert.Throws<ArgumentException>("averageRunLength", () => RunLength.CusumThreshold(arl, 0.5, CusumSide.Upper));
        Assert.Contains("is too small", e.Message);
        Assert.True(RunLength.CusumThreshold(arl * (1 + 1e-12), 0.5, CusumSide.Upper) > 0);
    }

    [Fact]
    public void GivenANaNRunLength_ThenItIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>("averageRunLength", () => RunLength.CusumThreshold(double.NaN));
        Assert.StartsWith("'averageRunLength' is NaN; it must be a positive finite number.", e.Message);
    }
}
