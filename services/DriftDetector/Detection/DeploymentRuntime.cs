using System.Runtime.InteropServices;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection;

/// <summary>Outcome of one evaluation for a finding's lifecycle.</summary>
internal enum Outcome { Detected, Clear, Inconclusive, NotDemonstrated }

/// <summary>One evaluated (subgroup, signal, method) row before the decision.</summary>
internal sealed class Row
{
    public FindingKind Kind { get; init; }
    public string Scope { get; init; } = "";
    public string Signal { get; init; } = "";
    public string Method { get; init; } = "";
    public double Statistic { get; init; }
    public double? P { get; init; }
    public double? AdjustedP { get; set; }
    public double Effect { get; init; }
    public Interval? Interval { get; init; }
    public double? Threshold { get; init; }
    public long ReferenceSize { get; init; }
    public long CurrentSize { get; init; }
    public bool Insufficient { get; init; }
    public Outcome? Fixed { get; init; }
    public double MinEffect { get; init; }
    public int? ResolveAfter { get; init; }
    public string Verb { get; init; } = "shifted";
}

/// <summary>The decision logic of one deployment under one policy version (runtime indexes around a <see cref="DeploymentState"/>).</summary>
internal sealed partial class DeploymentRuntime
{
    private readonly List<object> emitted;
    private readonly Dictionary<string, int> scopeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> groupCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seen, Cbpe? Model)> calibrators = new(StringComparer.Ordinal);
    private readonly double[] numericValues;
    private readonly string?[] categoricalValues;
    private readonly List<int> scopes = [];
    private readonly string[] groupValues = new string[8];
    private readonly Dictionary<(int Scope, int Slot), SortedSample> sortedReference = [];
    private double? sequentialThreshold;
    private readonly Changes.ChangeTracker changes;
    private readonly Monitors.MonitorBank monitors;

    public DeploymentRuntime(DeploymentState state, CompiledPolicy policy, List<object> emitted)
    {
        State = state;
        Policy = policy;
        this.emitted = emitted;
        numericValues = new double[policy.Numeric.Count];
        categoricalValues = new string?[policy.Categorical.Count];
        for (var i = 0; i < state.ScopeKeys.Count; i++)
        {
            scopeIndex[state.ScopeKeys[i]] = i;
            if (i > 0)
            {
                var group = GroupOf(state.ScopeKeys[i]);
                groupCounts[group] = groupCounts.GetValueOrDefault(group) + 1;
            }
        }

        changes = new Changes.ChangeTracker(state, emitted);
        monitors = new Monitors.MonitorBank(state, policy, new Monitors.MonitorFindings(state, policy, emitted, changes));
        changes.CurrentEffect = monitors.CurrentEffect;
        while (state.Sequential.Count < policy.Sequential.Count)
        {
            state.Sequential.Add(new SequentialState { Signal = policy.Sequential[state.Sequential.Count].Name });
        }
    }

    public DeploymentState State { get; }
    public CompiledPolicy Policy { get; }
    private Policies.MonitoringPolicy P => Policy.Policy;

    /// <summary>Starts a deployment's state under a policy version, carrying the previous state when the accumulator layout is unchanged.</summary>
    public static DeploymentRuntime Start(string key, PolicyVersion version, DeploymentState? previous, List<object> emitted, long sequence)
    {
        var compiled = new CompiledPolicy(version.Policy, version.Version);
        var layout = CompiledPolicy.Layout(version.Policy);
        if (previous is not null && previous.Layout == layout)
        {
            previous.PolicyVersion = version.Version;
            return new DeploymentRuntime(previous, compiled, emitted);
        }

        var state = new DeploymentState
        {
            Key = key,
            PolicyVersion = version.Version,
            Layout = layout,
            Model = new ModelRef(version.Policy.Deployment.ModelId, version.Policy.Deployment.ModelVersion),
            Site = version.Policy.Deployment.Site,
        };
        if (previous is not null)
        {
            // The new version changes what is accumulated: close the old findings rather than leave them open forever.
            foreach (var (_, t) in previous.Trackers.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (t.OpenFindingId is not null && t.LastEvidence is not null)
                {
                    emitted.Add(new FindingResolved(t.OpenFindingId, t.LastEvidence, t.LastEvidence.Window.LastEventTime, "policy-replaced", sequence));
                }
            }

            foreach (var (_, f) in previous.Monitors.Open.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                emitted.Add(new FindingResolved(f.FindingId, f.Evidence!, f.Evidence!.Window.LastEventTime, "policy-replaced", sequence));
            }

            foreach (var c in previous.Changes)
            {
                emitted.Add(new ChangeClosed(c.Id, c.LastDetectedAt, sequence));
            }
        }

        var rt = new DeploymentRuntime(state, compiled, emitted);
        if (version.Policy.Reference.Kind == "uploaded" && version.Profile is { } profile)
        {
            rt.LoadProfile(profile);
        }

        return rt;
    }

    private void LoadProfile(Policies.ReferenceProfile profile)
    {
        var reference = State.Reference;
        reference.Id = profile.Id;
        foreach (var (scopeKey, signals) in profile.Scopes.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var si = scopeKey is "*" or "" ? 0 : TrackScope(scopeKey, GroupOf(scopeKey));
            if (si < 0) continue;
            var acc = Ensure(reference.Scopes, si, "ref");
            foreach (var n in Policy.Numeric)
            {
                if (signals.TryGetValue(n.Name, out var d) && d.Values is { } values)
                {
                    foreach (var v in values) acc.Numeric[n.Slot].Add(v, P.Reference.MaxSample);
                }
            }

            foreach (var c in Policy.Categorical)
            {
                if (signals.TryGetValue(c.Name, out var d) && d.Counts is { } counts)
                {
                    foreach (var (k, v) in counts) acc.Categorical[c.Slot][k] = v;
                }
            }

            acc.Count = acc.Numeric.Select(r => r.Seen).Concat(acc.Categorical.Select(c => c.Values.Sum())).DefaultIfEmpty(0).Max();
        }

        Freeze();
    }

    public void OnInference(long sequence, InferenceRecorded e)
    {
        State.Inferences++;
        State.Threshold = e.Prediction.Threshold;
        ResolveScopes(e);
        ExtractValues(e);
        var reference = State.Reference;
        if (!reference.Frozen)
        {
            if (P.Reference.Kind == "date-range")
            {
                if (e.OccurredAt < P.Reference.From) return;
                if (e.OccurredAt >= P.Reference.To) Freeze();
            }

            if (!reference.Frozen)
            {
                Accumulate(reference.Scopes, "ref", P.Reference.MaxSample, e);
                monitors.CountReference(scopes, e);
                reference.Bounds.Add(sequence, e.OccurredAt);
                if (P.Reference.Kind == "first-events" && reference.Bounds.Count >= P.Reference.Count) Freeze();
                return;
            }
        }

        var current = State.Current;
        if (current.Bounds.Count > 0 && P.Window.Duration is { } d && e.OccurredAt >= current.Bounds.FirstTime + d)
        {
            CloseWindow(sequence);
            current = State.Current;
        }

        Accumulate(current.Scopes, "w" + current.Index, P.Window.MaxSample, e);
        current.Bounds.Add(sequence, e.OccurredAt);
        monitors.Observe(scopes, numericValues, categoricalValues, e, sequence);
        if (State.Changes.Count > 0) changes.Tick(e.OccurredAt, sequence);
        Sequential(sequence, e);
        if (P.Window.Count > 0 && current.Bounds.Count >= P.Window.Count)
        {
            CloseWindow(sequence);
        }
    }

    /// <summary>Ground truth for an inference at <paramref name="inferenceSequence"/>: attributed to the window that held the inference.</summary>
    public void OnLabel(long inferenceSequence, InferenceRecorded e, IReadOnlyList<string> labels, long sequence, DateTimeOffset time)
    {
        if (monitors.Active && inferenceSequence > State.Reference.Bounds.LastSequence)
        {
            ResolveScopes(e);
            monitors.ObserveLabel(scopes, e, labels, sequence, time);
        }

        if (Policy.Labels.Count == 0 || LateFor(inferenceSequence, e) is not { } late) return;
        foreach (var si in scopes)
        {
            var acc = EnsureLate(late, si);
            for (var li = 0; li < Policy.Labels.Count; li++)
            {
                var label = Policy.Labels[li];
                if (!e.Prediction.Scores.TryGetValue(label, out var score) || !double.IsFinite(score)) continue;
                acc.Labels[li].Add(score, score >= e.Prediction.Threshold, labels.Contains(label), P.Performance.MaxPairs);
            }
        }
    }

    public void OnFeedback(long inferenceSequence, InferenceRecorded e, ReaderAction action)
    {
        if (!P.Signals.ReaderOverrideRate || action == ReaderAction.NotReviewed || LateFor(inferenceSequence, e) is not { } late) return;
        foreach (var si in scopes)
        {
            var acc = EnsureLate(late, si);
            acc.Feedback++;
            if (action == ReaderAction.Overrode) acc.Overrides++;
        }
    }

    /// <summary>The late accumulators of the window that held the inference, with <see cref="scopes"/> resolved; null when too late.</summary>
    private List<LateAccumulator>? LateFor(long inferenceSequence, InferenceRecorded e)
    {
        List<LateAccumulator>? late = null;
        if (State.Reference.Bounds.Contains(inferenceSequence)) late = State.Reference.Late;
        else if (State.Current.Bounds.Contains(inferenceSequence)) late = State.Current.Late;
        else
        {
            foreach (var c in State.Recent)
            {
                if (c.Bounds.Contains(inferenceSequence)) late = c.Late;
            }
        }

        if (late is null)
        {
            State.LabelsTooLate++;
            return null;
        }

        ResolveScopes(e);
        return late;
    }

    private void Freeze()
    {
        var reference = State.Reference;
        reference.Frozen = true;
        if (reference.Id.Length == 0)
        {
            reference.Id = $"{State.Key}/v{State.PolicyVersion}/ref/{reference.Bounds.FirstSequence}-{reference.Bounds.LastSequence}";
        }

        var population = reference.Scopes.Count > 0 ? reference.Scopes[0] : null;
        reference.Means = new double[Policy.Numeric.Count];
        reference.StandardDeviations = new double[Policy.Numeric.Count];
        for (var i = 0; i < Policy.Numeric.Count; i++)
        {
            var values = population?.Numeric[i].Values ?? [];
            var span = CollectionsMarshal.AsSpan(values);
            reference.Means[i] = values.Count > 0 ? values.Average() : 0;
            reference.StandardDeviations[i] = SignalTests.StandardDeviation(span);
        }

        monitors.Create();
    }

    private void ExtractValues(InferenceRecorded e)
    {
        for (var i = 0; i < numericValues.Length; i++) numericValues[i] = Extract.Numeric(e, Policy.Numeric[i]) ?? double.NaN;
        for (var i = 0; i < categoricalValues.Length; i++) categoricalValues[i] = Extract.Categorical(e, Policy.Categorical[i]);
    }

    private void Accumulate(List<ScopeAccumulator> list, string tag, int capacity, InferenceRecorded e)
    {
        foreach (var si in scopes)
        {
            var acc = Ensure(list, si, tag);
            acc.Count++;
            for (var i = 0; i < numericValues.Length; i++)
            {
                if (!double.IsNaN(numericValues[i])) acc.Numeric[i].Add(numericValues[i], capacity);
            }

            for (var i = 0; i < categoricalValues.Length; i++)
            {
                if (categoricalValues[i] is { } c) CollectionsMarshal.GetValueRefOrAddDefault(acc.Categorical[i], c, out _)++;
            }
        }

        if (P.Signals.Embedding.Enabled && e.Embedding is { Length: > 0 } embedding)
        {
            var acc = list[0];
            acc.Embeddings ??= new EmbeddingSample { Rng = SplitMix.Seed($"{State.Key}|{tag}|embedding") };
            acc.Embeddings.Add(embedding, P.Signals.Embedding.Sample);
        }
    }

    private ScopeAccumulator Ensure(List<ScopeAccumulator> list, int si, string tag)
    {
        while (list.Count <= si)
        {
            var scopeKey = State.ScopeKeys[list.Count];
            var acc = new ScopeAccumulator();
            for (var i = 0; i < Policy.Numeric.Count; i++) acc.Numeric.Add(Reservoir.Create(SplitMix.Seed($"{State.Key}|{tag}|{scopeKey}|{Policy.Numeric[i].Name}")));
            for (var i = 0; i < Policy.Categorical.Count; i++) acc.Categorical.Add(new Dictionary<string, long>(StringComparer.Ordinal));
            list.Add(acc);
        }

        return list[si];
    }

    private LateAccumulator EnsureLate(List<LateAccumulator> list, int si)
    {
        while (list.Count <= si)
        {
            var scopeKey = State.ScopeKeys[list.Count];
            var acc = new LateAccumulator();
            foreach (var label in Policy.Labels) acc.Labels.Add(new LabelAccumulator { Rng = SplitMix.Seed($"{State.Key}|late|{scopeKey}|{label}") });
            list.Add(acc);
        }

        return list[si];
    }

    /// <summary>Fills <see cref="scopes"/> with the subgroup indexes of an inference (0 = whole population).</summary>
    private void ResolveScopes(InferenceRecorded e)
    {
        scopes.Clear();
        scopes.Add(0);
        foreach (var g in Policy.Groups)
        {
            var complete = true;
            for (var i = 0; i < g.Attributes.Length; i++)
            {
                var v = Extract.Attribute(e, g.Attributes[i]);
                if (string.IsNullOrEmpty(v))
                {
                    complete = false;
                    break;
                }

                groupValues[i] = v;
            }

            if (!complete) continue;
            var key = g.Attributes.Length == 1
                ? g.Attributes[0] + "=" + Extract.Escape(groupValues[0])
                : string.Join('&', g.Attributes.Select((a, i) => a + "=" + Extract.Escape(groupValues[i])));
            var si = scopeIndex.TryGetValue(key, out var known) ? known : TrackScope(key, g.Name);
            if (si >= 0) scopes.Add(si);
        }
    }

    private int TrackScope(string key, string group)
    {
        if (scopeIndex.TryGetValue(key, out var known)) return known;
        if (groupCounts.GetValueOrDefault(group) >= P.Subgroups.MaxValuesPerAttribute)
        {
            State.UntrackedScopeValues++;
            return -1;
        }

        groupCounts[group] = groupCounts.GetValueOrDefault(group) + 1;
        State.ScopeKeys.Add(key);
        return scopeIndex[key] = State.ScopeKeys.Count - 1;
    }

    private static string GroupOf(string scopeKey) => string.Join('&', scopeKey.Split('&').Select(p => p.Split('=')[0]));

    /// <summary>Scope indexes in ordinal order of their keys: decisions never depend on insertion or hash order.</summary>
    private IEnumerable<int> OrderedScopes() =>
        Enumerable.Range(0, State.ScopeKeys.Count).OrderBy(i => State.ScopeKeys[i], StringComparer.Ordinal);
}
