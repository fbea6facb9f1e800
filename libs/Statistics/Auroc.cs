using MathNet.Numerics.Distributions;

namespace Monitoring.Statistics;

/// <summary>Area under the ROC curve with its DeLong variance.</summary>
/// <param name="Auc">Area under the ROC curve, the Mann–Whitney probability P(score⁺ &gt; score⁻) + ½·P(tie).</param>
/// <param name="Variance">DeLong's estimate of Var(AUC): S₁₀/m + S₀₁/n.</param>
/// <param name="Interval">Wald interval AUC ± z·√Variance clamped to [0, 1] (as R's pROC <c>ci.auc(method="delong")</c>).</param>
/// <param name="Positives">Number of positive cases m.</param>
/// <param name="Negatives">Number of negative cases n.</param>
public sealed record AurocResult(double Auc, double Variance, Estimate Interval, long Positives, long Negatives)
{
    /// <summary>Standard error √Variance.</summary>
    public double StandardError => Math.Sqrt(Variance);
}

/// <summary>Alternative hypothesis of <see cref="Auroc.CompareWithReference"/>.</summary>
public enum AurocAlternative
{
    /// <summary>H₁: the current AUROC is lower than the reference (degradation). One-sided p = Φ(z).</summary>
    CurrentLower,

    /// <summary>H₁: the AUROCs differ. Two-sided p = 2·(1 − Φ(|z|)).</summary>
    TwoSided,
}

/// <summary>AUROC with DeLong's variance, and comparison of a current AUROC against a reference one.</summary>
public static class Auroc
{
    /// <summary>
    /// AUROC and its DeLong variance by the fast midrank algorithm, O(N log N).
    /// With m positives X and n negatives Y, midranks T_Z over all N = m+n scores, T_X within X and T_Y within Y:
    /// AUC = (Σᵢ T_Z(Xᵢ) − m(m+1)/2)/(mn); structural components V₁₀(Xᵢ) = (T_Z(Xᵢ) − T_X(Xᵢ))/n,
    /// V₀₁(Yⱼ) = 1 − (T_Z(Yⱼ) − T_Y(Yⱼ))/m; S₁₀, S₀₁ their sample variances (denominator m−1, n−1);
    /// Var(AUC) = S₁₀/m + S₀₁/n. Ties count one half. The AUC equals <c>sklearn.metrics.roc_auc_score</c>.
    /// References: E. R. DeLong, D. M. DeLong, D. L. Clarke-Pearson (1988), Biometrics 44:837–845;
    /// X. Sun, W. Xu (2014), "Fast implementation of DeLong's algorithm…", IEEE Signal Processing Letters 21:1389–1393.
    /// </summary>
    /// <param name="scores">Model scores; higher means more likely positive.</param>
    /// <param name="labels">True labels, same length.</param>
    /// <param name="level">Confidence level of <see cref="AurocResult.Interval"/>.</param>
    /// <remarks>With a single positive (or negative) case, that class's variance component S₁₀ (or S₀₁) is taken as 0, as pROC does;
    /// all-tied scores give AUC = 0.5 with variance 0.</remarks>
    /// <exception cref="ArgumentException">Lengths differ, input is empty, a score is not finite, or only one class is present
    /// (AUROC is undefined).</exception>
    public static AurocResult DeLong(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double level = 0.95)
    {
        PerfGuard.SameLength(scores, labels);
        Guard.Finite(scores, nameof(scores));
        var z = Proportions.ZForLevel(level);
        var m = 0;
        foreach (var l in labels) if (l) m++;
        var n = scores.Length - m;
        if (m == 0 || n == 0)
        {
            throw new ArgumentException(
                $"AUROC is undefined with a single class: {m} positive and {n} negative case(s).", nameof(labels));
        }

        // Equivalent to the midrank formulation: V₁₀(Xᵢ) = (T_Z(Xᵢ) − T_X(Xᵢ))/n = (#{Y < Xᵢ} + ½#{Y = Xᵢ})/n and
        // V₀₁(Yⱼ) = (#{X > Yⱼ} + ½#{X = Yⱼ})/m, so two plain sorts (no index arrays) and merge sweeps suffice.
        var x = new double[m];
        var y = new double[n];
        for (int i = 0, a = 0, b = 0; i < scores.Length; i++)
        {
            if (labels[i]) x[a++] = scores[i]; else y[b++] = scores[i];
        }

        Array.Sort(x);
        Array.Sort(y);
        var auc = SweepPositives(x, y, 0, out _);
        SweepPositives(x, y, auc, out var s10);
        var meanV01 = SweepNegatives(x, y, 0, out _);
        SweepNegatives(x, y, meanV01, out var s01);
        s10 = m > 1 ? s10 / (m - 1) : 0;
        s01 = n > 1 ? s01 / (n - 1) : 0;
        var variance = s10 / m + s01 / n;
        var se = Math.Sqrt(variance);
        var interval = new Estimate(auc, Math.Max(0, auc - z * se), Math.Min(1, auc + z * se), level);
        return new AurocResult(auc, variance, interval, m, n);
    }

    /// <summary>Mean of V₁₀ over sorted positives x against sorted negatives y; <paramref name="squares"/> = Σ(V₁₀ − centre)².</summary>
    private static double SweepPositives(double[] x, double[] y, double centre, out double squares)
    {
        double sum = 0;
        squares = 0;
        var j = 0;
        var i = 0;
        while (i < x.Length)
        {
            var v = x[i];
            var end = i + 1;
            while (end < x.Length && x[end] == v) end++;
            while (j < y.Length && y[j] < v) j++;
            var eq = j;
            while (eq < y.Length && y[eq] == v) eq++;
            var psi = (j + 0.5 * (eq - j)) / y.Length;
            var count = end - i;
            sum += psi * count;
            squares += (psi - centre) * (psi - centre) * count;
            i = end;
        }

        return sum / x.Length;
    }

    /// <summary>Mean of V₀₁ over sorted negatives y against sorted positives x; <paramref name="squares"/> = Σ(V₀₁ − centre)².</summary>
    private static double SweepNegatives(double[] x, double[] y, double centre, out double squares)
    {
        double sum = 0;
        squares = 0;
        var i = 0;
        var j = 0;
        while (j < y.Length)
        {
            var v = y[j];
            var end = j + 1;
            while (end < y.Length && y[end] == v) end++;
            while (i < x.Length && x[i] < v) i++;
            var eq = i;
            while (eq < x.Length && x[eq] == v) eq++;
            var psi = (x.Length - eq + 0.5 * (eq - i)) / x.Length;
            var count = end - j;
            sum += psi * count;
            squares += (psi - centre) * (psi - centre) * count;
            j = end;
        }

        return sum / y.Length;
    }

    /// <summary>
    /// Compares a current AUROC with a reference AUROC measured on an independent sample (a different time window):
    /// z = (AUC_cur − AUC_ref)/√(Var_cur + Var_ref) with DeLong variances (DeLong et al. 1988; for unpaired ROC curves
    /// the covariance term is zero, Hanley &amp; McNeil 1983, Radiology 148:839–843; as pROC <c>roc.test(paired=FALSE, method="delong")</c>).
    /// <see cref="AurocAlternative.CurrentLower"/> (default): p = Φ(z), small when the current AUROC dropped;
    /// <see cref="AurocAlternative.TwoSided"/>: p = 2(1 − Φ(|z|)).
    /// When both variances are 0 (perfect or degenerate separation in both samples) the statistic is 0 with p = 1 if the AUCs are
    /// equal, otherwise ±∞ with the limiting p-value (0 or 1): explicit, never NaN.
    /// </summary>
    /// <param name="current">AUROC of the current window.</param>
    /// <param name="reference">AUROC of the reference window.</param>
    /// <param name="alternative">Alternative hypothesis.</param>
    public static TestResult CompareWithReference(AurocResult current, AurocResult reference, AurocAlternative alternative = AurocAlternative.CurrentLower)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(reference);
        var diff = current.Auc - reference.Auc;
        var se = Math.Sqrt(current.Variance + reference.Variance);
        double zStat;
        if (se > 0)
        {
            zStat = diff / se;
        }
        else
        {
            zStat = diff == 0 ? 0 : diff > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        }

        double p;
        string method;
        if (alternative == AurocAlternative.CurrentLower)
        {
            p = diff == 0 && se == 0 ? 1 : Normal.CDF(0, 1, zStat);
            method = "DeLong z, independent samples, one-sided (current < reference)";
        }
        else
        {
            p = diff == 0 && se == 0 ? 1 : 2 * Normal.CDF(0, 1, -Math.Abs(zStat));
            method = "DeLong z, independent samples, two-sided";
        }

        return new TestResult(zStat, Math.Clamp(p, 0, 1), method);
    }
}
