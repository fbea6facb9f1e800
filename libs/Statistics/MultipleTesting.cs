namespace Monitoring.Statistics;

/// <summary>Multiple-testing adjustments of p-values (statsmodels <c>multipletests</c> semantics).</summary>
public static class MultipleTesting
{
    /// <summary>Bonferroni adjustment: p̃_i = min(1, m·p_i).</summary>
    /// <remarks>Controls the family-wise error rate under any dependence. Reference: Dunn, O.J. (1961) JASA 56, 52–64;
    /// statsmodels <c>multipletests(method="bonferroni")</c>, R <c>p.adjust(method="bonferroni")</c>.</remarks>
    /// <param name="p">Raw p-values in [0, 1] (non-empty).</param>
    /// <returns>Adjusted p-values in the input order.</returns>
    /// <exception cref="ArgumentException">Empty input or a value outside [0, 1] (including NaN).</exception>
    public static double[] Bonferroni(ReadOnlySpan<double> p)
    {
        Check(p);
        var m = p.Length;
        var result = new double[m];
        for (var i = 0; i < m; i++)
        {
            result[i] = Math.Min(1.0, p[i] * m);
        }

        return result;
    }

    /// <summary>Holm step-down adjustment: p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)) over the ascending order.</summary>
    /// <remarks>Controls the family-wise error rate, uniformly more powerful than Bonferroni. Reference: Holm, S. (1979)
    /// Scand. J. Stat. 6(2), 65–70; statsmodels <c>multipletests(method="holm")</c>.</remarks>
    /// <param name="p">Raw p-values in [0, 1] (non-empty).</param>
    /// <returns>Adjusted p-values in the input order.</returns>
    /// <exception cref="ArgumentException">Empty input or a value outside [0, 1] (including NaN).</exception>
    public static double[] Holm(ReadOnlySpan<double> p)
    {
        Check(p);
        var m = p.Length;
        var order = Order(p);
        var result = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            running = Math.Max(running, p[i] * (m - rank));
            result[i] = Math.Min(1.0, running);
        }

        return result;
    }

    /// <summary>Benjamini–Hochberg step-up adjustment: p̃_(i) = min_{j ≥ i} min(1, m·p_(j)/j) over the ascending order.</summary>
    /// <remarks>Controls the false discovery rate for independent or positively dependent tests. Reference: Benjamini, Y.,
    /// Hochberg, Y. (1995) JRSS B 57(1), 289–300; statsmodels <c>multipletests(method="fdr_bh")</c>, R <c>p.adjust(method="BH")</c>.</remarks>
    /// <param name="p">Raw p-values in [0, 1] (non-empty).</param>
    /// <returns>Adjusted p-values in the input order.</returns>
    /// <exception cref="ArgumentException">Empty input or a value outside [0, 1] (including NaN).</exception>
    public static double[] BenjaminiHochberg(ReadOnlySpan<double> p)
    {
        Check(p);
        var m = p.Length;
        var order = Order(p);
        var result = new double[m];
        var running = double.PositiveInfinity;
        for (var rank = m - 1; rank >= 0; rank--)
        {
            var i = order[rank];
            running = Math.Min(running, p[i] / ((rank + 1) / (double)m));
            result[i] = Math.Min(1.0, running);
        }

        return result;
    }

    private static int[] Order(ReadOnlySpan<double> p)
    {
        var keys = p.ToArray();
        var order = new int[p.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Ties may come out in any order: the running max (Holm) / min (BH) gives tied p-values the same
        // adjusted value whichever of them comes first, so no stable sort is needed.
        Array.Sort(keys, order);
        return order;
    }

    private static void Check(ReadOnlySpan<double> p)
    {
        if (p.IsEmpty)
        {
            throw new ArgumentException($"'{nameof(p)}' needs at least one p-value.", nameof(p));
        }

        for (var i = 0; i < p.Length; i++)
        {
            var v = p[i];
            if (!(v >= 0 && v <= 1))
            {
                // Format the argument name only on failure: the check runs per element on large inputs.
                Guard.Probability(v, $"{nameof(p)}[{i}]");
            }
        }
    }
}
