using Monitoring.Ingest;
using Monitoring.Ingest.Http;
using Monitoring.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(IngestTelemetry.SourceName);
builder.AddMonitoringAuth();
builder.AddIngest();

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapIngestApi();

app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
