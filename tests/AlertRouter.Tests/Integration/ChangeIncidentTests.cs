using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Monitoring.AlertRouter.Console.ReadModels;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Integration;

public sealed class ChangeIncidentFixture : IAsyncLifetime
{
    public WebhookListener Listener { get; private set; } = null!;
    public RouterHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Listener = await WebhookListener.StartAsync();
        Host = await RouterHost.StartAsync("ar_change", Yaml.Escalation(Listener));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

/// <summary>The change consumers against the real RabbitMQ and PostgreSQL: one incident and one page per change.</summary>
public class ChangeIncidentTests(ChangeIncidentFixture fixture) : IClassFixture<ChangeIncidentFixture>
{
    private RouterHost Host => fixture.Host;

    private int Pages(Guid alertId) =>
        fixture.Listener.Received.Count(r => r.Path.StartsWith("/level", StringComparison.Ordinal) && r.Body.Contains(alertId.ToString(), StringComparison.Ordinal));

    [Fact]
    public async Task GivenAChangeItsFindingsUpdatesAndRedeliveries_ThenOneIncidentPagedOnce()
    {
        var change = Findings.Change("it-chg-1", model: "change-once");
        await Host.PublishAsync(change);
        await Host.PublishAsync(change); // redelivery
        foreach (var member in change.Members)
        {
            await Host.PublishAsync(Findings.Detected("change-once", site: "site-b", findingId: member.FindingId, signal: member.Signal) with { ChangeId = "it-chg-1", IsRootCause = member == change.Members[0] });
        }

        await Host.PublishAsync(new ChangeUpdated
        {
            ChangeId = "it-chg-1", Severity = Severity.Error, Summary = change.Summary, AffectedEvents = 3100, UpdatedAt = change.DetectedAt.AddHours(1),
            Members = [.. change.Members, new ChangeMember("it-chg-1-late", FindingKind.DistributionShift, "feature:kvp", new Dictionary<string, string>(), Severity.Info)],
        });
        var incident = await Host.AlertAsync(a => a.ChangeId == "it-chg-1" && a.Members.Count == 4 && a.MemberEvidence.Count == 3, "the change's findings and update joined one incident");
        await Eventually.HoldsAsync(() => Task.FromResult(Pages(incident.Id) == 1), TimeSpan.FromSeconds(30), "level 1 is paged once");
        await Host.WaitTicksAsync();

        await using var session = Host.Store.QuerySession();
        Assert.Single(await session.Query<Alert>().Where(a => a.Model!.Id == "change-once").ToListAsync());
        Assert.Equal(1, Pages(incident.Id));
        Assert.Equal(3100, incident.AffectedEvents);
        Assert.Single((await Host.EventsAsync(incident.Id)).OfType<AlertEscalated>());
    }

    [Fact]
    public async Task GivenTwoIndependentChangesInOneDeployment_ThenTwoIncidents_AndAResolvedChangeClosesItsOwn()
    {
        await Host.PublishAsync(Findings.Change("it-chg-a", model: "two-changes"));
        await Host.PublishAsync(Findings.Change("it-chg-b", model: "two-changes", signal: "study:ViewPosition"));
        var a = await Host.AlertAsync(x => x.ChangeId == "it-chg-a", "change a opened");
        var b = await Host.AlertAsync(x => x.ChangeId == "it-chg-b", "change b opened");
        Assert.NotEqual(a.Id, b.Id);

        await Host.PublishAsync(new ChangeResolved { ChangeId = "it-chg-a", ResolvedAt = Findings.Epoch.AddDays(1) });
        await Host.AlertAsync(x => x.Id == a.Id && x.Status == AlertStatus.Resolved, "change a resolved its incident");
        await using var session = Host.Store.QuerySession();
        Assert.Equal(AlertStatus.Open, (await session.LoadAsync<Alert>(b.Id))!.Status);
    }

    [Fact]
    public async Task GivenAChangeUpdateAndResolutionBeforeTheChange_WhenTheChangeArrives_ThenItsIncidentTakesThemAndResolves()
    {
        var change = Findings.Change("it-chg-early", model: "change-early");
        await Host.PublishAsync(new ChangeUpdated
        {
            ChangeId = change.ChangeId, Severity = Severity.Warning, Summary = change.Summary, AffectedEvents = 4200, UpdatedAt = change.DetectedAt.AddHours(1),
            Members = change.Members,
        });
        await Host.PublishAsync(new ChangeResolved { ChangeId = change.ChangeId, ResolvedAt = change.DetectedAt.AddDays(1) });
        await Eventually.HoldsAsync(async () =>
        {
            await using var s = Host.Store.QuerySession();
            return await s.Query<Monitoring.AlertRouter.Intake.EarlyMessage>().CountAsync(m => m.Key == "change:it-chg-early") == 2;
        }, TimeSpan.FromSeconds(30), "the change's early messages are parked");

        await Host.PublishAsync(change);
        var incident = await Host.AlertAsync(a => a.ChangeId == change.ChangeId && a.Status == AlertStatus.Resolved, "the parked resolution closed the incident");
        Assert.Equal(4200, incident.AffectedEvents);
        // Each parked message is deleted right after it was applied, in its own commit: the resolution can be visible a moment
        // before the delete of the message that carried it.
        await Eventually.HoldsAsync(async () =>
        {
            await using var s = Host.Store.QuerySession();
            return await s.Query<Monitoring.AlertRouter.Intake.EarlyMessage>().CountAsync(m => m.Key == "change:it-chg-early") == 0;
        }, TimeSpan.FromSeconds(30), "the applied early messages are deleted");
    }

    [Fact]
    public async Task GivenAChangeUpdateForAnUnknownChange_ThenItIsDeadLetteredWithTheReason()
    {
        await Host.PublishAsync(new ChangeUpdated { ChangeId = "", Severity = Severity.Info, Summary = "x", Members = [], UpdatedAt = Findings.Epoch });
        await Eventually.HoldsAsync(async () => await TestInfrastructure.QueueMessageCountAsync(Host.VirtualHost, "alert-router_error") >= 1,
            TimeSpan.FromSeconds(30), "the invalid ChangeUpdated went to the error queue");
    }

    [Fact]
    public async Task GivenAnIncidentActedOn_ThenItsInboxRowAndAuditEntriesAreWrittenWithItsEvents_AndFoldToTheSameState()
    {
        await Host.PublishAsync(Findings.Change("it-chg-rm", model: "read-models", severity: Severity.Error, kind: FindingKind.PerformanceDecay));
        var opened = await Host.AlertAsync(a => a.ChangeId == "it-chg-rm", "the change opened its incident");
        var safety = Host.Client("safety");
        Assert.Equal(HttpStatusCode.OK, (await safety.PostAsJsonAsync($"/alerts/{opened.Id}/acknowledge", new { note = "looking" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await safety.PostAsJsonAsync($"/alerts/{opened.Id}/decision",
            new { decision = "continue-with-closer-monitoring", rationale = "effect within tolerance" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await safety.PostAsJsonAsync($"/alerts/{opened.Id}/resolve", new { note = "firmware rolled back" })).StatusCode);

        // Read back right after the last action: the read models are written in the same transaction as the events.
        await using var session = Host.Store.QuerySession();
        var alert = (await session.LoadAsync<Alert>(opened.Id))!;
        var row = (await session.LoadAsync<IncidentRow>(opened.Id))!;
        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(JsonSerializer.Serialize(IncidentRow.From(alert)), JsonSerializer.Serialize(row));
        Assert.False(row.Open);
        Assert.Equal("read-models@2.3.1", row.Deployment);

        var stream = await session.Events.FetchStreamAsync(opened.Id);
        var entries = await session.Query<AuditEntry>().Where(e => e.IncidentId == opened.Id).ToListAsync();
        var audited = stream.Where(e => e.Data is not NotificationSent and not NotificationFailed).ToList();
        Assert.Equal(audited.Select(e => e.Id).Order(), entries.Select(e => e.Id).Order());
        Assert.All(entries, e => Assert.Equal("read-models@2.3.1", e.Deployment));
        foreach (var e in audited)
        {
            var entry = entries.Single(x => x.Id == e.Id);
            Assert.Equal(e.Timestamp, entry.At); // the instant the audit view compares with is the stored event's
            Assert.Equal(e.Version, entry.Order);

            // As of this event: the compact fold of the entries agrees with the incident folded from the raw events.
            var expected = AlertFold.Apply(new Alert(), stream.Where(x => x.Version <= e.Version).Select(x => x.Data));
            var asOf = AuditFold.StateOf(entries.Where(x => x.Order <= e.Version))!;
            Assert.Equal((expected.Status, expected.AcknowledgedBy, expected.Decision?.Decision, expected.AwaitingDecision, expected.Summary, expected.RaisedAt),
                (asOf.Status, asOf.AcknowledgedBy, asOf.Decision, asOf.AwaitingDecision, asOf.Summary, asOf.RaisedAt));
        }

        var decided = Assert.Single(entries, e => e.Fact == AuditFact.Decided);
        Assert.Equal(alert.Decision!.By, decided.Who);
    }

    [Fact]
    public async Task GivenIncidentsStoredBeforeTheReadModels_WhenTheRouterStarts_ThenTheirRowsAndAuditEntriesAreWritten()
    {
        await Host.PublishAsync(Findings.Change("it-chg-backfill", model: "backfill"));
        var incident = await Host.AlertAsync(a => a.ChangeId == "it-chg-backfill", "the change opened its incident");
        int entries;
        await using (var session = Host.Store.LightweightSession())
        {
            entries = await session.Query<AuditEntry>().CountAsync(e => e.IncidentId == incident.Id);
            Assert.True(entries > 0);
        }

        // As an upgraded store holds them: the incident and its events, no read models.
        await Host.RestartAsync(() =>
        {
            using var conn = new Npgsql.NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
            conn.Open();
            using var cmd = new Npgsql.NpgsqlCommand($"delete from \"{Host.Schema}\".mt_doc_incidentrow; delete from \"{Host.Schema}\".mt_doc_auditentry;", conn);
            cmd.ExecuteNonQuery();
        });

        await using var after = Host.Store.QuerySession();
        var alert = (await after.LoadAsync<Alert>(incident.Id))!;
        Assert.Equal(JsonSerializer.Serialize(IncidentRow.From(alert)), JsonSerializer.Serialize(await after.LoadAsync<IncidentRow>(incident.Id)));
        Assert.Equal(entries, await after.Query<AuditEntry>().CountAsync(e => e.IncidentId == incident.Id));
    }

    [Fact]
    public async Task GivenFiftyFiveOpenIncidentsOfAModel_WhenTheInboxIsPaged_ThenSqlOrdersFiltersAndCountsThem()
    {
        for (var n = 0; n < 55; n++)
        {
            await Host.PublishAsync(Findings.Change($"it-chg-page-{n:00}", model: "inbox-paging", site: n % 5 == 0 ? "site-p" : "site-q",
                severity: n == 54 ? Severity.Critical : Severity.Warning));
        }

        await Eventually.HoldsAsync(async () =>
        {
            await using var q = Host.Store.QuerySession();
            return await q.Query<IncidentRow>().CountAsync(r => r.Model == "inbox-paging") == 55;
        }, TimeSpan.FromSeconds(60), "55 incidents opened");
        var client = Host.Client("safety");

        var first = await client.GetStringAsync("/console?model=inbox-paging");
        var second = await client.GetStringAsync("/console?model=inbox-paging&p=2");
        var beyond = await client.GetStringAsync("/console?model=inbox-paging&p=9");
        var site = await client.GetStringAsync("/console?model=inbox-paging&site=site-p");

        Assert.Contains("(55)", first, StringComparison.Ordinal);
        Assert.Equal(50, Rows(first));
        Assert.Equal(5, Rows(second));
        Assert.Contains("Page 2 of 2", second, StringComparison.Ordinal);
        Assert.Contains("Page 2 of 2", beyond, StringComparison.Ordinal); // past the end: the last page
        Assert.Equal(5, Rows(beyond));
        Assert.Equal(11, Rows(site));
        Assert.Contains("(11)", site, StringComparison.Ordinal);
        // Most severe first: the one critical incident heads page 1 although it was opened last.
        var firstRow = first[first.IndexOf("<tbody>", StringComparison.Ordinal)..];
        Assert.Contains("sev-critical", firstRow[..firstRow.IndexOf("</tr>", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    private static int Rows(string html)
    {
        var body = html[html.IndexOf("<tbody>", StringComparison.Ordinal)..html.IndexOf("</tbody>", StringComparison.Ordinal)];
        return System.Text.RegularExpressions.Regex.Count(body, "<tr>");
    }
}
