using System.Net;
using System.Net.Http.Json;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Integration;

public sealed class EscalationFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_escalation", Yaml.Escalation(Listener));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

public class EscalationTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    private RouterHost Host => fixture.Host;

    private int PagesAt(string path, Guid alertId) =>
        fixture.Listener.At(path).Count(r => r.Body.Contains(alertId.ToString(), StringComparison.Ordinal));

    private async Task<Alert> RaiseAsync(string model, Severity severity = Severity.Warning, FindingKind kind = FindingKind.DistributionShift)
    {
        var finding = Findings.Detected(model, severity: severity, kind: kind);
        await Host.PublishAsync(finding);
        var alert = await Host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
        await Eventually.HoldsAsync(() => Task.FromResult(PagesAt("/level1", alert.Id) == 1), TimeSpan.FromSeconds(30), "level 1 is paged at once");
        return alert;
    }

    [Fact]
    public async Task GivenOpenAlert_WhenNotAcknowledgedInTime_ThenEscalatesToTheNextLevelOnce()
    {
        var alert = await RaiseAsync("esc-timeout");
        await Host.AdvanceAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(0, PagesAt("/level2", alert.Id));

        await Host.AdvanceAsync(TimeSpan.FromMinutes(1));

        await Eventually.HoldsAsync(() => Task.FromResult(PagesAt("/level2", alert.Id) == 1), TimeSpan.FromSeconds(30), "level 2 is paged");
        var escalations = (await Host.EventsAsync(alert.Id)).OfType<AlertEscalated>().ToList();
        Assert.Equal([(1, EscalationReason.Initial), (2, EscalationReason.NotAcknowledged)], escalations.Select(e => (e.Level, e.Reason)));
        var payload = fixture.Listener.At("/level2").Single(r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal)).Json;
        Assert.Equal("2", payload.GetProperty("alerts")[0].GetProperty("annotations").GetProperty("escalation_level").GetString());
    }

    [Fact]
    public async Task GivenAcknowledgedAlert_WhenTheTimeoutPasses_ThenItDoesNotEscalate()
    {
        var alert = await RaiseAsync("esc-acked");
        var response = await Host.Client("oncall").PostAsJsonAsync($"/alerts/{alert.Id}/acknowledge", new { note = "looking" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Host.AdvanceAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(0, PagesAt("/level2", alert.Id));
        var events = await Host.EventsAsync(alert.Id);
        Assert.Single(events.OfType<AlertEscalated>());
        Assert.Equal("test-oncall", events.OfType<AlertAcknowledged>().Single().By);
    }

    [Fact]
    public async Task GivenClinicalAlertAcknowledgedWithoutDecision_WhenTheDecisionDeadlinePasses_ThenItEscalatesForTheDecision()
    {
        var alert = await RaiseAsync("esc-decision", Severity.Critical, FindingKind.PerformanceDecay);
        Assert.True(alert.ClinicalSafety);
        Assert.Equal(HttpStatusCode.OK, (await Host.Client("oncall").PostAsJsonAsync($"/alerts/{alert.Id}/acknowledge", new { })).StatusCode);

        await Host.AdvanceAsync(TimeSpan.FromMinutes(59));
        Assert.Equal(0, PagesAt("/level2", alert.Id));
        await Host.AdvanceAsync(TimeSpan.FromMinutes(1));

        await Eventually.HoldsAsync(() => Task.FromResult(PagesAt("/level2", alert.Id) == 1), TimeSpan.FromSeconds(30), "level 2 is paged for the missing decision");
        var escalated = (await Host.EventsAsync(alert.Id)).OfType<AlertEscalated>().Last();
        Assert.Equal((2, EscalationReason.DecisionOverdue), (escalated.Level, escalated.Reason));

        var decision = await Host.Client("safety").PostAsJsonAsync($"/alerts/{alert.Id}/decision",
            new { decision = "restrict-to-site-or-subgroup", rationale = "sensitivity 0.71 < 0.80 floor at hospital-a", site = "hospital-a" });
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        await Host.AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Equal(0, PagesAt("/level3", alert.Id));
        var recorded = (await Host.EventsAsync(alert.Id)).OfType<OversightDecisionRecorded>().Single();
        Assert.Equal(("test-safety", OversightDecision.RestrictToSiteOrSubgroup, "hospital-a"), (recorded.By, recorded.Decision, recorded.RestrictToSite));
    }
}

public sealed class RestartFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_restart", Yaml.Escalation(Listener));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

public class RestartTests(RestartFixture fixture) : IClassFixture<RestartFixture>
{
    [Fact]
    public async Task GivenAPendingEscalation_WhenTheProcessRestartsAfterItsDueTime_ThenItFiresExactlyOnce()
    {
        var host = fixture.Host;
        var finding = Findings.Detected("restart");
        await host.PublishAsync(finding);
        var alert = await host.AlertAsync(a => a.FindingIds.Contains(finding.FindingId), "the alert is raised");
        await Eventually.HoldsAsync(async () => (await host.EventsAsync(alert.Id)).OfType<NotificationSent>().Any(n => n.Level == 1),
            TimeSpan.FromSeconds(30), "level 1 was paged before the restart");

        await host.RestartAsync(whileStopped: () => host.Clock.Advance(TimeSpan.FromMinutes(15)));
        await Eventually.HoldsAsync(() => Task.FromResult(fixture.Listener.At("/level2").Any(r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the escalation fired after the restart");
        await host.WaitTicksAsync(10);
        await host.RestartAsync();
        await host.WaitTicksAsync(10);

        var events = await host.EventsAsync(alert.Id);
        Assert.Single(events.OfType<AlertEscalated>(), e => e.Level == 2);
        // The listener is shared by every test of the class: count only this alert's deliveries.
        Assert.Single(fixture.Listener.At("/level2"), r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal));
        Assert.Single(fixture.Listener.At("/level1"), r => r.Body.Contains(alert.Id.ToString(), StringComparison.Ordinal));
        Assert.Single(events.OfType<NotificationSent>(), n => n.Level == 2);
    }
}
