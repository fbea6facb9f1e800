using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>Runs the pure detector in memory, joining labels to inferences exactly as the store lookup does (earlier sequence only).</summary>
internal sealed class CoreHarness
{
    private readonly Dictionary<string, JoinedInference> inferences = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> inferenceIndexBySequence = [];
    private int inferenceCount;

    public CoreHarness(PolicyHistory? policies = null, DetectorState? state = null)
    {
        Policies = policies ?? TestPolicy();
        Detector = new Detector(Policies, state ?? new DetectorState());
        Sequence = Detector.State.LastSequence;
    }

    public PolicyHistory Policies { get; }

    /// <summary>Join labels to the slim copy the runner keeps in memory (<see cref="InferenceJoin.Slim"/>) instead of the full inference.</summary>
    public bool SlimJoin { get; init; }
    public Detector Detector { get; private set; }
    public long Sequence { get; private set; }
    public List<object> Emitted { get; } = [];

    public static LoadedPolicy LoadTestPolicy(string file = "policies/test-policy.yaml") =>
        PolicyLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, file)), file);

    public static PolicyHistory TestPolicy(Action<MonitoringPolicy>? change = null, string file = "policies/test-policy.yaml")
    {
        var loaded = LoadTestPolicy(file);
        change?.Invoke(loaded.Policy);
        return new PolicyHistory([new PolicyVersion(loaded.Policy.Deployment.Key, 1, 0, loaded.Policy, loaded.Profile, loaded.Hash)]);
    }

    /// <summary>Feeds events with consecutive sequences (or the given ones).</summary>
    public CoreHarness Feed(IEnumerable<SyntheticEvent> events)
    {
        foreach (var e in events) Apply(++Sequence, e.Data);
        return this;
    }

    public void Apply(long sequence, object data)
    {
        Sequence = sequence;
        switch (data)
        {
            case InferenceRecorded i:
                inferences.TryAdd(i.InferenceId, new JoinedInference(sequence, SlimJoin ? InferenceJoin.Slim(i) : i));
                inferenceIndexBySequence[sequence] = inferenceCount++;
                Detector.Inference(sequence, i);
                break;
            case GroundTruthRecorded g:
                Detector.GroundTruth(sequence, g, inferences.TryGetValue(g.InferenceId, out var j) && j.Sequence < sequence ? j : null);
                break;
            case ReaderFeedbackRecorded f:
                Detector.ReaderFeedback(sequence, f, inferences.TryGetValue(f.InferenceId, out var k) && k.Sequence < sequence ? k : null);
                break;
        }

        Emitted.AddRange(Detector.TakeEmitted());
    }

    /// <summary>Inference index (0-based) of the event at <paramref name="sequence"/>, or of the latest inference before it.</summary>
    public int InferenceIndexAt(long sequence)
    {
        for (var s = sequence; s > 0; s--)
        {
            if (inferenceIndexBySequence.TryGetValue(s, out var i)) return i;
        }

        return 0;
    }

    public IEnumerable<FindingOpened> Opened => Emitted.OfType<FindingOpened>();

    /// <summary>Serializes and restores the whole state the way the runner persists it (restart in the middle of the stream).</summary>
    public void Restart()
    {
        var state = Detector.State;
        var global = JsonSerializer.Serialize(state, DetectorRunner.StateJson);
        var restored = JsonSerializer.Deserialize<DetectorState>(global, DetectorRunner.StateJson)!;
        foreach (var (key, d) in state.Deployments)
        {
            var copy = JsonSerializer.Deserialize<DeploymentState>(JsonSerializer.Serialize(d, DetectorRunner.StateJson), DetectorRunner.StateJson)!;
            copy.Reference = JsonSerializer.Deserialize<ReferenceState>(JsonSerializer.Serialize(d.Reference, DetectorRunner.StateJson), DetectorRunner.StateJson)!;
            restored.Deployments[key] = copy;
        }

        Detector = new Detector(Policies, restored);
    }

    public static string Json(IEnumerable<object> events) =>
        string.Join('\n', events.Select(e => e.GetType().Name + " " + JsonSerializer.Serialize(e, e.GetType(), DetectorRunner.StateJson)));
}
