using System.Reflection;
using System.Runtime.ExceptionServices;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// One deployment's runtime driven row by row: the lifecycle decider is pure (state + evaluated rows + window → stored
/// events), so its tests hand it the rows a window evaluation would produce instead of replaying thousands of inferences to
/// reach one (those long-stream tests stay, but are too slow to run once per mutant).
/// </summary>
internal sealed class DecisionHarness
{
    public const string Deployment = "cxr-triage@2.3.1";
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // Decide is the private step every window evaluation ends with; reflection keeps the production surface as it is.
    private static readonly MethodInfo DecideMethod =
        typeof(DeploymentRuntime).GetMethod("Decide", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingMethodException(nameof(DeploymentRuntime), "Decide");

    public DecisionHarness(Action<MonitoringPolicy>? change = null)
    {
        var loaded = CoreHarness.LoadTestPolicy("policies/hysteresis-policy.yaml");
        change?.Invoke(loaded.Policy);
        var version = new PolicyVersion(Deployment, 1, 0, loaded.Policy, loaded.Profile, loaded.Hash);
        Runtime = DeploymentRuntime.Start(Deployment, version, null, Emitted, 0);
    }

    public List<object> Emitted { get; } = [];
    public DeploymentRuntime Runtime { get; }
    public DeploymentState State => Runtime.State;

    /// <summary>Window <paramref name="i"/>: sequences 100·i+1 … 100·i+100, an hour of event time.</summary>
    public static WindowBounds Window(int i) => new(100L * i + 1, 100L * i + 100, T0.AddHours(i), T0.AddHours(i + 1));

    /// <summary>Decides <paramref name="rows"/> for window <paramref name="i"/> (last sequence) and returns what it emitted.</summary>
    public List<object> Decide(int i, IEnumerable<Row> rows, bool recordStatus = true, double? alpha = null) =>
        Decide(Window(i), 100L * i + 100, rows, recordStatus, alpha);

    public List<object> Decide(WindowBounds window, long sequence, IEnumerable<Row> rows, bool recordStatus = true, double? alpha = null)
    {
        var before = Emitted.Count;
        try
        {
            DecideMethod.Invoke(Runtime, [rows.ToList(), window, sequence, recordStatus, alpha]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }

        return Emitted.Skip(before).ToList();
    }

    public static string Key(Row r) => $"{r.Kind}|{r.Signal}|{r.Method}|{r.Scope}";
}
