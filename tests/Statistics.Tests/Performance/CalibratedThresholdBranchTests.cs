using System.Text.Json;
using Monitoring.Statistics.Tests.Distribution;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// Branches of <see cref="CalibratedThreshold"/> without simulation. (1) Probes of the integrated expected alarm count at
/// h = 200 (reference/s2_branches.json, from a double-precision transcription of the documented integration; 1e-10
/// relative): an allowance just below E(200) gives +∞ and one just above gives a finite threshold, so any change of the
/// grid, the node spacing or the softplus branches larger than 1e-10 fails. (2) A reference with no drift at any grid point
/// (|hit|, |miss| = 1e-16), where E(h) = r (hit − miss)² E[p(1 − p)]/h² in closed form with the Jeffreys posterior's moment
/// ab/((a + b)(a + b + 1)): the threshold is the bisection's on that closed form. (3) The run-length and root branches at
/// their exact boundaries.
/// </summary>
public class CalibratedThresholdBranchTests
{
    public static TheoryData<int> Probes => S2Reference.Indices("calibrated_probes");

    public static TheoryData<int> BitExactProbes
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (var i in Enumerable.Range(0, S2Reference.Section("calibrated_probes").GetArrayLength()))
            {
                if (S2Reference.Case("calibrated_probes", i).GetProperty("bit_exact").GetBoolean())
                {
                    data.Add(i);
                }
            }

            return data;
        }
    }

    public static TheoryData<int> NoDrift => S2Reference.Indices("calibrated_no_drift");

    [Theory]
    [MemberData(nameof(Probes))]
    public void GivenAnAllowanceJustBelowOrAboveTheAlarmsAtTheLargestThreshold_ThenTheMonitorIsOffOrCalibrated(int index)
    {
        var c = S2Reference.Case("calibrated_probes", index);
        Assert.Equal(double.PositiveInfinity, Threshold(c, S2Reference.Number(c, "allowed_below")));
        var above = Threshold(c, S2Reference.Number(c, "allowed_above"));
        Assert.True(double.IsFinite(above) && above > 199, $"{S2Reference.Name(c)}: {above}");
    }

    [Theory]
    [MemberData(nameof(BitExactProbes))]
    public void GivenAnAllowanceOfExactlyTheAlarmsAtTheLargestThreshold_ThenItIsMetThereAndOneUlpLessIsNot(int index)
    {
        // The transcription repeats the C# operations in the same order, so E(200) agrees to the last bit: an allowance of
        // exactly E(200) is met at h = 200 (E(200) > allowance is false), one ulp less is not. This sees any change of E(200).
        var c = S2Reference.Case("calibrated_probes", index);
        var e200 = S2Reference.Number(c, "expected_at_200");
        Assert.True(double.IsFinite(Threshold(c, e200)), S2Reference.Name(c));
        Assert.Equal(double.PositiveInfinity, Threshold(c, Math.BitDecrement(e200)));
    }

    [Theory]
    [MemberData(nameof(NoDrift))]
    public void GivenNoDriftAtAnyGridPoint_ThenTheThresholdIsTheClosedFormsBisection(int index)
    {
        var c = S2Reference.Case("calibrated_no_drift", index);
        var h = CalibratedThreshold.Bernoulli(S2Reference.Number(c, "hit"), S2Reference.Number(c, "miss"), S2Reference.Number(c, "successes"),
            S2Reference.Number(c, "trials"), S2Reference.Number(c, "rate"), S2Reference.Number(c, "allowed"));
        Assert.Equal(S2Reference.Number(c, "threshold"), h);
    }

    [Fact]
    public void GivenEveryNodeSaturated_WhenTheAllowanceIsExactlyTheirTotalWeight_ThenItIsMetAtEveryThreshold()
    {
        // E(h) = S, the sum of the node weights, for every h (each chart alarms at least once a year); S to the last bit from
        // the reference. E(200) = S is within an allowance of S (not +∞), and so is every E(mid): the bisection halves
        // downwards to 200/2²¹. One ulp less and no threshold meets it.
        var c = S2Reference.Case("calibrated_saturated", 0);
        var s = S2Reference.Number(c, "total_weight");
        var k = S2Reference.Number(c, "k");
        var n = c.GetProperty("referenceSize").GetInt64();
        var rate = S2Reference.Number(c, "rate");
        Assert.Equal(S2Reference.Number(c, "threshold"), CalibratedThreshold.NormalScoreCusum(k, n, rate, s));
        Assert.Equal(double.PositiveInfinity, CalibratedThreshold.NormalScoreCusum(k, n, rate, Math.BitDecrement(s)));
    }

    [Fact]
    public void GivenAZeroMissIncrement_ThenTheBernoulliChartIsRefused() =>
        // hit·miss = −0 is not negative (hit/miss would be −∞).
        Assert.Equal("hit", Assert.Throws<ArgumentException>(() => CalibratedThreshold.Bernoulli(-1, 0, 10, 100, 1000, 0.1)).ParamName);

    [Fact]
    public void GivenThetaHExactlyAtTheDiffusionCutOff_ThenWaldsFormulaApplies()
    {
        // θh = 1e-6 is not below 1e-6: Wald's (e^x − x − 1)/(−θμ) ≈ 5e-6, floored at 1 (the diffusion limit would give h²/σ² = 2).
        Assert.Equal(1, CalibratedThreshold.BernoulliRunLength(1, 1e-6, -0.1, 0.5));
        // θh = 5e-7 (θ/h = 2e-6): the diffusion limit h²/σ² = 0.25/0.01.
        Assert.Equal(25, CalibratedThreshold.BernoulliRunLength(0.5, 1e-6, -0.1, 0.01), 12);
        // |μ| = 1e-15 is not below 1e-15: Wald's formula, not h²/σ² = 50.
        Assert.Equal((Math.Exp(4) - 5) / (0.8 * 1e-15), CalibratedThreshold.BernoulliRunLength(5, 0.8, -1e-15, 0.5), 1e4);
    }

    [Fact]
    public void GivenADriftOfExactlyTheCutOff_ThenTheRootIsSearched()
    {
        var chart = BernoulliCusum.Design(0.2, 0.3, 1e6);
        // Only the drift's sign enters the search: −1e-15 (not below the cut-off in size) finds the positive root at p = 0.1.
        Assert.Equal(3.723812020488639, CalibratedThreshold.Root(0.1, chart.Hit, chart.Miss, -1e-15), 1e-9);
    }

    private static double Threshold(JsonElement c, double allowed) => c.GetProperty("kind").GetString() == "normal"
        ? CalibratedThreshold.NormalScoreCusum(S2Reference.Number(c, "k"), c.GetProperty("referenceSize").GetInt64(), S2Reference.Number(c, "rate"), allowed)
        : CalibratedThreshold.Bernoulli(S2Reference.Number(c, "hit"), S2Reference.Number(c, "miss"), S2Reference.Number(c, "successes"),
            S2Reference.Number(c, "trials"), S2Reference.Number(c, "rate"), allowed);
}
