using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// A change's incident lives as long as the change. Found by the end-to-end test: the root finding of the firmware change
/// recovered (its window moved past the step) before the change's other findings reached the router, the incident resolved
/// on that one recovery, and the later members were linked to a resolved incident and dropped from it.
/// </summary>
public class ChangeIncidentLifecycleTests
{
    private static readonly DateTimeOffset T0 = Findings.Epoch.AddHours(1);

    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs: [{ url: "http://h/team" }]
        """, _ => null);

    private static Alert Then(Alert alert, Outcome outcome) => AlertFold.Apply(alert, outcome.Events);

    private static Alert RaisedBy(DriftDetected finding) => AlertFold.Apply(new Alert(), AlertDecisions.Raise(Guid.NewGuid(), AlertSource.Finding,
        AlertLabels.ForFinding(finding, false, TimeSpan.FromDays(1)), finding.Summary, null, finding.Severity, false, finding, finding.DetectedAt, Config, T0));

    private static DriftResolved Resolved(string findingId) => new() { FindingId = findingId, Evidence = Findings.Evidence(), ResolvedAt = Findings.Epoch.AddHours(2) };

    [Fact]
    public void GivenAChangeIncident_WhenItsOnlyKnownFindingRecovers_ThenItStaysOpenAndTheNextMemberJoinsIt()
    {
        var root = Findings.Detected("cxr", site: "site-b", findingId: "root") with { ChangeId = "chg-a", IsRootCause = true };
        var incident = RaisedBy(root);

        var recovered = AlertDecisions.FindingRecovered(incident, Resolved("root"), T0.AddMinutes(1));
        incident = Then(incident, recovered);
        Assert.DoesNotContain(recovered.Events, e => e is AlertResolved);
        Assert.Equal(AlertStatus.Open, incident.Status);
        Assert.Contains("root", incident.RecoveredFindingIds);

        var member = Findings.Detected("cxr", site: "site-b", findingId: "member", signal: "feature:noiseLevel") with { ChangeId = "chg-a" };
        incident = Then(incident, AlertDecisions.AddOccurrence(incident, member, Config, T0.AddMinutes(2)));
        Assert.Equal(["root", "member"], incident.FindingIds);
        Assert.Equal(2, incident.Occurrences);

        // The change resolves (every member cleared): the incident with it.
        var closed = IncidentDecisions.Recovered(incident, new ChangeResolved { ChangeId = "chg-a", ResolvedAt = Findings.Epoch.AddHours(3) }, T0.AddMinutes(3));
        Assert.Equal(AlertStatus.Resolved, Then(incident, closed).Status);
    }

    [Fact]
    public void GivenAnAlertOutsideAnyChange_WhenItsOnlyFindingRecovers_ThenItResolves()
    {
        var alone = RaisedBy(Findings.Detected("cxr", site: "site-b", findingId: "alone"));

        var recovered = AlertDecisions.FindingRecovered(alone, Resolved("alone"), T0.AddMinutes(1));

        Assert.Equal(AlertStatus.Resolved, Then(alone, recovered).Status);
    }
}
