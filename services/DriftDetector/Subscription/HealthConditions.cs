using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Subscription;

/// <summary>
/// The health conditions the DriftDetector publishes, as the messages it sends (its <c>LagMonitor</c> decides when). Pure and
/// dependent on the contracts only: the AlertRouter's tests of the shipped inhibit rules compile this file in, so they match
/// what this service really emits (condition names, service, severities) instead of names invented for the test.
/// </summary>
public static class HealthConditions
{
    /// <summary>The <c>service</c> of every condition this service publishes.</summary>
    public const string Service = "drift-detector";

    /// <summary>The subscription lags the Ingest store by more than the configured bound.</summary>
    public const string DetectorLag = "detector-lag";

    /// <summary>The subscription (or the finding publisher) is down.</summary>
    public const string SubscriptionStopped = "subscription-stopped";

    /// <summary>A policy file was refused.</summary>
    public const string PolicyInvalid = "policy-invalid";

    /// <summary>
    /// <c>subscription-stopped</c>: critical (pages a person) when a data error stopped it for good, a warning while it is
    /// restarted with backoff; resolves when it runs again.
    /// </summary>
    public static HealthConditionChanged SubscriptionStoppedChanged(string? problem, bool needsPerson, DateTimeOffset now) => new()
    {
        Condition = SubscriptionStopped, Service = Service, Firing = problem is not null, Severity = needsPerson ? Severity.Critical : Severity.Warning,
        Description = problem is not null
            ? $"The DriftDetector's subscription stopped: {problem}" + (needsPerson ? " (a data error: it is not restarted automatically)" : " (restarting automatically with backoff)")
            : "The DriftDetector's subscription runs again.",
        ObservedAt = now,
    };

    /// <summary><c>policy-invalid</c>: a warning while the deployments keep a recorded policy, critical when one is unmonitored.</summary>
    public static HealthConditionChanged PolicyInvalidChanged(string invalid, bool anyUnmonitored, DateTimeOffset now) => new()
    {
        Condition = PolicyInvalid, Service = Service, Firing = invalid.Length > 0, Severity = anyUnmonitored ? Severity.Critical : Severity.Warning,
        Description = invalid.Length > 0
            ? $"Policy file(s) refused ({(anyUnmonitored ? "a deployment without a recorded policy is NOT monitored" : "their deployments keep their last recorded policy")}): {invalid}"
            : "Every policy file is valid again.",
        ObservedAt = now,
    };

    /// <summary><c>detector-lag</c>: always a warning (detection is late, not wrong).</summary>
    public static HealthConditionChanged DetectorLagChanged(bool lagging, long lag, long bound, DateTimeOffset now) => new()
    {
        Condition = DetectorLag, Service = Service, Firing = lagging, Severity = Severity.Warning,
        Description = lagging ? $"The DriftDetector is {lag} events behind the Ingest store (bound {bound})." : $"The DriftDetector caught up ({lag} events behind).",
        ObservedAt = now,
    };
}
