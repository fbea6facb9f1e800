namespace Monitoring.Statistics;

/// <summary>
/// Counts of a binary confusion matrix at one decision threshold (positive = the condition is present).
/// </summary>
/// <param name="TruePositives">Positive cases predicted positive.</param>
/// <param name="FalsePositives">Negative cases predicted positive.</param>
/// <param name="TrueNegatives">Negative cases predicted negative.</param>
/// <param name="FalseNegatives">Positive cases predicted negative.</param>
public sealed record ConfusionCounts(long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives)
{
    /// <summary>Total number of cases, TP + FP + TN + FN.</summary>
    public long N => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    /// <summary>Cases whose true label is positive, TP + FN.</summary>
    public long Positives => TruePositives + FalseNegatives;

    /// <summary>Cases whose true label is negative, TN + FP.</summary>
    public long Negatives => TrueNegatives + FalsePositives;

    /// <summary>Cases predicted positive, TP + FP.</summary>
    public long PredictedPositives => TruePositives + FalsePositives;

    /// <summary>Cases predicted negative, TN + FN.</summary>
    public long PredictedNegatives => TrueNegatives + FalseNegatives;

    /// <summary>Element-wise sum, used to pool counts from several windows or shards.</summary>
    public static ConfusionCounts operator +(ConfusionCounts a, ConfusionCounts b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives,
            a.TrueNegatives + b.TrueNegatives, a.FalseNegatives + b.FalseNegatives);
}
