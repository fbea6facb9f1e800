namespace Monitoring.Statistics;

/// <summary>Expected confusion matrix: sums of calibrated probabilities instead of counts.</summary>
/// <param name="TruePositives">Σ pᵢ over predicted positives.</param>
/// <param name="FalsePositives">Σ (1 − pᵢ) over predicted positives.</param>
/// <param name="TrueNegatives">Σ (1 − pᵢ) over predicted negatives.</param>
/// <param name="FalseNegatives">Σ pᵢ over predicted negatives.</param>
public sealed record ExpectedConfusion(double TruePositives, double FalsePositives, double TrueNegatives, double FalseNegatives)
{
    /// <summary>Number of cases.</summary>
    public double N => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;
}

/// <summary>Label-free performance estimates from CBPE.</summary>
/// <param name="Confusion">Expected confusion matrix at the threshold.</param>
/// <param name="Sensitivity">Estimated sensitivity E[TP]/(E[TP] + E[FN]).</param>
/// <param name="Specificity">Estimated specificity E[TN]/(E[TN] + E[FP]).</param>
/// <param name="Accuracy">Estimated accuracy (E[TP] + E[TN])/N.</param>
/// <param name="Auroc">Estimated AUROC from the expected ROC curve.</param>
/// <param name="Count">Number of cases.</param>
public sealed record CbpeResult(ExpectedConfusion Confusion, double Sensitivity, double Specificity, double Accuracy, double Auroc, int Count);

/// <summary>
/// Confidence-based performance estimation (CBPE, NannyML): estimates a classifier's performance on unlabelled data from its
/// calibrated probabilities. For a case with calibrated probability pᵢ = P(yᵢ = 1 | scoreᵢ) and prediction ŷᵢ = [scoreᵢ ≥ t],
/// it is a true positive with probability pᵢ if ŷᵢ = 1 and a false negative with probability pᵢ if ŷᵢ = 0; summing gives the
/// expected confusion matrix. The expected ROC curve sorts cases by descending raw score and accumulates
/// TP(j) = Σ_{i≤j} pᵢ, FP(j) = Σ_{i≤j} (1 − pᵢ) from (0, 0); AUROC is the trapezoidal area under (FP/FP_total, TP/TP_total),
/// with one point per distinct score (cases with tied scores enter together, which NannyML leaves to sort order; NannyML also
/// rounds the cumulative sums to 5 decimals, which we do not).
/// Assumptions (documented in docs/statistics-performance.md): (1) no concept shift: P(y | score) is the same in the reference and
/// the monitored data, so a calibration fitted on labelled reference data holds under covariate shift; (2) the calibration is
/// good on reference data (enough reference cases, isotonic regression fitted out of sample ideally); (3) cases are independent.
/// When P(y | score) itself changes (a new disease prevalence conditional on the score, label-definition changes), CBPE is
/// biased and only realised performance on labels can tell.
/// Reference: NannyML, "Confidence-based Performance Estimation (CBPE)", nannyml.readthedocs.io, and
/// <c>nannyml/performance_estimation/confidence_based/metrics.py</c> (estimate_roc_auc, confusion-matrix estimates).
/// </summary>
public sealed class Cbpe
{
    private Cbpe(IsotonicRegression calibrator) => Calibrator = calibrator;

    /// <summary>The isotonic calibration map fitted on reference data.</summary>
    public IsotonicRegression Calibrator { get; }

    /// <summary>Fits the calibration (isotonic regression of labels on scores) on labelled reference data.</summary>
    /// <param name="referenceScores">Reference model scores.</param>
    /// <param name="referenceLabels">Reference labels; both classes must be present.</param>
    /// <exception cref="ArgumentException">Empty input, non-finite scores or a single class.</exception>
    public static Cbpe Fit(ReadOnlySpan<double> referenceScores, ReadOnlySpan<bool> referenceLabels)
    {
        PerfGuard.SameLength(referenceScores, referenceLabels);
        var positives = 0;
        foreach (var l in referenceLabels) if (l) positives++;
        if (positives == 0 || positives == referenceLabels.Length)
        {
            throw new ArgumentException("CBPE needs reference data with both classes to calibrate.", nameof(referenceLabels));
        }

        return new Cbpe(IsotonicRegression.Fit(referenceScores, referenceLabels));
    }

    /// <summary>Calibrates <paramref name="scores"/> with the reference fit and estimates performance at <paramref name="threshold"/> (score ≥ threshold is positive).</summary>
    public CbpeResult EstimateFromScores(ReadOnlySpan<double> scores, double threshold)
    {
        var calibrated = Calibrator.Predict(scores);
        return Estimate(scores, calibrated, threshold);
    }

    /// <summary>
    /// As <see cref="EstimateFromScores"/>, but null instead of an exception when the calibrated probabilities expect no positive
    /// or no negative case (every score where the reference calibrates to 0, or to 1): a window of such scores is insufficient
    /// evidence, not an error.
    /// </summary>
    public CbpeResult? TryEstimateFromScores(ReadOnlySpan<double> scores, double threshold) =>
        Compute(scores, Calibrator.Predict(scores), threshold, nullWhenUndefined: true);

    /// <summary>Estimates performance when the scores are themselves calibrated probabilities (ranking and threshold on them).</summary>
    /// <param name="calibratedProbabilities">Calibrated probabilities in [0, 1].</param>
    /// <param name="threshold">Decision threshold on the probabilities.</param>
    public static CbpeResult Estimate(ReadOnlySpan<double> calibratedProbabilities, double threshold) =>
        Estimate(calibratedProbabilities, calibratedProbabilities, threshold);

    /// <summary>
    /// Estimates performance from raw scores (which decide ŷ = [score ≥ threshold] and the ranking) and their calibrated probabilities.
    /// </summary>
    /// <param name="scores">Raw model scores.</param>
    /// <param name="calibratedProbabilities">Calibrated P(y = 1 | score), same length, in [0, 1].</param>
    /// <param name="threshold">Decision threshold on the raw scores.</param>
    /// <exception cref="ArgumentException">Empty or mismatched input; non-finite values; or every calibrated probability is 0 or every one
    /// is 1 (no expected positives or negatives: sensitivity, specificity and AUROC are undefined).</exception>
    public static CbpeResult Estimate(ReadOnlySpan<double> scores, ReadOnlySpan<double> calibratedProbabilities, double threshold) =>
        Compute(scores, calibratedProbabilities, threshold, nullWhenUndefined: false)!;

    private static CbpeResult? Compute(ReadOnlySpan<double> scores, ReadOnlySpan<double> calibratedProbabilities, double threshold, bool nullWhenUndefined)
    {
        Guard.Finite(scores, nameof(scores));
        PerfGuard.Probabilities(calibratedProbabilities, nameof(calibratedProbabilities));
        if (scores.Length != calibratedProbabilities.Length)
        {
            throw new ArgumentException($"'scores' has {scores.Length} values but 'calibratedProbabilities' has {calibratedProbabilities.Length}.", nameof(calibratedProbabilities));
        }

        if (!double.IsFinite(threshold)) throw new ArgumentException($"'threshold' is {threshold}; it must be finite.", nameof(threshold));

        double tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var p = calibratedProbabilities[i];
            if (scores[i] >= threshold)
            {
                tp += p;
                fp += 1 - p;
            }
            else
            {
                fn += p;
                tn += 1 - p;
            }
        }

        var positives = tp + fn;
        var negatives = tn + fp;
        if (!(positives > 0) || !(negatives > 0))
        {
            if (nullWhenUndefined) return null;
            throw new ArgumentException(
                $"CBPE is undefined: the calibrated probabilities sum to {positives} expected positives and {negatives} expected negatives.",
                nameof(calibratedProbabilities));
        }

        var auroc = ExpectedAuroc(scores, calibratedProbabilities, positives, negatives);
        return new CbpeResult(new ExpectedConfusion(tp, fp, tn, fn), tp / positives, tn / negatives, (tp + tn) / scores.Length, auroc, scores.Length);
    }

    private static double ExpectedAuroc(ReadOnlySpan<double> scores, ReadOnlySpan<double> p, double positives, double negatives)
    {
        var n = scores.Length;
        var keys = new double[n];
        var values = p.ToArray();
        for (var i = 0; i < n; i++) keys[i] = -scores[i];
        Array.Sort(keys, values);
        double tps = 0, fps = 0, prevTpr = 0, prevFpr = 0, area = 0;
        var j = 0;
        while (j < n)
        {
            var end = j;
            while (end < n && keys[end] == keys[j])
            {
                var pi = values[end];
                tps += pi;
                fps += 1 - pi;
                end++;
            }

            var tpr = tps / positives;
            var fpr = fps / negatives;
            area += (fpr - prevFpr) * (tpr + prevTpr) / 2;
            prevTpr = tpr;
            prevFpr = fpr;
            j = end;
        }

        return area;
    }
}
