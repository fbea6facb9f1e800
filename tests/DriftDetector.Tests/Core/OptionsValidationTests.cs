using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Monitoring.TestSupport;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Options are validated when the service starts (ValidateOnStart): a value outside its range stops the start with the
/// setting's name, instead of running with it. k = 11 is the privacy floor, so a smaller small-cell threshold is refused.
/// </summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void GivenASmallCellThresholdBelowEleven_WhenValidated_ThenItIsRefused(int k)
    {
        var errors = Validate(new DriftDetectorOptions { PolicyPaths = ["p.yaml"], SmallCellThreshold = k });

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(DriftDetectorOptions.SmallCellThreshold)));
    }

    [Fact]
    public void GivenTheDefaults_WhenValidated_ThenOnlyTheMissingPolicyPathIsReportedAndKIsEleven()
    {
        var defaults = new DriftDetectorOptions();

        Assert.Equal(11, defaults.SmallCellThreshold);
        Assert.Equal([nameof(DriftDetectorOptions.PolicyPaths)], Validate(defaults).SelectMany(e => e.MemberNames));
        Assert.Empty(Validate(new DriftDetectorOptions { PolicyPaths = ["p.yaml"], SmallCellThreshold = 11 }));
    }

    [Theory]
    [InlineData("DriftDetector:SmallCellThreshold", "1", "SmallCellThreshold")]
    [InlineData("DriftDetector:PageSize", "0", "PageSize")]
    [InlineData("RabbitMq:Port", "0", "Port")]
    public void GivenAnOutOfRangeSetting_WhenTheServiceStarts_ThenStartIsRefusedNamingTheSetting(string key, string value, string member)
    {
        var settings = new Dictionary<string, string?>
        {
            [key] = value,
            ["DriftDetector:AutoStart"] = "false",
            ["ConnectionStrings:Marten"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none",
        };

        var error = HostStart.Refused<OptionsValidationException, Factory>(() => new Factory(settings), f => f.Server);

        Assert.Contains(member, error.Message);
    }

    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }
}
