using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection;

/// <summary>An inference found in the store for a late ground truth / feedback event.</summary>
internal sealed record JoinedInference(long Sequence, InferenceRecorded Inference);

/// <summary>Global limits of the detector (not per policy).</summary>
internal sealed record DetectorLimits(int MaxPendingLateEvents = 100_000);

/// <summary>
/// The pure decision core: state + ingest event (with its sequence and event time) → stored finding events. No I/O, no clock,
/// no unseeded randomness; the same events in the same order under the same policy history always give the same output.
/// </summary>
internal sealed partial class Detector
{
    private readonly PolicyHistory policies;
    private readonly DetectorLimits limits;
    private readonly Dictionary<string, DeploymentRuntime> runtimes = new(StringComparer.Ordinal);
    private readonly List<object> emitted = [];
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);

    public Detector(PolicyHistory policies, DetectorState state, DetectorLimits? limits = null)
    {
        this.policies = policies;
        this.limits = limits ?? new DetectorLimits();
        State = state;
    }

    public DetectorState State { get; }

    /// <summary>Deployments whose state changed since <see cref="TakeDirty"/> was last called.</summary>
    public IReadOnlyCollection<string> Dirty => dirty;

    public List<object> TakeEmitted()
    {
        var list = emitted.ToList();
        emitted.Clear();
        return list;
    }

    public List<string> TakeDirty()
    {
        var list = dirty.Order(StringComparer.Ordinal).ToList();
        dirty.Clear();
        return list;
    }

    /// <summary>Applies an inference.</summary>
    public void Inference(long sequence, InferenceRecorded e)
    {
        if (sequence <= State.LastSequence) return;
        State.LastSequence = sequence;
        var rt = Runtime(e.Model.Id, e.Model.Version, e.Site, sequence);
        if (rt is not null)
        {
            dirty.Add(rt.State.Key);
            rt.OnInference(sequence, e);
        }

        if (State.Pending.Remove(e.InferenceId, out var pending))
        {
            foreach (var item in pending)
            {
                if (rt is null) continue;
                if (item.Labels is not null) rt.OnLabel(sequence, e, item.Labels, sequence, e.OccurredAt);
                if (item.Action is { } a) rt.OnFeedback(sequence, e, a);
            }
        }
    }

    /// <summary>Applies ground truth; <paramref name="inference"/> is the inference found in the store before it, if any.</summary>
    public void GroundTruth(long sequence, GroundTruthRecorded g, JoinedInference? inference)
    {
        if (sequence <= State.LastSequence) return;
        State.LastSequence = sequence;
        if (inference is null)
        {
            Park(g.InferenceId, new PendingItem { Sequence = sequence, Labels = g.Labels.ToList() });
            return;
        }

        if (Runtime(inference.Inference.Model.Id, inference.Inference.Model.Version, inference.Inference.Site, sequence) is { } rt)
        {
            dirty.Add(rt.State.Key);
            rt.OnLabel(inference.Sequence, inference.Inference, g.Labels, sequence, g.RecordedAt);
        }
    }

    /// <summary>Applies reader feedback; <paramref name="inference"/> is the inference found in the store before it, if any.</summary>
    public void ReaderFeedback(long sequence, ReaderFeedbackRecorded f, JoinedInference? inference)
    {
        if (sequence <= State.LastSequence) return;
        State.LastSequence = sequence;
        if (inference is null)
        {
            Park(f.InferenceId, new PendingItem { Sequence = sequence, Action = f.Action });
            return;
        }

        if (Runtime(inference.Inference.Model.Id, inference.Inference.Model.Version, inference.Inference.Site, sequence) is { } rt)
        {
            dirty.Add(rt.State.Key);
            rt.OnFeedback(inference.Sequence, inference.Inference, f.Action);
        }
    }

    /// <summary>Marks a sequence as seen (an event of a type the detector ignores), keeping the checkpoint exact.</summary>
    public void Skip(long sequence)
    {
        if (sequence > State.LastSequence) State.LastSequence = sequence;
    }

    private void Park(string inferenceId, PendingItem item)
    {
        if (!State.Pending.TryGetValue(inferenceId, out var list))
        {
            State.Pending[inferenceId] = list = [];
            State.PendingOrder.Enqueue(inferenceId);
        }

        list.Add(item);
        while (State.Pending.Count > limits.MaxPendingLateEvents && State.PendingOrder.TryDequeue(out var oldest))
        {
            if (State.Pending.Remove(oldest)) State.PendingEvicted++;
        }

        // Ids whose inference arrived stay in the order queue until they reach its head: drop them there.
        while (State.PendingOrder.TryPeek(out var head) && !State.Pending.ContainsKey(head))
        {
            State.PendingOrder.Dequeue();
        }
    }

    private DeploymentRuntime? Runtime(string modelId, string modelVersion, string site, long sequence)
    {
        if (policies.Resolve(modelId, modelVersion, site, sequence) is not { } resolved)
        {
            return null;
        }

        var (key, version) = resolved;
        if (runtimes.TryGetValue(key, out var rt) && rt.Policy.Version == version.Version)
        {
            return rt;
        }

        State.Deployments.TryGetValue(key, out var existing);
        if (existing is not null && existing.PolicyVersion == version.Version)
        {
            rt = new DeploymentRuntime(existing, new CompiledPolicy(version.Policy, version.Version), emitted);
        }
        else
        {
            rt = DeploymentRuntime.Start(key, version, existing, emitted, sequence);
            State.Deployments[key] = rt.State;
        }

        runtimes[key] = rt;
        return rt;
    }

    /// <summary>Stable finding id: the deployment, the tracker (kind, signal, method, subgroup) and the sequence that opened it.</summary>
    internal static string FindingId(string deployment, string trackerKey, long sequence) =>
        "fdg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{deployment}|{trackerKey}|{sequence.ToString(CultureInfo.InvariantCulture)}")))[..24];

    internal static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
