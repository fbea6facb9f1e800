namespace Monitoring.Statistics.Tests.Performance;

/// <summary>Confusion counts from thresholded predictions, each cell a different count, and accuracy's numerator.</summary>
public class ClassificationBranchTests
{
    [Fact]
    public void GivenPredictionsAndLabels_ThenEveryCellCountsItsOwnCases()
    {
        // TP 1, FN 2, FP 3, TN 4: sklearn.metrics.confusion_matrix(labels, predicted).ravel() = (tn 4, fp 3, fn 2, tp 1).
        bool[] labels = [true, true, true, false, false, false, false, false, false, false];
        bool[] predicted = [true, false, false, true, true, true, false, false, false, false];
        Assert.Equal(new ConfusionCounts(1, 3, 4, 2), Classification.Confusion(predicted, labels));
        Assert.Equal(new ConfusionCounts(0, 0, 0, 0), Classification.Confusion(ReadOnlySpan<bool>.Empty, ReadOnlySpan<bool>.Empty));
    }

    [Fact]
    public void GivenCounts_ThenAccuracyIsTruePositivesPlusTrueNegativesOverAll()
    {
        // (3 + 2)/10 with the Wilson interval of 5/10 (scipy binomtest(5, 10).proportion_ci(method="wilson")).
        var a = Classification.Accuracy(new ConfusionCounts(3, 1, 2, 4));
        Assert.Equal(0.5, a.Value);
        Assert.Equal(Proportions.Wilson(5, 10, 0.95), a);
        Assert.Equal(0.236593090512564, a.Lower, 12);
    }
}
