using Monitoring.Contracts;

namespace Monitoring.DriftDetector.Detection;

// The detector's state: plain serializable classes (System.Text.Json), persisted as snapshots in the "drift" schema.
// Nothing here depends on the wall clock, on unseeded randomness or on dictionary enumeration order in a decision:
// every decision loop iterates scopes and signals in a sorted or positional order.

/// <summary>Global detector state: the checkpoint, every deployment, and labels/feedback that arrived before their inference.</summary>
internal sealed class DetectorState
{
    /// <summary>Last ingest event sequence applied.</summary>
    public long LastSequence { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public Dictionary<string, DeploymentState> Deployments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ground truth / feedback waiting for an inference not yet seen, by inference id (bounded).</summary>
    public Dictionary<string, List<PendingItem>> Pending { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Inference ids of <see cref="Pending"/> in arrival order, for bounded eviction (oldest first).</summary>
    public Queue<string> PendingOrder { get; set; } = new();

    public long PendingEvicted { get; set; }
}

/// <summary>A ground truth or reader feedback kept until its inference arrives.</summary>
internal sealed class PendingItem
{
    public long Sequence { get; set; }
    public List<string>? Labels { get; set; }
    public ReaderAction? Action { get; set; }
}

/// <summary>State of one deployment under one policy version.</summary>
internal sealed class DeploymentState
{
    public string Key { get; set; } = "";
    public int PolicyVersion { get; set; }
    public string Layout { get; set; } = "";
    public ModelRef Model { get; set; } = new("", "");
    public string? Site { get; set; }
    public long Inferences { get; set; }
    public long LabelsTooLate { get; set; }
    public long UntrackedScopeValues { get; set; }
    public double Threshold { get; set; } = 0.5;
    public List<string> ScopeKeys { get; set; } = ["*"];
    [System.Text.Json.Serialization.JsonIgnore]
    public ReferenceState Reference { get; set; } = new();
    public WindowState Current { get; set; } = new();
    public List<ClosedWindow> Recent { get; set; } = [];
    public int ClosedWindows { get; set; }
    public Dictionary<string, TrackerState> Trackers { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, SignalStatus> Status { get; set; } = new(StringComparer.Ordinal);
    public List<SequentialState> Sequential { get; set; } = [];

    /// <summary>The sequential per-subgroup monitors (created when the reference freezes).</summary>
    public Monitors.MonitorBankState Monitors { get; set; } = new();

    /// <summary>Open root-cause groups.</summary>
    public List<Changes.ChangeState> Changes { get; set; } = [];
}

/// <summary>Accumulators for the reference profile.</summary>
internal sealed class ReferenceState
{
    public string Id { get; set; } = "";
    public bool Frozen { get; set; }
    public WindowBoundsState Bounds { get; set; } = new();
    public List<ScopeAccumulator> Scopes { get; set; } = [];
    public List<LateAccumulator> Late { get; set; } = [];

    /// <summary>Population mean and standard deviation per numeric signal, fixed at freeze (sequential detectors).</summary>
    public double[]? Means { get; set; }
    public double[]? StandardDeviations { get; set; }
}

/// <summary>First/last sequence and event time of a window.</summary>
internal sealed class WindowBoundsState
{
    public long Count { get; set; }
    public long FirstSequence { get; set; }
    public long LastSequence { get; set; }
    public DateTimeOffset FirstTime { get; set; }
    public DateTimeOffset LastTime { get; set; }

    /// <summary>Earliest and latest event time seen (events arrive in sequence order, not time order).</summary>
    public DateTimeOffset MinTime { get; set; }

    public DateTimeOffset MaxTime { get; set; }

    public void Add(long sequence, DateTimeOffset time)
    {
        if (Count == 0)
        {
            FirstSequence = sequence;
            FirstTime = time;
            MinTime = MaxTime = time;
        }

        Count++;
        LastSequence = sequence;
        LastTime = time;
        if (time < MinTime) MinTime = time;
        if (time > MaxTime) MaxTime = time;
    }

    /// <summary>
    /// Event-time span (latest − earliest). Not last − first: producers send out of time order, and a reordered batch made
    /// that negative (a reference whose span came out negative was taken for a week of traffic, which set every monitor's
    /// observations per year, and so its threshold, from a wrong rate). A snapshot from before these fields has no min/max:
    /// last − first then.
    /// </summary>
    public TimeSpan Span => MaxTime == default ? LastTime - FirstTime : MaxTime - MinTime;

    public bool Contains(long sequence) => Count > 0 && sequence >= FirstSequence && sequence <= LastSequence;

    public WindowBounds ToContract() => new(FirstSequence, LastSequence, FirstTime, LastTime);
}

/// <summary>The open window.</summary>
internal sealed class WindowState
{
    public int Index { get; set; }
    public WindowBoundsState Bounds { get; set; } = new();
    public List<ScopeAccumulator> Scopes { get; set; } = [];
    public List<LateAccumulator> Late { get; set; } = [];
}

/// <summary>A closed window that still receives late labels (grace) or is part of the performance pool.</summary>
internal sealed class ClosedWindow
{
    public int Index { get; set; }
    public WindowBoundsState Bounds { get; set; } = new();
    public List<LateAccumulator> Late { get; set; } = [];
    public bool Matured { get; set; }

    /// <summary>CBPE estimates at close, per "scope|label|metric" (reconciled with realized values at maturity).</summary>
    public Dictionary<string, double> Estimates { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Per-subgroup accumulators of the input/output signals.</summary>
internal sealed class ScopeAccumulator
{
    public long Count { get; set; }
    public List<Reservoir> Numeric { get; set; } = [];
    public List<Dictionary<string, long>> Categorical { get; set; } = [];
    public EmbeddingSample? Embeddings { get; set; }
}

/// <summary>Reservoir of embedding vectors (whole population only).</summary>
internal sealed class EmbeddingSample
{
    public List<float[]> Items { get; set; } = [];
    public long Seen { get; set; }
    public ulong Rng { get; set; }

    public void Add(float[] x, int capacity)
    {
        Seen++;
        if (Items.Count < capacity)
        {
            Items.Add(x);
            return;
        }

        var rng = Rng;
        var j = (long)(SplitMix.Next(ref rng) % (ulong)Seen);
        Rng = rng;
        if (j < capacity)
        {
            Items[(int)j] = x;
        }
    }
}

/// <summary>Late information (ground truth, reader feedback) for one subgroup.</summary>
internal sealed class LateAccumulator
{
    public List<LabelAccumulator> Labels { get; set; } = [];
    public long Feedback { get; set; }
    public long Overrides { get; set; }
}

/// <summary>Confusion counts and a bounded sample of (score, label) pairs for one performance label.</summary>
internal sealed class LabelAccumulator
{
    public long TruePositives { get; set; }
    public long FalsePositives { get; set; }
    public long TrueNegatives { get; set; }
    public long FalseNegatives { get; set; }
    [System.Text.Json.Serialization.JsonConverter(typeof(CompactDoubles))]
    public List<double> Scores { get; set; } = [];
    public List<bool> Truth { get; set; } = [];
    public long PairsSeen { get; set; }
    public ulong Rng { get; set; }

    public void Add(double score, bool predicted, bool truth, int maxPairs)
    {
        if (predicted && truth) TruePositives++;
        else if (predicted) FalsePositives++;
        else if (truth) FalseNegatives++;
        else TrueNegatives++;
        PairsSeen++;
        if (Scores.Count < maxPairs)
        {
            Scores.Add(score);
            Truth.Add(truth);
            return;
        }

        var rng = Rng;
        var j = (long)(SplitMix.Next(ref rng) % (ulong)PairsSeen);
        Rng = rng;
        if (j < maxPairs)
        {
            Scores[(int)j] = score;
            Truth[(int)j] = truth;
        }
    }
}

/// <summary>Fixed-capacity uniform sample (Algorithm R) with its own seeded generator, so the sample is reproducible.</summary>
internal sealed class Reservoir
{
    [System.Text.Json.Serialization.JsonConverter(typeof(CompactDoubles))]
    public List<double> Values { get; set; } = [];
    public long Seen { get; set; }
    public ulong Rng { get; set; }

    public static Reservoir Create(ulong seed) => new() { Rng = seed };

    /// <summary>Adds a value; returns the slot it was stored in, or -1 when it was not kept.</summary>
    public int Add(double x, int capacity)
    {
        Seen++;
        if (Values.Count < capacity)
        {
            Values.Add(x);
            return Values.Count - 1;
        }

        var rng = Rng;
        var j = (long)(SplitMix.Next(ref rng) % (ulong)Seen);
        Rng = rng;
        if (j >= capacity)
        {
            return -1;
        }

        Values[(int)j] = x;
        return (int)j;
    }
}

/// <summary>Lifecycle of one (kind, signal, method, subgroup) finding, with hysteresis.</summary>
internal sealed class TrackerState
{
    public string? OpenFindingId { get; set; }
    public int ConsecutiveDetections { get; set; }
    public int ConsecutiveClear { get; set; }
    public int Occurrences { get; set; }
    public FindingEvidence? LastEvidence { get; set; }
    public FindingKind Kind { get; set; }
    public string Signal { get; set; } = "";
    public string Scope { get; set; } = "";
}

/// <summary>Latest evaluation of one signal in one subgroup (what the API and the metrics show).</summary>
internal sealed class SignalStatus
{
    public string Scope { get; set; } = "";
    public string Signal { get; set; } = "";
    public string Method { get; set; } = "";
    public FindingKind Kind { get; set; }

    /// <summary>
    /// <c>ok</c>, <c>detected</c>, <c>inconclusive</c>, <c>insufficient-evidence</c>, or for floors <c>not-demonstrated</c> (the
    /// interval straddles the floor: no evidence of harm, none of safety either; never a finding).
    /// </summary>
    public string State { get; set; } = "";
    public double? Statistic { get; set; }
    public double? PValue { get; set; }
    public double? AdjustedPValue { get; set; }
    public double? EffectSize { get; set; }
    public Interval? Interval { get; set; }
    public double? Threshold { get; set; }
    public long ReferenceSize { get; set; }
    public long CurrentSize { get; set; }
    public WindowBounds? Window { get; set; }
    public string? OpenFindingId { get; set; }
}

/// <summary>A sequential detector on batch means of one numeric signal (whole population).</summary>
internal sealed class SequentialState
{
    public string Signal { get; set; } = "";
    public double BatchSum { get; set; }
    public int BatchCount { get; set; }
    public WindowBoundsState Batch { get; set; } = new();
    public long Batches { get; set; }
    public double Upper { get; set; }
    public double Lower { get; set; }
    public long Count { get; set; }
    public long Alarms { get; set; }
    public double PhMean { get; set; }
    public double PhSumUp { get; set; }
    public double PhMinUp { get; set; }
    public double PhSumDown { get; set; }
    public double PhMaxDown { get; set; }
}

/// <summary>SplitMix64: tiny, seedable, reproducible generator (Steele, Lea &amp; Flood 2014).</summary>
internal static class SplitMix
{
    public static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a 64 of a string: a seed that is stable across processes (unlike <see cref="string.GetHashCode()"/>).</summary>
    public static ulong Seed(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }
}
