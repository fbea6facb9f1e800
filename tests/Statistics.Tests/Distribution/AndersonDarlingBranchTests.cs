namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>The k-sample Anderson–Darling test refuses a null list of samples by name.</summary>
public class AndersonDarlingBranchTests
{
    [Fact]
    public void GivenNull_ThenArgumentNullExceptionNamesTheSamples()
    {
        Assert.Throws<ArgumentNullException>("samples", () => AndersonDarling.KSample(null!));
    }
}
