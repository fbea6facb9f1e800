using Monitoring.AlertRouter;
using Monitoring.AlertRouter.Api;
using Monitoring.AlertRouter.Audit;
using Monitoring.AlertRouter.Console;
using Monitoring.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMonitoringAuth();
builder.AddAlertRouter();
builder.AddAlertRouterConsole();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapAlertRouterApi();
app.MapAlertRouterAudit();
app.MapAlertRouterConsole();
app.Run();

/// <summary>Entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
