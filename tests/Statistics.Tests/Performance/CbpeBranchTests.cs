namespace Monitoring.Statistics.Tests.Performance;

/// <summary>CBPE's input checks (each refusal names its argument) and the expected confusion matrix's case count.</summary>
public class CbpeBranchTests
{
    [Fact]
    public void GivenAnExpectedConfusion_ThenNIsTheSumOfItsFourCells()
    {
        Assert.Equal(10.0, new ExpectedConfusion(1, 2, 3, 4).N);
    }

    [Fact]
    public void GivenMoreLabelsThanScores_WhenFitting_ThenTheLengthsAreRefusedBeforeTheClasses()
    {
        // All labels positive and one label too many: the length check comes first.
        var e = Assert.Throws<ArgumentException>("labels", () => Cbpe.Fit([0.1, 0.2], [true, true, true]));
        Assert.StartsWith("'scores' has 2 values but 'labels' has 3", e.Message);
    }

    [Fact]
    public void GivenANonFiniteScore_ThenTheScoresAreRefused()
    {
        var e = Assert.Throws<ArgumentException>("scores", () => Cbpe.Estimate([0.1, double.NaN], [0.2, 0.7], 0.5));
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void GivenAProbabilityAboveOne_ThenTheCalibratedProbabilitiesAreRefused()
    {
        var e = Assert.Throws<ArgumentException>("calibratedProbabilities", () => Cbpe.Estimate([0.1, 0.9], [1.5, 0.2], 0.5));
        Assert.StartsWith("'calibratedProbabilities'[0] is 1.5; a probability must lie in [0, 1].", e.Message);
    }
}
