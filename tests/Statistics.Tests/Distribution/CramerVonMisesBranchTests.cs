namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// Branches of the two-sample Cramér–von Mises test: the exact distribution with unequal (coprime and non-coprime) sizes
/// against <c>scipy.stats.cramervonmises_2samp(method="exact")</c>, and Python's float floor division (which the exact
/// p-value's cut-off uses, as scipy does) against CPython's <c>//</c> in each of its rounding branches, bit for bit
/// (reference/s2_branches.json); the limiting CDF's stop rule at a term of exactly 1e-7.
/// </summary>
public class CramerVonMisesBranchTests
{
    public static TheoryData<int> ExactCases => S2Reference.Indices("cramervonmises_exact");

    public static TheoryData<int> FloorDivCases => S2Reference.Indices("python_floor_div");

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void GivenSmallSamplesOfUnequalSizes_ThenTAndTheExactPAreScipys(int index)
    {
        var c = S2Reference.Case("cramervonmises_exact", index);
        var r = CramerVonMises.TwoSample(S2Reference.Doubles(c, "x"), S2Reference.Doubles(c, "y"));
        Assert.Equal("exact", r.Method);
        S2Reference.Near(S2Reference.Number(c, "statistic"), r.Statistic, 1e-12, $"{S2Reference.Name(c)} T");
        // The exact p is a ratio of integer counts: equal to rounding.
        S2Reference.Near(S2Reference.Number(c, "pvalue"), r.PValue, 1e-12, $"{S2Reference.Name(c)} p");
    }

    [Theory]
    [MemberData(nameof(FloorDivCases))]
    public void GivenTwoDoubles_ThenTheFloorDivisionIsPythonsBitForBit(int index)
    {
        var c = S2Reference.Case("python_floor_div", index);
        var vx = S2Reference.Number(c, "vx");
        var wx = S2Reference.Number(c, "wx");
        var expected = S2Reference.Number(c, "floordiv");
        var actual = CramerVonMises.PythonFloorDiv(vx, wx);
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
            $"{vx:R} // {wx:R} ({c.GetProperty("branch").GetString()}): expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void GivenARepeatedTest_ThenTheRankBuffersComeBackToThePool()
    {
        // Rank buffers of 2,048 and 1,024 doubles are rented and returned: a repeated test allocates only the two sorted
        // copies and its result. Counted on this thread, not timed. The samples interleave evenly (T ≈ 1.8e-4, p = 1 without
        // the limiting series, which allocates in MathNet's Bessel function).
        var x = Enumerable.Range(0, 1500).Select(i => i * 1.0).ToArray();
        var y = Enumerable.Range(0, 700).Select(j => j * (1500 / 700.0) + 0.5).ToArray();
        Assert.Equal(1.0, CramerVonMises.TwoSample(x, y).PValue);
        CramerVonMises.TwoSample(x, y);
        var before = GC.GetAllocatedBytesForCurrentThread();
        CramerVonMises.TwoSample(x, y);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < (x.Length + y.Length) * sizeof(double) + 2_048, $"{allocated} bytes allocated");
    }

    [Theory]
    [InlineData(42.189768861105605, 0.999999995974229, 0.9999999766979981)] // the term k = 16 is 1e-7 exactly
    [InlineData(60.01855196249044, 0.9999999921643995, 0.9999999666421815)]  // the term k = 19 is 1e-7 exactly
    public void GivenASeriesTermOfExactly1EMinus7_ThenTheLimitingCdfAddsTheNextTermToo(double x, double expected, double stoppedThere)
    {
        // The rule is scipy's: add terms until one is below 1e-7. These two x (found by scanning the adjacent doubles around
        // each crossing of 1e-7 for k ≤ 40; the other 39 crossings step over it) give a term equal to 1e-7, which is not below
        // it, so the sum goes on; stopping there would give the third value. scipy 1.10.1's own term is 9.99999999999908e-08
        // here (its Bessel K differs in the 13th digit), so scipy stops one term earlier: at these two points the result is
        // decided by the last bits of the special functions, within the series' own truncation (terms < 1e-7 left out).
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(CramerVonMises.CdfLimit(x)));
        Assert.InRange(expected - stoppedThere, 1e-8, 1e-7);
    }
}

