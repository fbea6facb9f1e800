namespace Monitoring.Statistics;

/// <summary>Threshold metrics of a binary classifier: confusion counts and rates with Wilson intervals.</summary>
public static class Classification
{
    /// <summary>
    /// Confusion counts at a decision threshold: case i is predicted positive when <c>scores[i] &gt;= threshold</c>
    /// (the same convention as scikit-learn's <c>roc_curve</c> thresholds), and is truly positive when <c>labels[i]</c>.
    /// Equals <c>sklearn.metrics.confusion_matrix(labels, scores &gt;= threshold)</c>.
    /// </summary>
    /// <param name="scores">Model scores (any finite scale).</param>
    /// <param name="labels">True labels, same length as <paramref name="scores"/>.</param>
    /// <param name="threshold">Decision threshold (finite).</param>
    /// <exception cref="ArgumentException">Lengths differ, input empty, or a score or the threshold is not finite.</exception>
    public static ConfusionCounts Confusion(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double threshold)
    {
        PerfGuard.SameLength(scores, labels);
        Guard.Finite(scores, nameof(scores));
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentException($"'threshold' is {threshold}; it must be finite.", nameof(threshold));
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var predicted = scores[i] >= threshold;
            if (labels[i])
            {
                if (predicted) tp++; else fn++;
            }
            else
            {
                if (predicted) fp++; else tn++;
            }
        }

        return new ConfusionCounts(tp, fp, tn, fn);
    }

    /// <summary>Confusion counts from already thresholded predictions (<c>predicted[i]</c> = predicted positive).</summary>
    /// <param name="predicted">Predicted labels.</param>
    /// <param name="labels">True labels, same length.</param>
    public static ConfusionCounts Confusion(ReadOnlySpan<bool> predicted, ReadOnlySpan<bool> labels)
    {
        if (predicted.Length != labels.Length)
        {
            throw new ArgumentException($"'predicted' has {predicted.Length} values but 'labels' has {labels.Length}.", nameof(labels));
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            if (labels[i])
            {
                if (predicted[i]) tp++; else fn++;
            }
            else
            {
                if (predicted[i]) fp++; else tn++;
            }
        }

        return new ConfusionCounts(tp, fp, tn, fn);
    }

    /// <summary>
    /// Sensitivity (recall, true-positive rate) TP/(TP+FN) with a Wilson interval (<see cref="Proportions.Wilson"/>).
    /// Reference: Altman &amp; Bland (1994), "Diagnostic tests 1: sensitivity and specificity", BMJ 308:1552.
    /// </summary>
    /// <exception cref="ArgumentException">There are no positive cases (sensitivity undefined).</exception>
    public static Estimate Sensitivity(ConfusionCounts counts, double level = 0.95) =>
        Rate(counts.TruePositives, counts.Positives, level, "sensitivity", "positive cases");

    /// <summary>Specificity (true-negative rate) TN/(TN+FP) with a Wilson interval.</summary>
    /// <exception cref="ArgumentException">There are no negative cases (specificity undefined).</exception>
    public static Estimate Specificity(ConfusionCounts counts, double level = 0.95) =>
        Rate(counts.TrueNegatives, counts.Negatives, level, "specificity", "negative cases");

    /// <summary>Positive predictive value (precision) TP/(TP+FP) with a Wilson interval.</summary>
    /// <exception cref="ArgumentException">Nothing was predicted positive (PPV undefined).</exception>
    public static Estimate Ppv(ConfusionCounts counts, double level = 0.95) =>
        Rate(counts.TruePositives, counts.PredictedPositives, level, "PPV", "predicted-positive cases");

    /// <summary>Negative predictive value TN/(TN+FN) with a Wilson interval.</summary>
    /// <exception cref="ArgumentException">Nothing was predicted negative (NPV undefined).</exception>
    public static Estimate Npv(ConfusionCounts counts, double level = 0.95) =>
        Rate(counts.TrueNegatives, counts.PredictedNegatives, level, "NPV", "predicted-negative cases");

    /// <summary>Accuracy (TP+TN)/N with a Wilson interval.</summary>
    /// <exception cref="ArgumentException">The counts are empty.</exception>
    public static Estimate Accuracy(ConfusionCounts counts, double level = 0.95) =>
        Rate(counts.TruePositives + counts.TrueNegatives, counts.N, level, "accuracy", "cases");

    private static Estimate Rate(long successes, long n, double level, string metric, string what)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (n == 0)
        {
            throw new ArgumentException($"The {metric} is undefined: there are no {what}.", "counts");
        }

        return Proportions.Wilson(successes, n, level);
    }
}
