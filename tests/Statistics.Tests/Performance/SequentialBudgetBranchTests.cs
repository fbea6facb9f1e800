using MathNet.Numerics.Distributions;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// <see cref="SequentialBudget.GuaranteedCusumThreshold"/> at its branches: a reference of one case is allowed, a reference
/// error bound equal to the design shift gives no threshold (+∞), and with guarantee ½ (z = 0: no bias, no scale) the
/// bisection is the plain CUSUM one, so targets exactly at its bracket points and its stopping rule (relative 1e-9) are exact:
/// reference/s3_branches.json (scipy's root and a Python transcription of the bisection).
/// </summary>
public class SequentialBudgetBranchTests
{
    [Fact]
    public void GivenGuaranteeOneHalf_ThenZIsZeroAndTheDesignIsThePlainCusum()
    {
        Assert.Equal(0.0, Normal.InvCDF(0, 1, 0.5));
        var c = S3Reference.Json.GetProperty("bisection").GetProperty("sequential_budget");
        var h = SequentialBudget.GuaranteedCusumThreshold(c.GetProperty("target").GetDouble(), c.GetProperty("reference").GetDouble(),
            c.GetProperty("reference_size").GetInt64(), c.GetProperty("guarantee").GetDouble());
        Close.Equal(c.GetProperty("root").GetDouble(), h, 1e-9, "root");
        Assert.Equal(c.GetProperty("threshold").GetDouble(), h);
    }

    [Fact]
    public void GivenATargetEqualToTheRunLengthAtOne_ThenTheThresholdIsExactlyOne()
    {
        var target = RunLength.CusumAverageRunLength(1, 0.5);
        Assert.Equal(1.0, SequentialBudget.GuaranteedCusumThreshold(target, 0.5, 100, 0.5));
    }

    [Fact]
    public void GivenATargetEqualToTheRunLengthAtTheFirstMidpoint_ThenTheThresholdIsThatMidpoint()
    {
        var mid = (1e-6 + 1.0) / 2;
        var target = RunLength.CusumAverageRunLength(mid, 0.5);
        Assert.Equal(mid, SequentialBudget.GuaranteedCusumThreshold(target, 0.5, 100, 0.5));
    }

    [Fact]
    public void GivenAReferenceOfOneCaseWhoseErrorBoundEqualsTheShift_ThenNoThresholdGuaranteesTheTarget()
    {
        var z = Normal.InvCDF(0, 1, 0.9);
        Assert.Equal(double.PositiveInfinity, SequentialBudget.GuaranteedCusumThreshold(100, z, 1, 0.9));
        Assert.True(double.IsFinite(SequentialBudget.GuaranteedCusumThreshold(100, 2 * z, 1, 0.9)));
        Assert.Throws<ArgumentException>("referenceSize", () => SequentialBudget.GuaranteedCusumThreshold(100, z, 0, 0.9));
    }
}
