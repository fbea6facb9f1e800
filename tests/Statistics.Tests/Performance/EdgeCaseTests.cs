namespace Monitoring.Statistics.Tests.Performance;

public class EdgeCaseTests
{
    [Fact]
    public void GivenEmptyInput_WhenAnyKernelRuns_ThenArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Classification.Confusion([], [], 0.5));
        Assert.Throws<ArgumentException>(() => Auroc.DeLong([], []));
        Assert.Throws<ArgumentException>(() => Calibration.Brier([], []));
        Assert.Throws<ArgumentException>(() => Calibration.LogLoss([], []));
        Assert.Throws<ArgumentException>(() => Calibration.ExpectedCalibrationError([], []));
        Assert.Throws<ArgumentException>(() => IsotonicRegression.Fit([], Array.Empty<bool>()));
        Assert.Throws<ArgumentException>(() => Cbpe.Estimate([], 0.5));
        Assert.Throws<ArgumentException>(() => Proportions.Wilson(0, 0));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void GivenNonFiniteValue_WhenAnyKernelRuns_ThenArgumentExceptionNamesIt(double bad)
    {
        double[] s = [0.1, bad, 0.9];
        bool[] y = [false, true, true];
        Assert.Contains("scores", Assert.Throws<ArgumentException>(() => Classification.Confusion(s, y, 0.5)).Message);
        Assert.Throws<ArgumentException>(() => Auroc.DeLong(s, y));
        Assert.Contains("probabilities", Assert.Throws<ArgumentException>(() => Calibration.Brier(s, y)).Message);
        Assert.Throws<ArgumentException>(() => Calibration.LogLoss(s, y));
        Assert.Throws<ArgumentException>(() => Calibration.ExpectedCalibrationError(s, y));
        Assert.Throws<ArgumentException>(() => IsotonicRegression.Fit(s, y));
        Assert.Throws<ArgumentException>(() => Cbpe.Estimate(s, 0.5));
        Assert.Throws<ArgumentException>(() => new Cusum(0, 1).Add(bad));
        Assert.Throws<ArgumentException>(() => new PageHinkley().Add(bad));
        Assert.Throws<ArgumentException>(() => new Adwin().Add(bad));
        Assert.Throws<ArgumentException>(() => new QuantileSketch().Add(bad));
        Assert.Throws<ArgumentException>(() => Fairness.ByGroup(s, y, ["a", "a", "b"], 0.5));
    }

    [Fact]
    public void GivenMismatchedLengths_ThenArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Classification.Confusion([0.1, 0.2], [true], 0.5));
        Assert.Throws<ArgumentException>(() => Auroc.DeLong([0.1, 0.2], [true]));
        Assert.Throws<ArgumentException>(() => Calibration.Brier([0.1], [true, false]));
    }

    [Fact]
    public void GivenSingleClassLabels_WhenAuroc_ThenClearExceptionNotNaN()
    {
        var ex = Assert.Throws<ArgumentException>(() => Auroc.DeLong([0.1, 0.4, 0.8], [true, true, true]));
        Assert.Contains("single class", ex.Message);
        Assert.Throws<ArgumentException>(() => Auroc.DeLong([0.1], [false]));
        Assert.Throws<ArgumentException>(() => Cbpe.Fit([0.1, 0.2], [false, false]));
    }

    [Fact]
    public void GivenOnePositiveAndOneNegative_WhenAuroc_ThenAucWithZeroVariance()
    {
        var r = Auroc.DeLong([0.2, 0.7], [false, true]);
        Assert.Equal(1.0, r.Auc);
        Assert.Equal(0.0, r.Variance);
        Assert.Equal(1.0, r.Interval.Lower);
    }

    [Fact]
    public void GivenAllScoresTied_WhenAuroc_ThenOneHalfWithZeroVariance()
    {
        var r = Auroc.DeLong([0.3, 0.3, 0.3, 0.3, 0.3], [true, false, true, false, false]);
        Assert.Equal(0.5, r.Auc);
        Assert.Equal(0.0, r.Variance);
    }

    [Fact]
    public void GivenNoPositives_WhenSensitivity_ThenUndefinedIsAnException()
    {
        var c = new ConfusionCounts(0, 3, 5, 0);
        Assert.Contains("no positive cases", Assert.Throws<ArgumentException>(() => Classification.Sensitivity(c)).Message);
        Assert.Equal(5.0 / 8, Classification.Specificity(c).Value);
    }

    [Fact]
    public void GivenOneElement_ThenCalibrationScoresAreDefined()
    {
        Assert.Equal(0.09, Calibration.Brier([0.7], [true]), 12);
        Assert.Equal(-Math.Log(0.7), Calibration.LogLoss([0.7], [true]), 12);
        Assert.Equal(0.3, Calibration.ExpectedCalibrationError([0.7], [true]), 12);
        Assert.Equal(0.25, IsotonicRegression.Fit([1.0], [0.25]).Predict(5));
    }

    [Fact]
    public void GivenDegenerateComparison_WhenBothVariancesZero_ThenExplicitLimitNotNaN()
    {
        var perfect = Auroc.DeLong([0.1, 0.9], [false, true]);
        var inverted = Auroc.DeLong([0.9, 0.1], [false, true]);
        var same = Auroc.CompareWithReference(perfect, perfect);
        Assert.Equal(0, same.Statistic);
        Assert.Equal(1, same.PValue);
        var worse = Auroc.CompareWithReference(inverted, perfect);
        Assert.Equal(double.NegativeInfinity, worse.Statistic);
        Assert.Equal(0, worse.PValue);
    }

    [Fact]
    public void GivenAllZeroCalibratedProbabilities_WhenCbpe_ThenUndefinedIsAnException()
    {
        Assert.Contains("undefined", Assert.Throws<ArgumentException>(() => Cbpe.Estimate([0.0, 0.0, 0.0], 0.5)).Message);
    }

    [Fact]
    public void GivenInvalidConfiguration_ThenDetectorsRefuseIt()
    {
        Assert.Throws<ArgumentException>(() => new Cusum(0, 0));
        Assert.Throws<ArgumentException>(() => new Cusum(0, 1, threshold: -1));
        Assert.Throws<ArgumentException>(() => new PageHinkley(threshold: 0));
        Assert.Throws<ArgumentException>(() => new Adwin(delta: 0));
        Assert.Throws<ArgumentException>(() => new SlidingWindow<int>(0));
        Assert.Throws<ArgumentException>(() => new ReservoirSample<int>(0, 1));
        Assert.Throws<ArgumentException>(() => new QuantileSketch(4));
        Assert.Throws<ArgumentException>(() => RunLength.CusumThreshold(1.0));
        Assert.Throws<ArgumentException>(() => Proportions.Wilson(1, 2, 1.0));
        Assert.Throws<InvalidOperationException>(() => new QuantileSketch().Quantile(0.5));
    }

    [Fact]
    public void GivenGroupsBelowMinimum_WhenWorstGroup_ThenInsufficientEvidenceWithoutCounts()
    {
        var groups = new[] { new GroupPerformance("tiny", new ConfusionCounts(2, 1, 3, 1)) };
        var r = Fairness.WorstGroup(groups, GroupMetric.Sensitivity);
        Assert.Equal(EvidenceStatus.InsufficientEvidence, r.Status);
        Assert.Null(r.Group);
        Assert.Null(r.Value);
        Assert.Equal(["tiny"], r.GroupsExcluded);
        var rate = Fairness.Rate(groups[0], GroupMetric.Accuracy);
        Assert.False(rate.IsSufficient);
        Assert.Null(rate.Value);
    }
}
