using System.Reflection;
using System.Text.Json;

namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// The Kolmogorov–Smirnov distributions branch by branch, on inputs that sit exactly on each threshold where the code
/// switches algorithm (found in IEEE double arithmetic by reference/kolmogorov_branches.py) and inside each regime,
/// against scipy 1.10 (<c>kolmogn</c>, its private Durbin / Pomeranz / Pelz–Good functions) and a 30-digit mpmath
/// Birnbaum–Tingey sum. The tolerance of each section is stored with its values; they are far tighter than
/// <see cref="ReferenceTests"/>' 1e-6, so a constant, a bound or a switch-over point that moves is seen.
/// </summary>
public sealed class KolmogorovBranchTests
{
    public static TheoryData<int> SmirnovCases => Indices("smirnov");
    public static TheoryData<int> SfCases => Indices("kolmogorov_sf");
    public static TheoryData<int> DurbinCases => Indices("durbin");
    public static TheoryData<int> PomeranzCases => Indices("pomeranz");
    public static TheoryData<int> PelzGoodCases => Indices("pelzgood");

    [Theory]
    [MemberData(nameof(SmirnovCases))]
    public void Smirnov_MatchesTheExactBirnbaumTingeySum(int index)
    {
        var (c, tolerance) = Case("smirnov", index);
        var n = c.GetProperty("n").GetInt64();
        var d = c.GetProperty("d").GetDouble();
        Near(c.GetProperty("sf").GetDouble(), DistributionKolmogorov.Smirnov(n, d), tolerance, $"smirnov({n}, {d:R}): {Why(c)}");
    }

    [Theory]
    [MemberData(nameof(SfCases))]
    public void KolmogornSf_MatchesScipyKolmogn_OnEveryBranchBoundary(int index)
    {
        var (c, tolerance) = Case("kolmogorov_sf", index);
        var n = c.GetProperty("n").GetInt64();
        var x = c.GetProperty("x").GetDouble();
        Near(c.GetProperty("sf").GetDouble(), DistributionKolmogorov.KolmogornSf(n, x), tolerance, $"kstwo.sf({x:R}, {n}): {Why(c)}");
    }

    [Fact]
    public void Smirnov_IsAProbability_WhereRoundingPushesItsSumAboveOne()
    {
        // For d -> 0 the sum d * sum(terms) is 1 - O(d), and its rounding lands up to 2.2e-14 above 1 (n = 2, d = 1e-200):
        // the result is clipped to [0, 1], like scipy's.
        foreach (var n in new long[] { 2, 3, 5, 17, 140 })
        {
            foreach (var d in new[] { 1e-200, 1e-100, 1e-20, 1e-17 })
            {
                Assert.InRange(DistributionKolmogorov.Smirnov(n, d), 1 - 1e-12, 1.0);
            }
        }
    }

    [Theory]
    [MemberData(nameof(DurbinCases))]
    public void Durbin_MatchesScipyDmtw(int index) => Private("durbin", index, "Durbin", "d");

    [Theory]
    [MemberData(nameof(PomeranzCases))]
    public void Pomeranz_MatchesScipyPomeranz(int index) => Private("pomeranz", index, "Pomeranz", "x");

    [Theory]
    [MemberData(nameof(PelzGoodCases))]
    public void PelzGood_MatchesScipyPelzGood(int index) => Private("pelzgood", index, "PelzGood", "x");

    /// <summary>
    /// The three CDF algorithms are private (reached only through <see cref="DistributionKolmogorov.KolmogornSf"/>'s
    /// regime choice); they are called by reflection so that their own guards and their behaviour outside the regime
    /// the caller gives them (k = 1 matrices, n = 1000 Pomeranz, z = 3 Pelz–Good) are pinned as well.
    /// </summary>
    private static void Private(string section, int index, string method, string argument)
    {
        var (c, tolerance) = Case(section, index);
        var n = c.GetProperty("n").GetInt64();
        var x = c.GetProperty(argument).GetDouble();
        var info = typeof(DistributionKolmogorov).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException($"DistributionKolmogorov.{method} not found");
        var nArg = info.GetParameters()[0].ParameterType == typeof(int) ? (object)(int)n : n;
        double actual;
        try
        {
            actual = (double)info.Invoke(null, [nArg, x])!;
        }
        catch (TargetInvocationException e)
        {
            throw new Xunit.Sdk.XunitException($"{method}({n}, {x:R}) threw {e.InnerException}");
        }

        Near(c.GetProperty("cdf").GetDouble(), actual, tolerance, $"{method}({n}, {x:R}): {Why(c)}");
    }

    internal static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Section(section).GetProperty("cases").GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    internal static (JsonElement Case, double Tolerance) Case(string section, int index)
    {
        // A case's own tolerance overrides its section's.
        var s = Section(section);
        var c = s.GetProperty("cases")[index];
        var t = c.TryGetProperty("tolerance", out var own) ? own : s.GetProperty("tolerance");
        return (c, t.GetDouble());
    }

    internal static JsonElement Section(string name) => Reference.Value.RootElement.GetProperty(name);

    internal static string Why(JsonElement c) => c.GetProperty("why").GetString() ?? "";

    /// <summary>
    /// Relative tolerance (with a 1e-300 floor); an expected 0 or 1 (a guard's answer: "impossible", "certain") must come
    /// out exactly.
    /// </summary>
    internal static void Near(double expected, double actual, double relative, string what)
    {
        var ok = expected == actual
            || (expected != 0 && expected != 1 && double.IsFinite(actual) && Math.Abs(actual - expected) <= relative * Math.Abs(expected) + 1e-300);
        Assert.True(ok, $"{what}: expected {expected:R}, got {actual:R} (relative tolerance {relative:R})");
    }

    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "reference", "kolmogorov_branches.json"))));
}
