using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Monitoring.TestSupport;

namespace Monitoring.Ingest.Tests;

/// <summary>Ingest refuses to start with an out-of-range setting (ValidateOnStart), naming it, rather than run with it.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Ingest:MaxItemsPerRequest", "0", "MaxItemsPerRequest")]
    [InlineData("Ingest:Schema", "Bad-Schema", "Schema")]
    [InlineData("RabbitMq:Port", "70000", "Port")]
    public void GivenAnOutOfRangeSetting_WhenTheServiceStarts_ThenStartIsRefusedNamingTheSetting(string key, string value, string member)
    {
        var error = HostStart.Refused<OptionsValidationException, Factory>(() => new Factory(key, value), f => f.Server);

        Assert.Contains(member, error.Message);
    }

    private sealed class Factory(string key, string value) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Marten", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none");
            builder.UseSetting(key, value);
        }
    }
}
