using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.Console.Tests.Support;

/// <summary>
/// One per suite: the real AlertRouter listening on a free port (Kestrel) against the real PostgreSQL and RabbitMQ (own
/// schema and virtual host), a stand-in for the DriftDetector's evidence endpoint, and Debian's headless Chromium driven by
/// Playwright. Incidents are seeded by publishing real contract messages to RabbitMQ.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset DetectedAt = DateTimeOffset.UtcNow.AddHours(-3);
    public static readonly IReadOnlyDictionary<string, (string Name, string Key, string Role)> People = new Dictionary<string, (string, string, string)>
    {
        ["safety"] = ("dr-safety", "c-safety-key", "safety-officer"),
        ["safety2"] = ("dr-second", "c-safety2-key", "safety-officer"),
        ["oncall"] = ("on-call", "c-oncall-key", "oncall"),
        ["auditor"] = ("the-auditor", "c-auditor-key", "auditor"),
    };

    private WebApplicationFactory<Program>? factory;
    private IPlaywright? playwright;
    private string routingFile = "";

    public string Schema { get; } = TestInfrastructure.UniqueName("console");
    public string VirtualHost { get; private set; } = "";
    public string BaseUrl { get; private set; } = "";
    public EvidenceStandIn Evidence { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public IServiceProvider Services => factory!.Services;
    public string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(30_000); // process-wide: once, with the 90-s page deadlines of SignInAsync
        Evidence = await EvidenceStandIn.StartAsync(DetectedAt);
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync("console");
        routingFile = Path.Combine(Path.GetTempPath(), Schema + ".yaml");
        await File.WriteAllTextAsync(routingFile, $$"""
            route:
              receiver: team
              group_by: [incident]
              group_wait: 0s
              escalation_policy: standard
            receivers:
              - name: team
                webhook_configs: [{ url: "{{Evidence.Url}}/hook/team" }]
              - name: safety
                webhook_configs: [{ url: "{{Evidence.Url}}/hook/safety" }]
            escalation_policies:
              - name: standard
                levels:
                  - { receivers: [team], timeout: 1h }
                  - { receivers: [safety], timeout: 1h }
            clinical_safety:
              decision_deadline: 4h
            """);
        var port = EvidenceStandIn.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            foreach (var (k, v) in Settings())
            {
                b.UseSetting(k, v);
            }
        });
        factory.UseKestrel();
        factory.StartServer();

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotDir);
        await SeedAsync();
    }

    private Dictionary<string, string?> Settings()
    {
        var s = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = TestInfrastructure.PostgresConnectionString,
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:VirtualHost"] = VirtualHost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["AlertRouter:Schema"] = Schema,
            ["AlertRouter:RoutingFile"] = routingFile,
            ["AlertRouter:TickInterval"] = "00:00:00.100",
            ["AlertRouter:ExternalUrl"] = BaseUrl,
            // appsettings.json names a Urls key, which wins over Kestrel's own port: name this one instead.
            ["Urls"] = BaseUrl,
            ["AlertRouter:Console:EvidenceUrl"] = Evidence.Url,
            ["AlertRouter:Console:EvidenceApiKey"] = EvidenceStandIn.ServiceKey,
            ["Auth:Console:LocalSignIn"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var i = 0;
        foreach (var (name, key, role) in People.Values)
        {
            s[$"Auth:ApiKeys:{i}:Name"] = name;
            s[$"Auth:ApiKeys:{i}:Key"] = key;
            s[$"Auth:ApiKeys:{i}:Roles:0"] = role;
            i++;
        }

        return s;
    }

    /// <summary>Two independent changes in one deployment, one redelivered, and two findings without a change id.</summary>
    private async Task SeedAsync()
    {
        var bus = Services.GetRequiredService<IBus>();
        var firmware = Messages.Change("chg-firmware", Severity.Critical, "feature:meanIntensity", new() { ["site"] = "site-b", ["manufacturer"] = "SIEMENS" },
            "Since {0} at site-b, images from SIEMENS scanners are brighter (+1.2 SD) and less noisy; 2,462 studies affected; model sensitivity not yet known");
        var protocol = Messages.Change("chg-protocol", Severity.Warning, "study:ViewPosition", new() { ["site"] = "site-b", ["ViewPosition"] = "LL" },
            "Since {0} at site-b, lateral views are four times as frequent; 310 studies affected; model performance not yet known");
        await bus.Publish(firmware);
        await bus.Publish(Messages.Finding(firmware.RootFindingId, "feature:meanIntensity", Severity.Critical, "site-b", "chg-firmware"));
        await bus.Publish(protocol);
        await bus.Publish(firmware); // redelivery: no second incident, no second page
        await bus.Publish(Messages.Finding("f-site-a-1", "feature:noiseLevel", Severity.Warning, "site-a", null));
        await bus.Publish(Messages.Finding("f-site-a-2", "score:pneumothorax", Severity.Warning, "site-a", null));
        await Eventually.HoldsAsync(async () =>
        {
            await using var session = Services.GetRequiredService<IDocumentStore>().QuerySession();
            var alerts = await session.Query<Alert>().ToListAsync();
            return alerts.Count == 3 && alerts.Sum(a => a.FindingIds.Count) >= 6 && alerts.All(a => a.EscalationLevel == 1);
        }, TimeSpan.FromSeconds(60), "three incidents (two changes, one fallback group) were opened and paged");
    }

    public async Task<Alert> IncidentAsync(string changeId)
    {
        await using var session = Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Query<Alert>().ToListAsync()).Single(a => a.ChangeId == changeId);
    }

    /// <summary>A fresh browser context (own cookies) signed in through the console's local sign-in form.</summary>
    public async Task<IPage> SignInAsync(string who, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        // Generous waits: with every test assembly running at once (CI) a page that renders in under a second idle once took
        // more than Playwright's default 30 s to load. These are deadlines for polling, not timings.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        var page = await context.NewPageAsync();
        await OpenAsync(page, "/console");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/signin"));
        await page.GetByLabel("Access key").FillAsync(People[who].Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(BaseUrl + "/console");
        return page;
    }

    /// <summary>
    /// Navigates without waiting for the page's <c>load</c> lifecycle event: under CI load Playwright once waited the full
    /// 90 s for a <c>load</c> it never reported on a plain server-rendered page (its log had seen "networkidle"). Callers
    /// wait on what they read instead, with web-first assertions that poll the DOM.
    /// </summary>
    public async Task OpenAsync(IPage page, string path) =>
        await page.GotoAsync(BaseUrl + path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });

    /// <summary>Saves a full-page screenshot as a test artifact; with UPDATE_SCREENSHOTS=1 also into docs/screenshots/.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        var file = Path.Combine(ScreenshotDir, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1" && Monitoring.TestSupport.Repository.TryRoot() is { } root)
        {
            var docs = Path.Combine(root, "docs", "screenshots");
            Directory.CreateDirectory(docs);
            File.Copy(file, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        await Evidence.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        await TestInfrastructure.DropSchemaAsync(Schema);
        File.Delete(routingFile);
    }
}
