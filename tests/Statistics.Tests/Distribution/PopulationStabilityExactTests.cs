namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// PSI by hand: numpy's linear quantile edges of the reference (duplicates dropped), each value's bin under both edge rules
/// (for the sorted reference and the unsorted current window alike), the floor, and Σ (c − r)·ln(c / r).
/// </summary>
public class PopulationStabilityExactTests
{
    private static readonly double[] OneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

    [Fact]
    public void GivenOneToTen_WhenQuartileEdgesAreTaken_ThenTheyAreNumpysLinearQuantiles()
    {
        // (n − 1)·q = 2.25, 4.5, 6.75 → 3.25, 5.5, 7.75.
        var r = PopulationStability.Index(OneToTen, OneToTen, bins: 4);
        Assert.Equal([3.25, 5.5, 7.75], r.Edges);
        Assert.Equal([0.3, 0.2, 0.2, 0.3], r.ReferenceProportions);
        Assert.Equal(0.0, r.Value);
        Assert.Equal([1.25, 1.5, 1.75], PopulationStability.QuantileEdges([1.0, 2], 4));
        Assert.Equal([1.0], PopulationStability.QuantileEdges([1.0, 1, 1, 1, 2], 4));    // 1, 1, 1: duplicates dropped
        Assert.Equal([2.0], PopulationStability.QuantileEdges([1.0, 2, 2, 2], 3));       // (n − 1)·q = 1, 2 → 2, 2: one edge
    }

    [Theory]
    [InlineData(1.6566931578504213e-07, 33.763151229006596, 16.881575697337954)]   // a + (b − a)/2 gives …958
    [InlineData(-0.01269188791330516, 1182.610846251062, 591.2990771815744)]      // a + (b − a)/2 gives …743
    public void GivenAnEdgeHalfwayBetweenTwoValues_ThenItIsNumpysUpperFormulaBitForBit(double a, double b, double median)
    {
        // numpy's lerp takes b − (b − a)(1 − γ) from γ = ½ on (`where=t >= 0.5`); when b − a rounds, a + (b − a)·½ is
        // another double. Expected values: numpy 1.24.2 (Debian), np.quantile([a, b], 0.5).
        Assert.Equal(BitConverter.DoubleToInt64Bits(median), BitConverter.DoubleToInt64Bits(Assert.Single(PopulationStability.QuantileEdges([a, b], 2))));
    }

    [Fact]
    public void GivenValuesOnTheEdges_ThenTheyGoToTheLowerBinOrWithNumpyToTheUpperOne()
    {
        double[] current = [3.25, 5.5, 7.75, 0, 100];
        var lower = PopulationStability.Index(OneToTen, current, bins: 4);
        Assert.Equal([0.4, 0.2, 0.2, 0.2], lower.CurrentProportions);
        var upper = PopulationStability.Index(OneToTen, current, bins: 4, binning: PsiBinning.NumpyHistogram);
        Assert.Equal([0.2, 0.2, 0.2, 0.4], upper.CurrentProportions);
        // The reference itself holds edge values when its quantiles fall on data: 1, 2, 3, 4, 5 in two bins, edge 3.
        double[] five = [5, 4, 3, 2, 1];
        Assert.Equal([0.6, 0.4], PopulationStability.Index(five, five, bins: 2).ReferenceProportions);
        Assert.Equal([0.4, 0.6], PopulationStability.Index(five, five, bins: 2, binning: PsiBinning.NumpyHistogram).ReferenceProportions);
    }

    [Fact]
    public void GivenAnEmptyBin_WhenPsiIsComputed_ThenTheFloorStandsInAndTheSumIsTheDefinition()
    {
        var r = PopulationStability.Index(new long[] { 50, 30, 20 }, new long[] { 0, 40, 60 }, floor: 0.01);
        Assert.Equal([0.5, 0.3, 0.2], r.ReferenceProportions);
        Assert.Equal([0.01, 0.4, 0.6], r.CurrentProportions);
        var expected = (0.01 - 0.5) * Math.Log(0.01 / 0.5) + (0.4 - 0.3) * Math.Log(0.4 / 0.3) + (0.6 - 0.2) * Math.Log(0.6 / 0.2);
        Assert.Equal(expected, r.Value, 12);
        Assert.Empty(r.Edges);
        var swapped = PopulationStability.Index(new long[] { 0, 40, 60 }, new long[] { 50, 30, 20 }, floor: 0.01);
        Assert.Equal(expected, swapped.Value, 12);    // symmetric in its two windows
    }
}
