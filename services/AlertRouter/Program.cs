using Monitoring.AlertRouter;
using Monitoring.AlertRouter.Api;
using Monitoring.AlertRouter.Audit;
using Monitoring.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMonitoringAuth();
builder.AddAlertRouter();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapAlertRouterApi();
app.MapAlertRouterAudit();
app.Run();

/// <summary>Entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
