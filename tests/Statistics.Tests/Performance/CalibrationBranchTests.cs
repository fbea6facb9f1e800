namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Expected calibration error on probabilities at a bin edge: the first guess (int)(p·B) can be one bin low (p = 5·(1/7):
/// p·7 rounds below 5) or one bin high (0.3 with B = 10: the edge 3·0.1 is 0.30000000000000004), and a probability equal to an
/// edge belongs to the upper bin. Expected bins and ECE: reference/s3_branches.json (numpy's np.linspace edges, as
/// calibration_curve(strategy="uniform") builds them, with a value on an edge in the upper bin); compared at 1e-15.
/// </summary>
public class CalibrationBranchTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void GivenAProbabilityAtABinEdge_ThenItFallsInTheBinOfTheEdgesBelowIt(int which)
    {
        var c = S3Reference.Json.GetProperty("ece")[which];
        var p = S3Reference.Doubles(c.GetProperty("probabilities"));
        var y = c.GetProperty("labels").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        var ece = Calibration.ExpectedCalibrationError(p, y, c.GetProperty("bins").GetInt32());
        Assert.Equal(c.GetProperty("ece").GetDouble(), ece, 15);
    }

    [Fact]
    public void GivenTheSevenBinEdgeCase_ThenTheEceIsTheHandValue()
    {
        // p = 5/7 (edge, label 0) alone in bin 5, 0.65 (label 1) alone in bin 4: (5/7 + 0.35)/2.
        Assert.Equal((5 * (1.0 / 7) + 0.35) / 2, Calibration.ExpectedCalibrationError([5 * (1.0 / 7), 0.65], [false, true], 7), 15);
    }

    [Fact]
    public void GivenEveryEdgeWhoseFirstGuessIsOneBinLow_ThenTheEdgeStartsTheUpperBin()
    {
        // For B = 2..60, every interior edge e = k·(1/B) with (int)(e·B) < k (p·B rounds below k): e (label 0) and the double
        // just below it (label 1) fall in bins k and k − 1, so ECE = |1 − q|/2 + |0 − e|/2, summed in bin order as the code does.
        var edges = 0;
        for (var bins = 2; bins <= 60; bins++)
        {
            var step = 1.0 / bins;
            for (var k = 1; k < bins; k++)
            {
                var e = k * step;
                if ((int)(e * bins) >= k) continue;
                edges++;
                var q = Math.BitDecrement(e);
                var expected = 0 + Math.Abs(1 - q) / 2 + Math.Abs(0 - e) / 2;
                Assert.Equal(expected, Calibration.ExpectedCalibrationError([e, q], [false, true], bins));
            }
        }

        Assert.Equal(179, edges);
    }

    [Fact]
    public void GivenMoreLabelsThanProbabilities_ThenBothMetricsRefuseTheLabels()
    {
        var e1 = Assert.Throws<ArgumentException>("labels", () => Calibration.LogLoss([0.5], [true, false]));
        Assert.StartsWith("'scores' has 1 values but 'labels' has 2", e1.Message);
        var e2 = Assert.Throws<ArgumentException>("labels", () => Calibration.ExpectedCalibrationError([0.5], [true, false]));
        Assert.StartsWith("'scores' has 1 values but 'labels' has 2", e2.Message);
    }
}
