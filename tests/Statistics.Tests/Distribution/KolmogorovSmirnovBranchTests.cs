namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// <see cref="KolmogorovSmirnov.TwoSample(ReadOnlySpan{double}, ReadOnlySpan{double}, KsMethod)"/> where it chooses between
/// the exact and the asymptotic p-value: the 10 000-value limit of <see cref="KsMethod.Auto"/>, the lcm limit of
/// <see cref="KsMethod.Exact"/>, an exact p that rounds above 1 or underflows to 0, and D = 0. Expected values from
/// scipy 1.10 <c>ks_2samp</c> (reference/kolmogorov_branches.py), including which method scipy used.
/// </summary>
public sealed class KolmogorovSmirnovBranchTests
{
    public static TheoryData<int> Cases => KolmogorovBranchTests.Indices("ks_2samp");

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoSample_MatchesScipyKs2samp_AndUsesTheSameMethod(int index)
    {
        var section = KolmogorovBranchTests.Section("ks_2samp");
        var c = section.GetProperty("cases")[index];
        var (x, y) = Samples(c);
        var method = Enum.Parse<KsMethod>(c.GetProperty("method").GetString()!);
        var what = $"{KolmogorovBranchTests.Why(c)} [{method}]";

        var r = KolmogorovSmirnov.TwoSample(x, y, method);

        Assert.Equal(c.GetProperty("used").GetString(), r.Method);
        Assert.Equal((x.Length, y.Length), (r.FirstSampleSize, r.SecondSampleSize));
        KolmogorovBranchTests.Near(c.GetProperty("statistic").GetDouble(), r.Statistic,
            section.GetProperty("tolerance_statistic").GetDouble(), what + " D");
        KolmogorovBranchTests.Near(c.GetProperty("pvalue").GetDouble(), r.PValue,
            section.GetProperty("tolerance_pvalue").GetDouble(), what + " p");
    }

    /// <summary>Explicit values, or x_i = i / n1 + xshift and y_j = j / n2 + yshift computed as numpy does.</summary>
    private static (double[] X, double[] Y) Samples(System.Text.Json.JsonElement c)
    {
        if (c.TryGetProperty("x", out _))
        {
            return (c.Doubles("x"), c.Doubles("y"));
        }

        static double[] Grid(int n, double shift)
        {
            var v = new double[n];
            for (var i = 0; i < n; i++)
            {
                v[i] = (double)i / n + shift;
            }

            return v;
        }

        return (Grid(c.GetProperty("n1").GetInt32(), c.GetProperty("xshift").GetDouble()),
                Grid(c.GetProperty("n2").GetInt32(), c.GetProperty("yshift").GetDouble()));
    }
}
