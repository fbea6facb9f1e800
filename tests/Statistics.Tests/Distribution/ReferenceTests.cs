using System.Text.Json;

namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>Every kernel against scipy 1.10 (or the numpy evaluation of the documented formula) on real data.</summary>
public sealed class ReferenceTests
{
    public static TheoryData<int> KsCases => DistributionReference.Indices("ks");
    public static TheoryData<int> KolmogorovCases => DistributionReference.Indices("kolmogorov_sf");
    public static TheoryData<int> CvmCases => DistributionReference.Indices("cramervonmises");
    public static TheoryData<int> MwuCases => DistributionReference.Indices("mannwhitneyu");
    public static TheoryData<int> DistanceCases => DistributionReference.Indices("distances");
    public static TheoryData<int> AdCases => DistributionReference.Indices("anderson_ksamp");
    public static TheoryData<int> DiscreteCases => DistributionReference.Indices("discrete");
    public static TheoryData<int> FisherCases => DistributionReference.Indices("fisher");
    public static TheoryData<int> PsiCases => DistributionReference.Indices("psi");
    public static TheoryData<int> PsiNumpyCases => DistributionReference.Indices("psi_numpy");
    public static TheoryData<int> MultipleTestingCases => DistributionReference.Indices("multipletesting");
    public static TheoryData<int> MmdCases => DistributionReference.Indices("mmd");

    [Theory]
    [MemberData(nameof(KsCases))]
    public void KolmogorovSmirnov_MatchesScipyKs2samp_ForEveryMethod(int index)
    {
        var c = DistributionReference.Case("ks", index);
        var x = c.Doubles("x");
        var y = c.Doubles("y");
        foreach (var result in c.GetProperty("results").EnumerateObject())
        {
            var method = result.Name switch
            {
                "auto" => KsMethod.Auto,
                "exact" => KsMethod.Exact,
                _ => KsMethod.Asymptotic,
            };
            var r = KolmogorovSmirnov.TwoSample(x, y, method);
            Assert.Equal((x.Length, y.Length), (r.FirstSampleSize, r.SecondSampleSize));
            Assert.Null(r.DegreesOfFreedom);
            Close.Assert(result.Value.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} [{result.Name}] D");
            Close.Assert(result.Value.Number("pvalue"), r.PValue, Close.PValue, $"{c.Name()} [{result.Name}] p");
        }
    }

    [Theory]
    [MemberData(nameof(KolmogorovCases))]
    public void KolmogorovDistribution_MatchesScipyKolmogn_InEveryBranch(int index)
    {
        var c = DistributionReference.Case("kolmogorov_sf", index);
        var n = c.GetProperty("n").GetInt64();
        var d = c.Number("d");
        Close.Assert(c.Number("sf"), DistributionKolmogorov.KolmogornSf(n, d), Close.PValue, $"kstwo.sf(d={d:R}, n={n})");
    }

    [Theory]
    [MemberData(nameof(CvmCases))]
    public void CramerVonMises_MatchesScipyCramervonmises2samp(int index)
    {
        var c = DistributionReference.Case("cramervonmises", index);
        var r = CramerVonMises.TwoSample(c.Doubles("x"), c.Doubles("y"));
        Assert.Equal((c.Doubles("x").Length, c.Doubles("y").Length), (r.FirstSampleSize, r.SecondSampleSize));
        Close.Assert(c.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} T");
        // The asymptotic p is 1 − F∞(Tₙ): both implementations lose everything below a few ulps of 1 (≈1e-16),
        // so tiny p-values are compared with an absolute allowance of 1e-14 on top of the relative 1e-6.
        var expectedP = c.Number("pvalue");
        Assert.True(Math.Abs(r.PValue - expectedP) <= Close.PValue * expectedP + 1e-14, $"{c.Name()} p: expected {expectedP:R}, got {r.PValue:R}");
        Assert.Equal(c.GetProperty("method").GetString(), r.Method);
    }

    [Theory]
    [MemberData(nameof(MwuCases))]
    public void MannWhitney_MatchesScipyMannwhitneyu(int index)
    {
        var c = DistributionReference.Case("mannwhitneyu", index);
        var r = MannWhitney.U(c.Doubles("x"), c.Doubles("y"));
        Assert.Equal((c.Doubles("x").Length, c.Doubles("y").Length), (r.FirstSampleSize, r.SecondSampleSize));
        Close.Assert(c.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} U");
        Close.Assert(c.Number("pvalue"), r.PValue, Close.PValue, $"{c.Name()} p ({r.Method})");
    }

    [Theory]
    [MemberData(nameof(DistanceCases))]
    public void WassersteinAndEnergy_MatchScipy(int index)
    {
        var c = DistributionReference.Case("distances", index);
        var x = c.Doubles("x");
        var y = c.Doubles("y");
        Close.Assert(c.Number("wasserstein"), Distances.Wasserstein1(x, y), Close.Statistic, $"{c.Name()} W1");
        Close.Assert(c.Number("energy"), Distances.Energy(x, y), Close.Statistic, $"{c.Name()} energy");
    }

    [Theory]
    [MemberData(nameof(AdCases))]
    public void AndersonDarling_MatchesScipyAndersonKsamp_IncludingCapAndFloor(int index)
    {
        var c = DistributionReference.Case("anderson_ksamp", index);
        var samples = c.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList();
        var r = AndersonDarling.KSample(samples);
        Close.Assert(c.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} T");
        Close.Assert(c.Number("pvalue"), r.PValue, Close.PValue, $"{c.Name()} p");
        var warning = c.GetProperty("warning").GetString() ?? "";
        var expectedMethod = warning.Contains("capped") ? "capped at 0.25" : warning.Contains("floored") ? "floored at 0.001" : "interpolated";
        Assert.Equal(expectedMethod, r.Method);
    }

    [Theory]
    [MemberData(nameof(DiscreteCases))]
    public void DiscreteDistancesAndHomogeneityTests_MatchScipy(int index)
    {
        var c = DistributionReference.Case("discrete", index);
        var p = c.Longs("p");
        var q = c.Longs("q");
        var pd = p.Select(v => (double)v).ToArray();
        var qd = q.Select(v => (double)v).ToArray();
        Close.Assert(c.Number("jensenshannon"), Distances.JensenShannon(pd, qd), Close.Statistic, $"{c.Name()} JS");
        Close.Assert(c.Number("jensenshannon_base2"), Distances.JensenShannon(pd, qd, logBase: 2), Close.Statistic, $"{c.Name()} JS base 2");
        Close.Assert(c.Number("hellinger"), Distances.Hellinger(pd, qd), Close.Statistic, $"{c.Name()} Hellinger");
        Close.Assert(c.Number("totalvariation"), Distances.TotalVariation(pd, qd), Close.Statistic, $"{c.Name()} TV");
        var chi = Categorical.ChiSquaredHomogeneity(p, q);
        Close.Assert(c.Number("chi2"), chi.Statistic, Close.Statistic, $"{c.Name()} X2");
        Close.Assert(c.Number("chi2_pvalue"), chi.PValue, Close.PValue, $"{c.Name()} X2 p");
        Assert.Equal(c.GetProperty("dof").GetInt32(), chi.DegreesOfFreedom);
        Assert.Equal(p.Sum(), chi.FirstSampleSize);
        Assert.Equal(q.Sum(), chi.SecondSampleSize);
        var g = Categorical.GTest(p, q);
        Close.Assert(c.Number("g"), g.Statistic, Close.Statistic, $"{c.Name()} G");
        Close.Assert(c.Number("g_pvalue"), g.PValue, Close.PValue, $"{c.Name()} G p");
        Assert.Equal(c.GetProperty("dof").GetInt32(), g.DegreesOfFreedom);
    }

    [Theory]
    [MemberData(nameof(FisherCases))]
    public void FisherExact_MatchesScipyFisherExact(int index)
    {
        var c = DistributionReference.Case("fisher", index);
        var t = c.Longs("table");
        var r = Categorical.FisherExact(t[0], t[1], t[2], t[3]);
        Close.Assert(c.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} odds ratio");
        Close.Assert(c.Number("pvalue"), r.PValue, Close.PValue, $"{c.Name()} p");
    }

    [Theory]
    [MemberData(nameof(PsiNumpyCases))]
    public void PopulationStability_WithNumpyBinning_MatchesNumpyHistogram(int index)
    {
        var c = DistributionReference.Case("psi_numpy", index);
        var bins = c.GetProperty("bins").GetInt32();
        var r = PopulationStability.Index(c.Doubles("reference"), c.Doubles("current"), bins, binning: PsiBinning.NumpyHistogram);
        Close.Assert(c.Number("value"), r.Value, Close.Statistic, $"{c.Name()} PSI (numpy binning)");
        Assert.Equal(c.Doubles("edges"), r.Edges);
        // The default stays right-closed (a value on an edge in the lower bin).
        var d = PopulationStability.Index(c.Doubles("reference"), c.Doubles("current"), bins);
        Close.Assert(c.Number("right_closed_value"), d.Value, Close.Statistic, $"{c.Name()} PSI (default binning)");
    }

    [Theory]
    [MemberData(nameof(PsiCases))]
    public void PopulationStability_MatchesNumpyDefinition(int index)
    {
        var c = DistributionReference.Case("psi", index);
        var r = PopulationStability.Index(c.Doubles("reference"), c.Doubles("current"), c.GetProperty("bins").GetInt32());
        Close.Assert(c.Number("value"), r.Value, Close.Statistic, $"{c.Name()} PSI");
        var edges = c.Doubles("edges");
        Assert.Equal(edges.Length, r.Edges.Length);
        for (var i = 0; i < edges.Length; i++)
        {
            Assert.Equal(edges[i], r.Edges[i]);
        }
    }

    [Theory]
    [MemberData(nameof(MultipleTestingCases))]
    public void MultipleTesting_MatchesStatsmodelsSemantics(int index)
    {
        var c = DistributionReference.Case("multipletesting", index);
        var p = c.Doubles("p");
        AssertAll(c.Doubles("bonferroni"), MultipleTesting.Bonferroni(p), $"{c.Name()} bonferroni");
        AssertAll(c.Doubles("holm"), MultipleTesting.Holm(p), $"{c.Name()} holm");
        AssertAll(c.Doubles("bh"), MultipleTesting.BenjaminiHochberg(p), $"{c.Name()} BH");
    }

    [Theory]
    [MemberData(nameof(MmdCases))]
    public void MaximumMeanDiscrepancy_MatchesNumpyStatisticAndPermutations(int index)
    {
        var c = DistributionReference.Case("mmd", index);
        var x = Vectors(c.GetProperty("x"));
        var y = Vectors(c.GetProperty("y"));
        var r = MaximumMeanDiscrepancy.Test(x, y, c.GetProperty("permutations").GetInt32(), c.GetProperty("seed").GetInt32(), c.GetProperty("cap").GetInt32());
        Assert.Equal(c.GetProperty("m").GetInt32(), r.SizeX);
        Assert.Equal(c.GetProperty("n").GetInt32(), r.SizeY);
        Close.Assert(c.Number("bandwidth"), r.Bandwidth, Close.Statistic, $"{c.Name()} sigma");
        Close.Assert(c.Number("statistic"), r.Statistic, Close.Statistic, $"{c.Name()} MMD2");
        Close.Assert(c.Number("pvalue"), r.PValue, Close.PValue, $"{c.Name()} p");
    }

    private static List<float[]> Vectors(JsonElement rows)
        => rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToList();

    private static void AssertAll(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Close.Assert(expected[i], actual[i], Close.Statistic, $"{what}[{i}]");
        }
    }
}
