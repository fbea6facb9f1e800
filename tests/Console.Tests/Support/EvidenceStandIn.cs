using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Monitoring.Console.Tests.Support;

/// <summary>
/// A stand-in for the DriftDetector's evidence endpoint (GET /v1/evidence/findings/{id}, with the same JSON shape as
/// services/DriftDetector/Api/EvidenceApi.cs) and a webhook sink for the AlertRouter's notifications. It checks the
/// service credential, so a console that forgot it would draw no detector series and the chart assertions would fail.
/// </summary>
public sealed class EvidenceStandIn : IAsyncDisposable
{
    public const string ServiceKey = "console-service-key";
    private readonly WebApplication app;

    private EvidenceStandIn(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    public string Url { get; }
    public int EvidenceRequests;
    public int Webhooks;

    public static async Task<EvidenceStandIn> StartAsync(DateTimeOffset detectedAt)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new EvidenceStandIn(app, $"http://127.0.0.1:{port}");
        app.MapGet("/v1/evidence/findings/{id}", (string id, HttpRequest request) =>
        {
            if (request.Headers["X-Api-Key"] != ServiceKey)
            {
                return Results.StatusCode(401);
            }

            Interlocked.Increment(ref standIn.EvidenceRequests);
            return Results.Json(Recorded(id, detectedAt));
        });
        app.MapPost("/hook/{name}", () =>
        {
            Interlocked.Increment(ref standIn.Webhooks);
            return Results.Ok();
        });
        await app.StartAsync();
        return standIn;
    }

    /// <summary>Evidence as the detector serves it: 12 daily windows, two distributions, six subgroups (one withheld, one insufficient).</summary>
    private static object Recorded(string id, DateTimeOffset detectedAt) => new
    {
        findingId = id,
        deployment = "cxr-triage@2.3.1|site-b",
        signal = "feature:meanIntensity",
        method = "ks",
        scope = "site=site-b&manufacturer=SIEMENS",
        detectedAt,
        policyVersion = 3,
        smallCellThreshold = 11,
        series = Enumerable.Range(0, 12).Select(i => new
        {
            at = detectedAt.AddDays(i - 9),
            statistic = i < 8 ? 0.04 + 0.01 * (i % 3) : 0.21 + 0.03 * (i - 8),
            threshold = 0.12,
            lower = (double?)null,
            upper = (double?)null,
            currentSize = 240L,
            suppressed = false,
        }),
        distribution = new
        {
            signal = "feature:meanIntensity",
            scope = "site=site-b&manufacturer=SIEMENS",
            referenceSize = 4000L,
            currentSize = 2462L,
            suppressed = false,
            reference = Bins(0.45, 0.08),
            current = Bins(0.55, 0.07),
        },
        performance = new[]
        {
            new
            {
                signal = "performance:sensitivity:pneumothorax",
                rows = new object[]
                {
                    Row("*", "ok", 0.84, 0.81, 0.87, 1800),
                    Row("sex=F", "ok", 0.83, 0.79, 0.87, 900),
                    Row("sex=M", "ok", 0.85, 0.81, 0.89, 900),
                    Row("site=site-b&manufacturer=SIEMENS", "detected", 0.66, 0.58, 0.73, 160),
                    Row("ageBand=0-17", "insufficient-evidence", null, null, null, 40),
                    new { scope = "ethnicity=Pacific", subgroup = new Dictionary<string, string>(), site = (string?)null, state = "suppressed", suppressed = true, value = (double?)null, lower = (double?)null, upper = (double?)null, floor = (double?)0.75, currentSize = (long?)null },
                },
            },
        },
    };

    private static object Row(string scope, string state, double? value, double? lower, double? upper, long n) =>
        new { scope, subgroup = new Dictionary<string, string>(), site = (string?)null, state, suppressed = false, value, lower, upper, floor = (double?)0.75, currentSize = (long?)n };

    private static object[] Bins(double mean, double sd) => Enumerable.Range(0, 20).Select(i =>
    {
        var lo = 0.2 + i * 0.03;
        var mid = lo + 0.015;
        var density = Math.Exp(-0.5 * Math.Pow((mid - mean) / sd, 2)) * 0.03 / (sd * Math.Sqrt(2 * Math.PI));
        return (object)new { lower = lo, upper = lo + 0.03, share = density };
    }).ToArray();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
