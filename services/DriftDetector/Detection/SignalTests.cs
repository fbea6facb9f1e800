using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection;

/// <summary>Outcome of one two-sample comparison: statistic, p-value (null for distances without one) and effect size.</summary>
internal readonly record struct Comparison(double Statistic, double? PValue, double Effect);

/// <summary>
/// Default methods by signal type (documented in docs/drift-detector.md): numeric → Kolmogorov–Smirnov (scipy's exact/asymptotic
/// rule), effect = D; categorical → chi-squared homogeneity after pooling categories with fewer than 5 observations in both samples
/// into "(other)", effect = total variation distance; 2×2 with an expected cell below 5 → Fisher's exact test.
/// </summary>
internal static class SignalTests
{
    public const string Other = "(other)";

    /// <summary>Compares two samples; <paramref name="sortedReference"/> (the same values as <paramref name="reference"/>, sorted
    /// once) saves the KS-based methods a sort and gives bit-identical results.</summary>
    public static Comparison Numeric(string method, List<double> reference, List<double> current, SortedSample? sortedReference = null)
    {
        var r = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(reference);
        var c = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(current);
        switch (method)
        {
            case "cvm":
            {
                var t = CramerVonMises.TwoSample(r, c);
                // Only KS's D is used here (the effect size): its p-value is not computed.
                var ks = sortedReference is null
                    ? KolmogorovSmirnov.TwoSample(r, c, KsMethod.Asymptotic)
                    : KolmogorovSmirnov.TwoSample(sortedReference, c, KsMethod.Asymptotic);
                return new Comparison(t.Statistic, t.PValue, ks.Statistic);
            }
            case "mann-whitney":
            {
                var t = MannWhitney.U(r, c);
                return new Comparison(t.Statistic, t.PValue, Math.Abs(1 - 2 * t.Statistic / ((double)r.Length * c.Length)));
            }
            case "psi":
            {
                var psi = PopulationStability.Index(r, c).Value;
                return new Comparison(psi, null, psi);
            }
            case "wasserstein":
            {
                var w = Distances.Wasserstein1(r, c);
                var sd = StandardDeviation(r);
                return new Comparison(w, null, sd > 0 ? w / sd : w);
            }
            default:
            {
                var ks = KsMethodFor(r.Length, c.Length);
                var t = sortedReference is null ? KolmogorovSmirnov.TwoSample(r, c, ks) : KolmogorovSmirnov.TwoSample(sortedReference, c, ks);
                return new Comparison(t.Statistic, t.PValue, t.Statistic);
            }
        }
    }

    /// <summary>Sample-size product above which the KS p-value is asymptotic rather than exact (see <see cref="KsMethodFor"/>).</summary>
    public const long ExactKsMaxCells = 1_000_000;

    /// <summary>
    /// scipy's automatic rule (exact up to 10,000 values per sample), except that above <see cref="ExactKsMaxCells"/> = n₁·n₂ the
    /// asymptotic distribution is used: the exact one costs O(n₁·n₂) per test (25 million lattice steps for two samples of 5,000),
    /// and a window close of the example policy runs ~550 of them, which made it the detector's largest cost (17 % of its CPU
    /// under 5,000 events/s, perf) and held every other deployment's findings up to a second. At these sizes the asymptotic
    /// p-value is 0.95–1.12 times the exact one where exact p is between 1e-9 and 1e-3 (80 tests on scikit-learn's breast-cancer
    /// features, scipy 1.10: <c>bench/DriftDetector.Benchmarks/ks_method_check.py</c>), far inside the sampling error of any
    /// p-value near alpha.
    /// </summary>
    public static KsMethod KsMethodFor(int referenceSize, int currentSize) =>
        (long)referenceSize * currentSize > ExactKsMaxCells ? KsMethod.Asymptotic : KsMethod.Auto;

    public static Comparison Categorical(string method, IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (r, c) = Align(reference, current);
        if (r.Length < 2)
        {
            return new Comparison(0, 1, 0);
        }

        var tv = TotalVariation(r, c);
        if (r.Length == 2 && MinExpected(r, c) < 5)
        {
            var f = Statistics.Categorical.FisherExact(r[0], r[1], c[0], c[1]);
            return new Comparison(f.Statistic, f.PValue, tv);
        }

        return method switch
        {
            "g-test" => Result(Statistics.Categorical.GTest(r, c), tv),
            "tv" => new Comparison(tv, null, tv),
            _ => Result(Statistics.Categorical.ChiSquaredHomogeneity(r, c), tv),
        };
    }

    /// <summary>Aligns two count tables on the ordinally sorted union of categories, pooling rare ones.</summary>
    public static (long[] Reference, long[] Current) Align(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var keys = reference.Keys.Union(current.Keys).Order(StringComparer.Ordinal).ToList();
        var r = new List<long>();
        var c = new List<long>();
        long otherR = 0, otherC = 0;
        foreach (var k in keys)
        {
            var a = reference.GetValueOrDefault(k);
            var b = current.GetValueOrDefault(k);
            if (a + b == 0)
            {
                continue;
            }

            if (a + b < 5)
            {
                otherR += a;
                otherC += b;
                continue;
            }

            r.Add(a);
            c.Add(b);
        }

        if (otherR + otherC > 0)
        {
            r.Add(otherR);
            c.Add(otherC);
        }

        return (r.ToArray(), c.ToArray());
    }

    private static Comparison Result(TestResult t, double effect) => new(t.Statistic, t.PValue, effect);

    private static double TotalVariation(long[] r, long[] c)
    {
        double sr = r.Sum(), sc = c.Sum(), tv = 0;
        for (var i = 0; i < r.Length; i++)
        {
            tv += Math.Abs(r[i] / sr - c[i] / sc);
        }

        return tv / 2;
    }

    private static double MinExpected(long[] r, long[] c)
    {
        double n = r.Sum() + c.Sum(), min = double.MaxValue;
        for (var i = 0; i < r.Length; i++)
        {
            var col = r[i] + c[i];
            min = Math.Min(min, Math.Min(col * r.Sum() / n, col * c.Sum() / n));
        }

        return min;
    }

    public static double StandardDeviation(ReadOnlySpan<double> x)
    {
        if (x.Length < 2) return 0;
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double ss = 0;
        foreach (var v in x) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / (x.Length - 1));
    }

    /// <summary>Adjusts a family of p-values by the policy's correction.</summary>
    public static double[] Adjust(string correction, double[] p) => p.Length == 0 ? p : correction switch
    {
        "bonferroni" => MultipleTesting.Bonferroni(p),
        "benjamini-hochberg" => MultipleTesting.BenjaminiHochberg(p),
        "none" => p,
        _ => MultipleTesting.Holm(p),
    };

    /// <summary>One-sided two-proportion z-test of H0: current ≥ reference against current &lt; reference (pooled variance).</summary>
    public static double OneSidedLowerP(long xCur, long nCur, long xRef, long nRef)
    {
        var pc = (double)xCur / nCur;
        var pr = (double)xRef / nRef;
        var pooled = (double)(xCur + xRef) / (nCur + nRef);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / nCur + 1.0 / nRef));
        if (se == 0)
        {
            return pc < pr ? 0 : 1;
        }

        return MathNet.Numerics.Distributions.Normal.CDF(0, 1, (pc - pr) / se);
    }
}
