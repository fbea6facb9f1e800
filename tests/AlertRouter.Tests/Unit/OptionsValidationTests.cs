namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>The AlertRouter's settings check (run on start through ValidateOnStart): the small-group floor k = 11 cannot be lowered.</summary>
public class OptionsValidationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void GivenAMinimumGroupSizeBelowEleven_WhenValidated_ThenItIsRefusedNamingTheSetting(int k)
    {
        var valid = new AlertRouterOptions { MinGroupSize = k }.IsValid(out var reason);

        Assert.False(valid);
        Assert.Contains("MinGroupSize", reason);
    }

    [Fact]
    public void GivenTheDefaults_WhenValidated_ThenTheyAreValidWithKEleven()
    {
        var defaults = new AlertRouterOptions();

        Assert.Equal(11, defaults.MinGroupSize);
        Assert.True(defaults.IsValid(out _));
        Assert.True(new AlertRouterOptions { MinGroupSize = 11 }.IsValid(out _));
    }
}
