using System.Text.Json;
using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Grouping;
using Monitoring.AlertRouter.Notifications;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

public class GroupingAndMutingTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    private static NotificationGroup Group() => new()
    {
        Id = "g", Receiver = "team", GroupInterval = TimeSpan.FromMinutes(5), RepeatInterval = TimeSpan.FromHours(4), NextFlushAt = T0,
    };

    [Fact]
    public void GivenANewGroup_WhenFlushed_ThenAllFiringAlertsAreSentTogether()
    {
        var d = GroupDecisions.Flush(Group(), [new(A, false, false), new(B, false, false)], T0);

        Assert.True(d.Send);
        Assert.Equal(new[] { A, B }.Order(), d.Firing);
        Assert.Equal(T0.AddMinutes(5), d.NextFlushAt);
    }

    [Fact]
    public void GivenNothingChanged_ThenNoNotificationUntilTheRepeatInterval()
    {
        var g = Group();
        var first = GroupDecisions.Flush(g, [new(A, false, false)], T0);
        (g.LastSentHash, g.LastSentAt, g.NotifiedFiring) = (first.Hash, T0, [.. first.NotifiedFiring]);

        Assert.False(GroupDecisions.Flush(g, [new(A, false, false)], T0.AddMinutes(5)).Send);
        Assert.True(GroupDecisions.Flush(g, [new(A, false, false)], T0.AddHours(4)).Send);
        Assert.True(GroupDecisions.Flush(g, [new(A, false, false), new(B, false, false)], T0.AddMinutes(5)).Send);
    }

    [Fact]
    public void GivenNothingChanged_ThenAtMostTheBudgetedReminders_UntilTheSetChanges()
    {
        var g = Group();
        var first = GroupDecisions.Flush(g, [new(A, false, false)], T0, maxRepeats: 1);
        (g.LastSentHash, g.LastSentAt, g.NotifiedFiring, g.Repeats) = (first.Hash, T0, [.. first.NotifiedFiring], first.Repeats);
        var reminder = GroupDecisions.Flush(g, [new(A, false, false)], T0.AddHours(4), maxRepeats: 1);
        Assert.True(reminder.Send);
        (g.LastSentAt, g.Repeats) = (T0.AddHours(4), reminder.Repeats);

        Assert.False(GroupDecisions.Flush(g, [new(A, false, false)], T0.AddHours(8), maxRepeats: 1).Send);
        var changed = GroupDecisions.Flush(g, [new(A, false, false), new(B, false, false)], T0.AddHours(8), maxRepeats: 1);
        Assert.True(changed.Send);
        Assert.Equal(0, changed.Repeats);
    }

    [Fact]
    public void GivenAResolvedAlertThatWasNotified_ThenItIsReportedOnceAndLeavesTheGroup()
    {
        var g = Group();
        var first = GroupDecisions.Flush(g, [new(A, false, false), new(B, false, false)], T0);
        (g.LastSentHash, g.LastSentAt, g.NotifiedFiring) = (first.Hash, T0, [.. first.NotifiedFiring]);

        var d = GroupDecisions.Flush(g, [new(A, true, false), new(B, false, false)], T0.AddMinutes(5));

        Assert.True(d.Send);
        Assert.Equal([A], d.Resolved);
        Assert.Equal([B], d.Remaining);
    }

    [Fact]
    public void GivenAResolvedAlertNeverNotified_ThenNothingIsSent()
    {
        var d = GroupDecisions.Flush(Group(), [new(A, true, false)], T0);

        Assert.False(d.Send);
        Assert.Empty(d.Remaining);
    }

    [Fact]
    public void GivenAMutedAlert_ThenItIsLeftOutOfTheNotification()
    {
        var d = GroupDecisions.Flush(Group(), [new(A, false, true), new(B, false, false)], T0);

        Assert.Equal([B], d.Firing);
        Assert.False(GroupDecisions.Flush(Group(), [new(A, false, true)], T0).Send);
    }

    private static Alert Alert(bool clinical, string site = "hospital-a", AlertSource source = AlertSource.Finding, string? condition = null) => new()
    {
        Id = Guid.NewGuid(),
        ClinicalSafety = clinical,
        Status = AlertStatus.Open,
        Labels = new Dictionary<string, string>
        {
            ["source"] = source == AlertSource.Finding ? "finding" : "health",
            ["site"] = site,
            ["clinical_safety"] = clinical ? "true" : "false",
            ["condition"] = condition ?? "",
        },
    };

    private static Silence Silence(string matcher, string? approvedBy = null, DateTimeOffset? end = null) => new()
    {
        Id = Guid.NewGuid(), Matchers = [matcher], StartsAt = T0, EndsAt = end ?? T0.AddHours(2), Author = "alice", Reason = "maintenance", ApprovedBy = approvedBy,
    };

    [Fact]
    public void GivenAnActiveSilence_ThenItMutesMatchingAlertsUntilItEnds()
    {
        var alert = Alert(clinical: false);
        var silence = Silence("site=\"hospital-a\"");

        Assert.Equal(silence.Id, Muting.Evaluate(alert, [silence], [], [], T0.AddMinutes(1))!.SilenceId);
        Assert.Null(Muting.Evaluate(alert, [silence], [], [], T0.AddHours(2)));
        Assert.Null(Muting.Evaluate(Alert(false, "hospital-b"), [silence], [], [], T0.AddMinutes(1)));
    }

    [Fact]
    public void GivenAClinicalSafetyAlert_ThenOnlyAnApprovedSilenceMutesIt()
    {
        var alert = Alert(clinical: true);

        Assert.Null(Muting.Evaluate(alert, [Silence("site=\"hospital-a\"")], [], [], T0.AddMinutes(1)));
        Assert.NotNull(Muting.Evaluate(alert, [Silence("site=\"hospital-a\"", approvedBy: "bob")], [], [], T0.AddMinutes(1)));
    }

    [Fact]
    public void ASilenceCannotBeApprovedByItsAuthorNorTwice()
    {
        var silence = Silence("site=\"hospital-a\"");

        Assert.NotNull(SilenceDecisions.Approve(silence, "alice", T0).Error);
        Assert.Null(SilenceDecisions.Approve(silence, "bob", T0).Error);
        silence.ApprovedBy = "bob";
        Assert.NotNull(SilenceDecisions.Approve(silence, "carol", T0).Error);
    }

    [Theory]
    [InlineData(null, "at least one matcher", "matchers")]
    [InlineData("site~hospital", "is not a matcher", "matchers")]
    public void InvalidSilencesNameTheField(string? matcher, string reason, string field)
    {
        var outcome = SilenceDecisions.Create(Guid.NewGuid(), matcher is null ? [] : [matcher], null, T0.AddHours(1), "x", "alice", TimeSpan.FromDays(1), T0);

        Assert.Equal(field, outcome.Error!.Field);
        Assert.Contains(reason, outcome.Error.Reason, StringComparison.Ordinal);
        Assert.Equal("endsAt", SilenceDecisions.Create(Guid.NewGuid(), ["a=\"b\""], null, T0.AddDays(2), "x", "alice", TimeSpan.FromDays(1), T0).Error!.Field);
        Assert.Equal("reason", SilenceDecisions.Create(Guid.NewGuid(), ["a=\"b\""], null, T0.AddHours(1), "", "alice", TimeSpan.FromDays(1), T0).Error!.Field);
    }

    [Fact]
    public void GivenASiteWideIngestOutage_ThenThatSitesDriftAlertsAreInhibitedButNotClinicalSafetyOnes()
    {
        var rule = new InhibitRule([Matcher.TryParse("condition=\"ingest-stopped\"", out _)!], [Matcher.TryParse("source=\"finding\"", out _)!], ["site"]);
        var outage = Alert(false, "hospital-a", AlertSource.Health, "ingest-stopped");
        var driftA = Alert(false, "hospital-a");
        var driftB = Alert(false, "hospital-b");
        var clinicalA = Alert(true, "hospital-a");

        Assert.Equal(outage.Id, Muting.Evaluate(driftA, [], [outage, driftA, driftB], [rule], T0)!.InhibitedBy);
        Assert.Null(Muting.Evaluate(driftB, [], [outage, driftA, driftB], [rule], T0));
        Assert.Null(Muting.Evaluate(clinicalA, [], [outage, clinicalA], [rule], T0));
        outage.Status = AlertStatus.Resolved;
        Assert.Null(Muting.Evaluate(driftA, [], [outage, driftA], [rule], T0));
    }

    [Fact]
    public void TheWebhookPayloadHasAlertmanagerVersion4Shape()
    {
        var alert = Alert(false);
        alert.Summary = "shift";
        alert.Fingerprint = "abc";
        alert.RaisedAt = T0;
        alert.Evidence = Findings.Evidence(currentSize: 7);
        var payload = Payloads.Alertmanager("team", "g", new Dictionary<string, string> { ["site"] = "hospital-a" }, [alert], new HashSet<Guid>(), "http://x", 11, null);

        var json = JsonSerializer.SerializeToElement(payload);
        Assert.Equal("4", json.GetProperty("version").GetString());
        Assert.Equal("firing", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("truncatedAlerts").GetInt32());
        foreach (var p in new[] { "receiver", "groupKey", "groupLabels", "commonLabels", "commonAnnotations", "externalURL" })
        {
            Assert.True(json.TryGetProperty(p, out _), p);
        }

        var a = json.GetProperty("alerts")[0];
        foreach (var p in new[] { "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint" })
        {
            Assert.True(a.TryGetProperty(p, out _), p);
        }

        Assert.Equal($"http://x/console/incidents/{alert.Id}", a.GetProperty("generatorURL").GetString());
        var evidence = a.GetProperty("annotations").GetProperty("evidence").GetString()!;
        Assert.Contains("n=<11", evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("n=7", evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Severity.Critical, "critical")]
    [InlineData(Severity.Error, "error")]
    [InlineData(Severity.Warning, "warning")]
    [InlineData(Severity.Info, "info")]
    public void PagerDutySeverityMapsOneToOne(Severity severity, string expected)
    {
        var alert = Alert(false);
        alert.Severity = severity;
        alert.Summary = "s";

        var json = JsonSerializer.SerializeToElement(Payloads.PagerDuty("key", "trigger", alert, "http://x", 11, null));

        Assert.Equal(expected, json.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Equal(alert.Id.ToString(), json.GetProperty("dedup_key").GetString());
        Assert.Equal("trigger", json.GetProperty("event_action").GetString());
    }
}
