namespace Monitoring.Statistics;

/// <summary>Probability scoring rules and calibration error for binary predictions.</summary>
public static class Calibration
{
    /// <summary>
    /// Default clipping of <see cref="LogLoss"/>: machine epsilon of double, 2.220446049250313e-16, which is
    /// scikit-learn 1.2's <c>log_loss(eps="auto")</c> for float64 input.
    /// </summary>
    public const double DefaultLogLossEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Brier score (1/N)·Σ(pᵢ − yᵢ)², yᵢ ∈ {0, 1}. Equals <c>sklearn.metrics.brier_score_loss</c>.
    /// Reference: G. W. Brier (1950), "Verification of forecasts expressed in terms of probability", Monthly Weather Review 78:1–3.
    /// </summary>
    /// <param name="probabilities">Predicted probabilities of the positive class, in [0, 1].</param>
    /// <param name="labels">True labels.</param>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or a probability is outside [0, 1] or not finite.</exception>
    public static double Brier(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        PerfGuard.SameLength(probabilities, labels);
        PerfGuard.Probabilities(probabilities, nameof(probabilities));
        double sum = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var d = probabilities[i] - (labels[i] ? 1.0 : 0.0);
            sum += d * d;
        }

        return sum / probabilities.Length;
    }

    /// <summary>
    /// Log loss (binary cross-entropy) −(1/N)·Σ[yᵢ ln p̃ᵢ + (1 − yᵢ) ln(1 − p̃ᵢ)], where, as scikit-learn 1.2's <c>log_loss</c>,
    /// the pair (1 − pᵢ, pᵢ) is clipped to [ε, 1 − ε] and renormalised to sum to one before taking logarithms.
    /// Reference: scikit-learn <c>sklearn.metrics.log_loss</c>; C. M. Bishop (2006), Pattern Recognition and Machine Learning, §4.3.2.
    /// </summary>
    /// <param name="probabilities">Predicted probabilities of the positive class, in [0, 1].</param>
    /// <param name="labels">True labels.</param>
    /// <param name="epsilon">Clipping ε in (0, 0.5); default <see cref="DefaultLogLossEpsilon"/>.</param>
    public static double LogLoss(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels, double epsilon = DefaultLogLossEpsilon)
    {
        PerfGuard.SameLength(probabilities, labels);
        PerfGuard.Probabilities(probabilities, nameof(probabilities));
        if (!(epsilon > 0 && epsilon < 0.5))
        {
            throw new ArgumentException($"'epsilon' is {epsilon}; it must lie in (0, 0.5).", nameof(epsilon));
        }

        var hi = 1 - epsilon;
        double sum = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p1 = Math.Clamp(probabilities[i], epsilon, hi);
            var p0 = Math.Clamp(1 - probabilities[i], epsilon, hi);
            var norm = p0 + p1;
            sum += Math.Log((labels[i] ? p1 : p0) / norm);
        }

        return -sum / probabilities.Length;
    }

    /// <summary>
    /// Expected calibration error with B equal-width bins: ECE = Σ_b (n_b/N)·|ȳ_b − p̄_b|, where ȳ_b is the fraction of
    /// positives and p̄_b the mean predicted probability in bin b; empty bins contribute nothing. Bin edges are k/B and a
    /// probability p falls in the bin whose interior edges are ≤ p, so p = 1 is in the last bin. scikit-learn 1.2's
    /// <c>calibration_curve(strategy="uniform")</c> bins the same way except at an interior edge exactly, which it puts in the
    /// lower bin (<c>np.searchsorted</c>'s default side): the two agree unless a probability is exactly k/B. Reference: M. P. Naeini, G. Cooper, M. Hauskrecht (2015), "Obtaining well calibrated
    /// probabilities using Bayesian binning", AAAI; C. Guo et al. (2017), "On calibration of modern neural networks", ICML.
    /// </summary>
    /// <param name="probabilities">Predicted probabilities, in [0, 1].</param>
    /// <param name="labels">True labels.</param>
    /// <param name="bins">Number of equal-width bins, at least 1.</param>
    public static double ExpectedCalibrationError(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels, int bins = 10)
    {
        PerfGuard.SameLength(probabilities, labels);
        PerfGuard.Probabilities(probabilities, nameof(probabilities));
        if (bins < 1)
        {
            throw new ArgumentException($"'bins' is {bins}; it must be at least 1.", nameof(bins));
        }

        var count = new long[bins];
        var sumP = new double[bins];
        var sumY = new double[bins];
        var step = 1.0 / bins;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = probabilities[i];
            var b = Bin(p, bins, step);
            count[b]++;
            sumP[b] += p;
            if (labels[i]) sumY[b] += 1;
        }

        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                ece += Math.Abs(sumY[b] - sumP[b]) / probabilities.Length;
            }
        }

        return ece;
    }

    /// <summary>Index of the equal-width bin of p: the number of interior edges k·step (k = 1..B−1) that are ≤ p.</summary>
    private static int Bin(double p, int bins, double step)
    {
        var b = (int)(p * bins);
        if (b > bins - 1) b = bins - 1;
        while (b < bins - 1 && p >= (b + 1) * step) b++;
        while (b > 0 && p < b * step) b--;
        return b;
    }
}
