namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>The pre-sorted overload of the KS test gives exactly (bit for bit) what the unsorted one gives.</summary>
public sealed class SortedSampleTests
{
    public static TheoryData<int, int, KsMethod, bool> Cases => new()
    {
        { 50, 70, KsMethod.Auto, false },
        { 2000, 2000, KsMethod.Auto, false },
        { 2000, 1337, KsMethod.Auto, false },
        { 3000, 2500, KsMethod.Exact, false },
        { 12_000, 9000, KsMethod.Auto, false },
        { 800, 600, KsMethod.Asymptotic, true },
        { 5000, 4000, KsMethod.Auto, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivenAReferenceSortedOnce_WhenTestedAgainstNewSamples_ThenEveryResultIsBitIdenticalToTheUnsortedKernel(int n1, int n2, KsMethod method, bool ties)
    {
        var rng = new Random(n1 * 31 + n2);
        double Draw(double shift) => ties ? Math.Round(rng.NextDouble() * 20 + shift) : rng.NextDouble() * 3 + shift + (rng.NextDouble() < 0.01 ? -0.0 : 0);
        var reference = Enumerable.Range(0, n1).Select(_ => Draw(0)).ToArray();
        var sorted = SortedSample.Of(reference);
        Assert.Equal(n1, sorted.Count);
        foreach (var shift in new[] { 0.0, 0.05, 0.3 })
        {
            var current = Enumerable.Range(0, n2).Select(_ => Draw(shift)).ToArray();
            var expected = KolmogorovSmirnov.TwoSample(reference, current, method);
            var actual = KolmogorovSmirnov.TwoSample(sorted, current, method);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Statistic), BitConverter.DoubleToInt64Bits(actual.Statistic));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.PValue), BitConverter.DoubleToInt64Bits(actual.PValue));
            Assert.Equal(expected.Method, actual.Method);
        }
    }

    [Fact]
    public void GivenABadSample_WhenSortedOrTested_ThenItThrowsArgumentExceptionNamingTheInput()
    {
        Assert.Equal("values", Assert.ThrowsAny<ArgumentException>(() => SortedSample.Of([])).ParamName);
        Assert.Equal("values", Assert.ThrowsAny<ArgumentException>(() => SortedSample.Of([1.0, double.NaN])).ParamName);
        var sorted = SortedSample.Of([3.0, 1.0, 2.0]);
        Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => KolmogorovSmirnov.TwoSample(sorted, [1.0, double.PositiveInfinity])).ParamName);
        Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => KolmogorovSmirnov.TwoSample(sorted, ReadOnlySpan<double>.Empty)).ParamName);
    }
}
