using Monitoring.DriftDetector.Policies;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Detection;

/// <summary>One simulated deployment to run: a scenario, a seed, its length and where the change starts.</summary>
/// <param name="StorageChunk">0: events in generation order. Otherwise the order a store gives concurrent producers: the stream cut
/// into chunks of this many events (the simulator's HTTP sink sends batches of 500 with two requests in flight), each pair of
/// neighbouring chunks stored in either order (seeded by the run's seed).</param>
internal sealed record RunPlan(string Scenario, long Seed, int Days, int ChangeDay, int StorageChunk = 0);

/// <summary>What one run produced, per policy (the first is the benchmark's policy).</summary>
/// <param name="ReferenceCompleteAt">When the detector's reference (the policy's first events) was complete: false alarms count after it.</param>
/// <param name="Findings">Findings opened, per policy.</param>
/// <param name="Affected">Inferences the change affected (simulator truth).</param>
internal sealed record RunResult(
    RunPlan Plan, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset? ChangeStart, DateTimeOffset? ReferenceCompleteAt,
    IReadOnlyList<IReadOnlyList<Finding>> Findings, IReadOnlyList<Monitoring.Contracts.InferenceRecorded> Affected,
    OracleOutcome? Oracle, long Events)
{
    /// <summary>The scope each change names as its root, by change id (its latest opening or revision; benchmark policy).</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>> ChangeRoots { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>The oracle of a run: statistic, threshold and alarm.</summary>
internal sealed record OracleOutcome(string Signal, double Kl, double AverageRunLength, double Threshold, DateTimeOffset? AlarmAt);

/// <summary>
/// Generates one run's traffic in memory with the simulator's generator and feeds it, event by event in event-time order with
/// consecutive sequences, to the detector's pure core (one instance per policy) and to the change's oracle. Late ground truth and
/// reader feedback are joined to their inference as the service's store lookup would (the inference precedes them).
/// </summary>
internal static class RunEngine
{
    public static readonly DateTimeOffset Start = SimulationSettings.DefaultStart;

    public static TrafficGenerator Generator(RunPlan plan, bool embedding) => new(new SimulationSettings
    {
        Seed = plan.Seed,
        Days = plan.Days,
        Models = [ModelCatalog.CxrTriage.Id],
        Scenario = plan.Scenario,
        EmbeddingDimensions = embedding ? 16 : 0,
        ScenarioParameters = new ScenarioParameters { ChangeStart = Start + TimeSpan.FromDays(plan.ChangeDay) },
    });

    /// <summary>Runs <paramref name="plan"/>; <paramref name="learn"/> (null runs) lets the oracle specs learn the pre-change laws.</summary>
    public static RunResult Run(RunPlan plan, IReadOnlyList<LoadedPolicy> policies, bool embedding,
        Func<TrafficGenerator, (OracleSpec Spec, double Arl)?> oracleFor, IReadOnlyList<OracleSpec>? learn, TruePerformance? truth = null)
    {
        var generator = Generator(plan, embedding);
        var change = generator.Scenario.Changes.FirstOrDefault();
        var detectors = policies.Select(p => new DetectorDriver(p)).ToArray();
        var findings = policies.Select(_ => new List<Finding>()).ToArray();
        var changeRoots = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var referenceCount = policies[0].Policy.Reference.Count;
        var oracle = oracleFor(generator);
        OracleMonitor? monitor = null;
        var referenceEvents = new List<Seen>();
        DateTimeOffset? referenceCompleteAt = null;
        var labelled = new Dictionary<string, (Seen Seen, object Joined)>(StringComparer.Ordinal);
        // Reader feedback arrives within hours: keep three days of inferences for its join (bounded memory over a year).
        var recent = new Dictionary<string, (Seen Seen, object Joined)>(StringComparer.Ordinal);
        var recentOrder = new Queue<(DateTimeOffset At, string Id)>();
        var affected = new List<Monitoring.Contracts.InferenceRecorded>();
        long seq = 0;
        foreach (var e in StorageOrder(generator.Generate(), plan.StorageChunk, plan.Seed))
        {
            seq++;
            Seen? seen = null;
            switch (e)
            {
                case InferenceEvent i:
                {
                    seen = new Seen(seq, i.Message, i.Truth);
                    var joined = detectors[0].Joined(seq, i.Message);
                    if (i.Truth.WillBeLabelled) labelled[i.Message.InferenceId] = (seen, joined);
                    recent[i.Message.InferenceId] = (seen, joined);
                    recentOrder.Enqueue((i.At, i.Message.InferenceId));
                    while (recentOrder.TryPeek(out var old) && old.At < i.At - TimeSpan.FromDays(3)) recent.Remove(recentOrder.Dequeue().Id);
                    if (referenceCompleteAt is null)
                    {
                        referenceEvents.Add(seen);
                        if (referenceEvents.Count >= referenceCount) referenceCompleteAt = i.At;
                    }

                    if (change is not null && i.Truth.AffectedBy.Contains(change.Id)) affected.Add(i.Message);
                    truth?.Add(i, generator.Models[0]);
                    foreach (var d in detectors) d.Inference(seq, i.Message);
                    break;
                }

                case GroundTruthEvent g:
                {
                    object? joined = null;
                    if (labelled.Remove(g.Message.InferenceId, out var l)) (seen, joined) = l;
                    foreach (var d in detectors) d.GroundTruth(seq, g.Message, joined);
                    break;
                }

                case ReaderFeedbackEvent f:
                {
                    object? joined = recent.TryGetValue(f.Message.InferenceId, out var r) ? r.Joined : null;
                    seen = r.Seen;
                    foreach (var d in detectors) d.ReaderFeedback(seq, f.Message, joined);
                    break;
                }
            }

            if (learn is not null)
            {
                foreach (var spec in learn) spec.Learn(e, seen);
            }

            if (oracle is { } o && change is not null && e.At >= change.Start)
            {
                monitor ??= o.Spec.Monitor(o.Arl, new RunReference(referenceEvents.Count, scope => referenceEvents.LongCount(scope)));
                monitor.Observe(e, seen);
            }

            for (var k = 0; k < detectors.Length; k++)
            {
                foreach (var emitted in detectors[k].TakeEmitted())
                {
                    if (EmittedEvents.Opened(emitted) is { } opened) findings[k].Add(opened);
                    if (k == 0 && EmittedEvents.ChangeRoot(emitted) is { } changeRoot) changeRoots[changeRoot.ChangeId] = changeRoot.Root;
                    foreach (var (id, changeId, root) in EmittedEvents.Attributions(emitted))
                    {
                        var idx = findings[k].FindIndex(x => x.Id == id);
                        if (idx < 0) continue;
                        if (root == true)
                        {
                            // A revision names the change's current root: every other member stops being it.
                            for (var other = 0; other < findings[k].Count; other++)
                            {
                                if (other != idx && findings[k][other].ChangeId == changeId && findings[k][other].IsRootCause == true) findings[k][other] = findings[k][other] with { IsRootCause = false };
                            }
                        }

                        findings[k][idx] = findings[k][idx] with { ChangeId = changeId, IsRootCause = root ?? findings[k][idx].IsRootCause };
                    }
                }
            }
        }

        var outcome = oracle is { } used && monitor is not null
            ? new OracleOutcome(used.Spec.Signal, used.Spec.Kl, used.Arl, monitor.Threshold, monitor.AlarmAt)
            : null;
        return new RunResult(plan, generator.Settings.Start, generator.Settings.End, change?.Start, referenceCompleteAt,
            findings, affected, outcome, seq) { ChangeRoots = changeRoots };
    }

    /// <summary>Generation order, or with <paramref name="chunk"/> &gt; 0 two neighbouring chunks swapped or not, seeded.</summary>
    private static IEnumerable<SimulatedEvent> StorageOrder(IEnumerable<SimulatedEvent> events, int chunk, long seed)
    {
        if (chunk <= 0)
        {
            foreach (var e in events) yield return e;
            yield break;
        }

        var random = new Random(unchecked((int)(seed * 7919)));
        var pair = new List<SimulatedEvent>(2 * chunk);
        foreach (var e in events)
        {
            pair.Add(e);
            if (pair.Count < 2 * chunk) continue;
            foreach (var x in Swapped(pair, chunk, random)) yield return x;
            pair.Clear();
        }

        foreach (var x in Swapped(pair, Math.Min(chunk, pair.Count), random)) yield return x;
    }

    private static IEnumerable<SimulatedEvent> Swapped(List<SimulatedEvent> pair, int chunk, Random random) =>
        random.Next(2) == 0 ? pair : pair.Skip(chunk).Concat(pair.Take(chunk));
}
