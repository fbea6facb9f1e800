using Microsoft.Playwright;
using Monitoring.Console.Tests.Support;

namespace Monitoring.Console.Tests.EndToEnd;

/// <summary>The safety officer's desk in real headless Chromium against the real AlertRouter, PostgreSQL and RabbitMQ.</summary>
public sealed class ConsoleBrowserTests(ConsoleFixture fx) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task SafetyOfficer_OpensIncidentFromInbox_SeesCharts_RecordsDecision_AndFindsItInHistory()
    {
        var page = await fx.SignInAsync("safety");
        await fx.ScreenshotAsync(page, "inbox");

        // Two independent changes in one deployment are two incidents; the fallback group is the third.
        var rows = page.Locator("main table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        Assert.Equal("critical", (await rows.First.Locator(".sev").InnerTextAsync()).Trim()); // most severe first

        await page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("SIEMENS scanners are brighter") }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/incidents/"));
        await Assertions.Expect(page.Locator("#what-changed")).ToContainTextAsync("images from SIEMENS scanners are brighter");
        await Assertions.Expect(page.Locator("#history")).ToHaveCountAsync(1); // the page's last section: the document is parsed
        Assert.Contains("2,462", await page.Locator(".cards").InnerTextAsync());

        // Charts drawn from the detector's series: a path through 12 points, the band, the detection line, axis labels.
        var signal = page.Locator("#chart-signal svg");
        Assert.Matches(@"^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){11}$", await signal.Locator("path.series").GetAttributeAsync("d"));
        Assert.Equal(12, await signal.Locator("circle.point").CountAsync());
        Assert.Equal(1, await signal.Locator("rect.band").CountAsync());
        Assert.Equal(1, await signal.Locator("line.detection").CountAsync());
        Assert.Contains("ks statistic", await signal.Locator("text.axis-label").AllTextContentsAsync());
        var distribution = page.Locator("#chart-distribution svg");
        Assert.Equal(20, await distribution.Locator("rect.reference").CountAsync());
        Assert.Equal(20, await distribution.Locator("rect.current").CountAsync());
        var subgroups = page.Locator("#chart-subgroups svg");
        Assert.Equal(4, await subgroups.Locator("circle.estimate").CountAsync()); // six groups: one insufficient, one withheld
        Assert.Equal(1, await subgroups.Locator("line.floor").CountAsync());
        var states = string.Join("|", await subgroups.Locator("text.state").AllTextContentsAsync());
        Assert.Contains("insufficient evidence", states);
        Assert.Contains("withheld (n<k)", states);
        Assert.True(fx.Evidence.EvidenceRequests > 0);
        await fx.ScreenshotAsync(page, "incident");

        // A decision, recorded with the signed-in actor, appears in the history at once (the page redirects to itself).
        await page.GetByLabel("Decision", new() { Exact = true }).SelectOptionAsync("continue-with-closer-monitoring");
        await page.GetByLabel("Rationale").FillAsync("Brightness shift after firmware 4.2; sensitivity holds so far, watch daily.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record decision" }).ClickAsync();
        var history = page.Locator("#history");
        await Assertions.Expect(history).ToContainTextAsync("Decision: continue with closer monitoring");
        await Assertions.Expect(history).ToContainTextAsync("dr-safety");
        await Assertions.Expect(history).ToContainTextAsync("watch daily");
        var incident = await fx.IncidentAsync("chg-firmware");
        Assert.Equal("dr-safety", incident.Decision?.By);

        // Tablet width: the page still renders its charts and actions.
        await page.SetViewportSizeAsync(820, 1180);
        await fx.ScreenshotAsync(page, "incident-tablet");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Auditor_SeesEverything_HasNoActions_AndForgedPostsAreRefused()
    {
        var page = await fx.SignInAsync("auditor");
        await Assertions.Expect(page.Locator("main table tbody tr")).ToHaveCountAsync(3);
        var incident = await fx.IncidentAsync("chg-protocol");
        await fx.OpenAsync(page, $"/console/incidents/{incident.Id}");
        await Assertions.Expect(page.Locator("#what-changed")).ToContainTextAsync("lateral views");
        await Assertions.Expect(page.Locator("#history")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("#actions").CountAsync());
        Assert.Equal(0, await page.Locator("main form[method=post]").CountAsync());
        Assert.True(await page.Locator("#history tbody tr").CountAsync() >= 2);

        // A valid anti-forgery token of the auditor (from the sign-out form) on a decision: the role check refuses it.
        var token = await page.Locator("header input[name=__RequestVerificationToken]").GetAttributeAsync("value");
        var api = page.Context.APIRequest;
        var url = $"{fx.BaseUrl}/console/incidents/{incident.Id}?handler=Decide";
        var wrongRole = await api.PostAsync(url, new() { Form = Form(api, ("decision", "suspend-model"), ("rationale", "forged"), ("__RequestVerificationToken", token!)), MaxRedirects = 0 });
        Assert.Equal(403, wrongRole.Status);
        var noToken = await api.PostAsync(url, new() { Form = Form(api, ("decision", "suspend-model"), ("rationale", "forged")), MaxRedirects = 0 });
        Assert.Equal(400, noToken.Status);
        var badToken = await api.PostAsync(url, new() { Form = Form(api, ("decision", "suspend-model"), ("rationale", "forged"), ("__RequestVerificationToken", "not-a-token")), MaxRedirects = 0 });
        Assert.Equal(400, badToken.Status);
        Assert.Null((await fx.IncidentAsync("chg-protocol")).Decision);
        await fx.ScreenshotAsync(page, "incident-auditor");

        await fx.OpenAsync(page, "/console/audit");
        await Assertions.Expect(page.Locator("#as-of tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("Incident opened");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("version 3");
        await fx.ScreenshotAsync(page, "audit");

        // As of an instant before anything happened, nothing was open.
        await page.GetByLabel("State as of (UTC)").FillAsync(ConsoleFixture.DetectedAt.AddDays(-30).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.Locator("#as-of tbody tr")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnonymousVisitor_IsSentToSignIn_AndTheApiStillAnswers401()
    {
        var context = await fx.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await fx.OpenAsync(page, "/console/audit");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/signin"));
        await fx.ScreenshotAsync(page, "signin");
        var api = await context.APIRequest.GetAsync(fx.BaseUrl + "/alerts", new() { MaxRedirects = 0 });
        Assert.Equal(401, api.Status);
        await context.CloseAsync();
    }

    [Fact]
    public async Task SilenceOfAClinicalIncident_NeedsASecondPerson()
    {
        var incident = await fx.IncidentAsync("chg-firmware");
        var first = await fx.SignInAsync("safety");
        await fx.OpenAsync(first, $"/console/incidents/{incident.Id}");
        await first.GetByLabel("Reason").FillAsync("Vendor confirmed firmware fix rolling out tonight");
        await first.GetByRole(AriaRole.Button, new() { Name = "Request silence" }).ClickAsync();
        await Assertions.Expect(first.Locator("main")).ToContainTextAsync("awaiting a second person's approval");
        await first.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(); // the author may not approve
        await Assertions.Expect(first.Locator("[role=alert]")).ToContainTextAsync("author");
        await first.Context.CloseAsync();

        var second = await fx.SignInAsync("safety2");
        await fx.OpenAsync(second, $"/console/incidents/{incident.Id}");
        await second.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(second.Locator("main")).ToContainTextAsync("approved by dr-second");
        await second.Context.CloseAsync();
    }

    private static IFormData Form(IAPIRequestContext api, params (string Name, string Value)[] fields)
    {
        var data = api.CreateFormData();
        foreach (var (n, v) in fields)
        {
            data.Set(n, v);
        }

        return data;
    }
}
