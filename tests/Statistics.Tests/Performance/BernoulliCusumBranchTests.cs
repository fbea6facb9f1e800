namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// <see cref="BernoulliCusum.ThresholdFor"/>'s bisection: its end point (scipy's root within 1e-9, and the exact end point of
/// a Python transcription: reference/s3_branches.json) and a target exactly at the first midpoint, where the strict
/// comparison keeps that midpoint as the upper end.
/// </summary>
public class BernoulliCusumBranchTests
{
    [Fact]
    public void GivenADesign_ThenTheThresholdIsTheBisectionsEndPoint()
    {
        var c = S3Reference.Json.GetProperty("bisection").GetProperty("bernoulli");
        var h = BernoulliCusum.ThresholdFor(c.GetProperty("p0").GetDouble(), c.GetProperty("p1").GetDouble(), c.GetProperty("target").GetDouble());
        Close.Equal(c.GetProperty("root").GetDouble(), h, 1e-9, "root");
        Assert.Equal(c.GetProperty("threshold").GetDouble(), h);
    }

    [Fact]
    public void GivenATargetEqualToTheRunLengthAtOneHalf_ThenTheThresholdIsExactlyOneHalf()
    {
        double p0 = 0.05, p1 = 0.1;
        // Wald's approximation as ThresholdFor evaluates it: (e^h − h − 1)/K with K the Kullback–Leibler divergence.
        var k = p0 * Math.Log(p0 / p1) + (1 - p0) * Math.Log((1 - p0) / (1 - p1));
        var target = (Math.Exp(0.5) - 0.5 - 1) / k;
        Assert.Equal(0.5, BernoulliCusum.ThresholdFor(p0, p1, target));
    }
}
