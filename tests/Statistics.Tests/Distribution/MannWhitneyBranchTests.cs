using System.Globalization;
using System.Text.Json;

namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// The exact small-sample branch of Mann–Whitney U against <c>scipy.stats.mannwhitneyu</c> (reference/s2_branches.json):
/// unequal sizes in both orders, a complete separation (U = mn), one size above 8, and no ties, where the exact null
/// distribution is summed from the q-binomial coefficients; a tied small sample takes the normal approximation.
/// </summary>
public class MannWhitneyBranchTests
{
    public static TheoryData<int> ExactCases => S2Reference.Indices("mannwhitney_exact");

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void GivenSmallSamples_WhenTestedForAShift_ThenUAndTheExactPAreScipys(int index)
    {
        var c = S2Reference.Case("mannwhitney_exact", index);
        var r = MannWhitney.U(S2Reference.Doubles(c, "x"), S2Reference.Doubles(c, "y"));
        // The exact p is a ratio of integers: only rounding separates the two implementations (1e-12 relative).
        S2Reference.Near(S2Reference.Number(c, "statistic"), r.Statistic, 1e-12, $"{S2Reference.Name(c)} U");
        S2Reference.Near(S2Reference.Number(c, "pvalue"), r.PValue, 1e-12, $"{S2Reference.Name(c)} p");
        Assert.Equal(c.GetProperty("method").GetString(), r.Method);
        Assert.Equal((S2Reference.Doubles(c, "x").Length, S2Reference.Doubles(c, "y").Length), (r.FirstSampleSize, r.SecondSampleSize));
    }

    [Fact]
    public void GivenANaNStandardScore_ThenTheNormalTailIsOneHalf() =>
        // σ = 0 (every value tied) gives 0/0: no evidence either way, not a NaN p-value.
        Assert.Equal(0.5, MannWhitney.NormalSf(double.NaN));

    [Fact]
    public void GivenARepeatedTest_ThenTheRankBuffersComeBackToThePool()
    {
        // The rank buffers are rented (2,048 and 512 doubles here) and returned: a repeated test allocates only the two
        // sorted copies and its result, never new rank buffers. Counted on this thread, not timed.
        var x = Enumerable.Range(0, 1500).Select(i => i * 1.5).ToArray();
        var y = Enumerable.Range(0, 300).Select(i => i * 2.25 + 0.1).ToArray();
        MannWhitney.U(x, y);
        MannWhitney.U(x, y);
        var before = GC.GetAllocatedBytesForCurrentThread();
        MannWhitney.U(x, y);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < (x.Length + y.Length) * sizeof(double) + 2_048, $"{allocated} bytes allocated");
    }
}

/// <summary>Reference values written by reference/s2_branches.py (scipy 1.10), loaded once; the tests need no Python.</summary>
internal static class S2Reference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "reference", "s2_branches.json"))));

    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    public static JsonElement Case(string section, int index) => Section(section)[index];

    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Section(section).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    /// <summary>A number written by Python: a JSON number, or a string from <c>repr</c> (signed zero, "inf", "Infinity").</summary>
    public static double Number(JsonElement e, string property)
    {
        var v = e.GetProperty(property);
        if (v.ValueKind != JsonValueKind.String)
        {
            return v.GetDouble();
        }

        return v.GetString() switch
        {
            "inf" or "Infinity" => double.PositiveInfinity,
            "-inf" or "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    public static double[] Doubles(JsonElement e, string property) =>
        e.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static string Name(JsonElement e) => e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";

    public static void Near(double expected, double actual, double relative, string what) =>
        Assert.True(expected == actual || Math.Abs(actual - expected) <= relative * Math.Abs(expected),
            $"{what}: expected {expected:R}, got {actual:R}");
}
