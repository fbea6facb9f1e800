using Monitoring.DriftDetector;
using Monitoring.DriftDetector.Api;
using Monitoring.DriftDetector.Rebuild;
using Monitoring.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMonitoringAuth();
builder.AddDriftDetector();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapDriftApi();
app.MapDriftAudit();
app.MapEvidenceApi();
app.MapChangesApi();

if (args.Contains("rebuild"))
{
    return await RebuildCommand.RunAsync(app);
}

await app.RunAsync();
return 0;

/// <summary>Entry point (visible to the integration tests' WebApplicationFactory).</summary>
public partial class Program;
