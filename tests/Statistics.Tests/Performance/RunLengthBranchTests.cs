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

    // Siegmund's ARL where Δ = μ − k is small: the closed form's e^(−x) + x − 1 (x = 2Δb) cancels to x²/2, so it had no correct
    // digit at Δ = 1e-9. h = 0.834 makes b = h + 1.166 exactly 2. Expected: 60-digit decimal arithmetic from the same doubles.
    [Theory]
    [InlineData(1e-9, 3.9999999946666667)]
    [InlineData(-1e-9, 4.000000005333334)]
    [InlineData(1e-6, 3.999994666672)]
    [InlineData(0.001, 3.994671995736176)]
    [InlineData(0.024999999999999998, 3.8699344287676585)]    // x one step below 0.1: still the series
    public void GivenASmallDriftAgainstTheReference_ThenTheRunLengthIsTheSeriesToTheLastBits(double shift, double exact) =>
        Assert.Equal(exact, RunLength.CusumAverageRunLength(0.834, 0, shift), exact * 4.5e-16);

    [Fact]
    public void GivenTwoDeltaBExactlyOneTenth_ThenTheClosedFormIsUsed()
    {
        // 2 · 0.025 · 2 is the double 0.1: the switch-over point itself takes the closed form (relative error here 6.6e-15).
        const double d = 0.025, b = 2.0;
        Assert.Equal(0.1, 2 * d * b);
        var closed = (Math.Exp(-0.1) + 0.1 - 1) / (2 * d * d);
        Assert.Equal(BitConverter.DoubleToInt64Bits(closed), BitConverter.DoubleToInt64Bits(RunLength.CusumAverageRunLength(0.834, 0, d)));
        Assert.Equal(3.8699344287676585, closed, 3.87 * 2e-14);
        Assert.Equal(4.0, RunLength.CusumAverageRunLength(0.834, 0.25, 0.25));  // Δ = 0: b² exactly
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
