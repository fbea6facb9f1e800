using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Infrastructure;
using Monitoring.AlertRouter.Intake;
using Monitoring.AlertRouter.Routing;
using Monitoring.AlertRouter.Suppression;
using Monitoring.Contracts;
using DetectorHealth = Monitoring.DriftDetector.Subscription.HealthConditions;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// Every inhibit rule of every shipped routing file (deploy/alerting/*.yaml; routing.example.yaml is also the Kubernetes
/// ConfigMap) can fire: it mutes an alert the services really raise, because of another alert they really raise. The
/// alerts are not written by hand: the health conditions are the DriftDetector's own messages (its
/// <c>HealthConditions</c>, which its LagMonitor publishes), in every severity it publishes them with, raised through the
/// AlertRouter's intake code (labels, clinical-safety rule) — so a rule naming a condition nobody publishes, a label a
/// condition never carries, or a target that is clinical-safety (never inhibited) fails here.
/// </summary>
public sealed class ShippedInhibitRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static string RoutingDir => Path.Combine(AppContext.BaseDirectory, "routing");

    public static TheoryData<string> ShippedFiles()
    {
        var files = Directory.GetFiles(RoutingDir, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        // The catalogue must not shrink silently: both files the project ships are among them.
        Assert.Contains("routing.example.yaml", files);
        Assert.Contains("demo-routing.yaml", files);
        return new TheoryData<string>(files!);
    }

    /// <summary>Every health condition the DriftDetector publishes while it fires, in each severity it can carry.</summary>
    private static IEnumerable<HealthConditionChanged> PublishedConditions() =>
    [
        DetectorHealth.DetectorLagChanged(lagging: true, lag: 250_000, bound: 100_000, T0),
        DetectorHealth.SubscriptionStoppedChanged("the Ingest subscription is Paused: 22P02", needsPerson: true, T0),
        DetectorHealth.SubscriptionStoppedChanged("the subscription is not running (start failed: connection refused)", needsPerson: false, T0),
        DetectorHealth.PolicyInvalidChanged("cxr.yaml: thresholds.alpha: must lie in (0, 1)", anyUnmonitored: true, T0),
        DetectorHealth.PolicyInvalidChanged("cxr.yaml: thresholds.alpha: must lie in (0, 1)", anyUnmonitored: false, T0),
    ];

    private static RoutingConfig Load(string file) =>
        RoutingConfigParser.Parse(File.ReadAllText(Path.Combine(RoutingDir, file)), n => RoutingConfigParserTests.ProductionSecrets.GetValueOrDefault(n));

    private static Alert Raise(HealthConditionChanged condition, RoutingConfig config) =>
        AlertFold.Apply(new Alert(), AlertIntake.RaiseHealth(Guid.NewGuid(), condition, config, T0));

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void GivenAShippedRoutingFile_ThenEachInhibitRuleMutesAnAlertTheServicesRaiseBecauseOfAnotherTheyRaise(string file)
    {
        var config = Load(file);
        var alerts = PublishedConditions().Select(c => Raise(c, config)).ToList();

        foreach (var (rule, index) in config.InhibitRules.Select((r, i) => (r, i)))
        {
            var fires = alerts.SelectMany(target => alerts.Select(source => (source, target)))
                .Where(p => p.source.Id != p.target.Id)
                .Where(p => Muting.Evaluate(p.target, [], [p.source, p.target], [rule], T0)?.InhibitedBy == p.source.Id)
                .Select(p => $"{p.source.Labels["condition"]}/{p.source.SeverityName} mutes {p.target.Labels["condition"]}/{p.target.SeverityName}")
                .ToList();
            Assert.True(fires.Count > 0,
                $"{file}: inhibit rule {index} ({string.Join(",", rule.SourceMatchers)} → {string.Join(",", rule.TargetMatchers)}, equal {string.Join(",", rule.Equal)}) "
                + $"can never fire on what the services publish ({string.Join("; ", alerts.Select(a => string.Join(",", a.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))))})");
        }
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void GivenTheDetectorsSubscriptionStopped_WhenItsLagFiresToo_ThenTheLagIsInhibitedUntilTheSubscriptionRunsAgain(string file)
    {
        var config = Load(file);
        // A data error pauses the subscription (critical: a person is paged); events keep arriving, so the lag warning follows.
        var stopped = Raise(DetectorHealth.SubscriptionStoppedChanged("the Ingest subscription is Paused: 22P02", needsPerson: true, T0), config);
        var lag = Raise(DetectorHealth.DetectorLagChanged(lagging: true, lag: 250_000, bound: 100_000, T0), config);

        Assert.False(lag.ClinicalSafety);
        Assert.Equal(stopped.Id, Muting.Evaluate(lag, [], [stopped, lag], config.InhibitRules, T0)?.InhibitedBy);
        // The cause is never muted by its consequence.
        Assert.Null(Muting.Evaluate(stopped, [], [stopped, lag], config.InhibitRules, T0));

        stopped.Status = AlertStatus.Resolved;
        Assert.Null(Muting.Evaluate(lag, [], [stopped, lag], config.InhibitRules, T0));
    }
}
