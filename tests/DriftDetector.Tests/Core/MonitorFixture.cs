using Monitoring.Contracts;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Detection.Changes;
using Monitoring.DriftDetector.Detection.Monitors;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// One deployment's <see cref="MonitorBank"/> over a reference written directly into its state (no replay, no I/O): the
/// sequential monitors arm only once a reference is frozen, which a replay reaches after thousands of events (too slow to run
/// once per mutant). The reference spans <see cref="ReferenceDays"/> = 36.525 days (0.1 year), so a scope's observations a
/// year are exactly 10 × its reference count.
/// </summary>
internal sealed class MonitorFixture
{
    public const string Deployment = "cxr-triage@2.3.1";
    public const double ReferenceDays = 36.525;
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A policy with only what a test asks for: no signals, no subgroups, no labels, no floors, no fairness tolerance (so the
    /// monitors get the whole budget of 0.5 false alarms a year), minSample 30.
    /// </summary>
    public static MonitoringPolicy Policy(Action<MonitoringPolicy>? change = null)
    {
        var p = new MonitoringPolicy
        {
            Deployment = new DeploymentSelector { ModelId = "cxr-triage", ModelVersion = "2.3.1" },
            Reference = new ReferenceSpec { Kind = "first-events", Count = 400 },
            Signals = new SignalSpec { PredictedPositiveRate = false },
            Subgroups = new SubgroupSpec { Attributes = [] },
            MinSample = 30,
            Performance = new PerformanceSpec { Labels = [], FairnessTolerance = 0, MinLabelled = 50 },
            Sequential = new SequentialSpec { FalseAlarmsPerYear = 0.5 },
        };
        change?.Invoke(p);
        return p;
    }

    public MonitorFixture(MonitoringPolicy policy, params string[] scopes)
    {
        Compiled = new CompiledPolicy(policy, 3);
        State = new DeploymentState
        {
            Key = Deployment, PolicyVersion = 3, Model = new ModelRef("cxr-triage", "2.3.1"), Site = null, ScopeKeys = ["*", .. scopes],
        };
        State.Reference.Id = "ref-7";
        foreach (var _ in State.ScopeKeys)
        {
            State.Reference.Scopes.Add(new ScopeAccumulator
            {
                Numeric = Compiled.Numeric.Select(_ => new Reservoir()).ToList(),
                Categorical = Compiled.Categorical.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToList(),
            });
            State.Reference.Late.Add(new LateAccumulator { Labels = Compiled.Labels.Select(_ => new LabelAccumulator()).ToList() });
        }

        Span(TimeSpan.FromDays(ReferenceDays));
        Changes = new ChangeTracker(State, Emitted);
        Bank = new MonitorBank(State, Compiled, new MonitorFindings(State, Compiled, Emitted, Changes));
    }

    public CompiledPolicy Compiled { get; }
    public DeploymentState State { get; }
    public ChangeTracker Changes { get; }
    public MonitorBank Bank { get; }
    public List<object> Emitted { get; } = [];
    public long Sequence { get; private set; } = 1000;
    public IEnumerable<FindingOpened> Opened => Emitted.OfType<FindingOpened>();
    public IEnumerable<FindingResolved> Resolved => Emitted.OfType<FindingResolved>();

    /// <summary>Sets the reference's event-time span (first event at <see cref="T0"/>).</summary>
    public MonitorFixture Span(TimeSpan span)
    {
        State.Reference.Bounds = new WindowBoundsState();
        State.Reference.Bounds.Add(1, T0);
        State.Reference.Bounds.Add(2, T0 + span);
        return this;
    }

    /// <summary>Reference values of numeric slot <paramref name="slot"/> in scope <paramref name="si"/> (also its count).</summary>
    public MonitorFixture Numeric(int si, int slot, IEnumerable<double> values)
    {
        var acc = State.Reference.Scopes[si];
        foreach (var v in values) acc.Numeric[slot].Add(v, 5000);
        acc.Count = Math.Max(acc.Count, acc.Numeric[slot].Seen);
        return this;
    }

    /// <summary>Reference values 1, 2, …, <paramref name="n"/>: a value v &gt; n has normal score Φ⁻¹((n + ½)/(n + 1)), (n+1)/2 scores 0.</summary>
    public MonitorFixture Ramp(int si, int slot, int n) => Numeric(si, slot, Enumerable.Range(1, n).Select(i => (double)i));

    /// <summary>Reference category counts of categorical slot <paramref name="slot"/> in scope <paramref name="si"/>.</summary>
    public MonitorFixture Categories(int si, int slot, params (string Value, long Count)[] counts)
    {
        var acc = State.Reference.Scopes[si];
        foreach (var (v, c) in counts) acc.Categorical[slot][v] = c;
        acc.Count = Math.Max(acc.Count, counts.Sum(c => c.Count));
        return this;
    }

    /// <summary>Reference counts of subgroup attribute <paramref name="a"/>'s values in scope <paramref name="si"/> (what <see cref="MonitorBank.CountReference"/> collects).</summary>
    public MonitorFixture Attribute(int si, int a, params (string Value, long Count)[] counts)
    {
        var all = State.Monitors.AttributeCounts;
        while (all.Count <= si) all.Add(Bank.Attributes.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToList());
        foreach (var (v, c) in counts) all[si][a][v] = c;
        return this;
    }

    /// <summary>Labelled reference cases of label <paramref name="li"/> in scope <paramref name="si"/>.</summary>
    public MonitorFixture Labels(int si, int li, long tp, long fn, long tn, long fp)
    {
        var l = State.Reference.Late[si].Labels[li];
        (l.TruePositives, l.FalseNegatives, l.TrueNegatives, l.FalsePositives) = (tp, fn, tn, fp);
        return this;
    }

    /// <summary>Sets a scope's reference count (its observations a year are 10 × that).</summary>
    public MonitorFixture Count(int si, long count)
    {
        State.Reference.Scopes[si].Count = count;
        return this;
    }

    /// <summary>Freezes: creates the monitors.</summary>
    public MonitorFixture Freeze()
    {
        State.Reference.Frozen = true;
        Bank.Create();
        return this;
    }

    /// <summary>One inference after the reference, at the next sequence and 30 s after the previous one.</summary>
    public InferenceRecorded Inference(string site = "A", string sex = "F", string manufacturer = "GE", double score = 0.1, double threshold = 0.5) => new()
    {
        InferenceId = "inf-" + (Sequence + 1),
        OccurredAt = Time(Sequence + 1),
        Model = new ModelRef("cxr-triage", "2.3.1"),
        Site = site,
        Study = new StudyInfo { Modality = "DX", BodyPartExamined = "CHEST", Manufacturer = manufacturer, ManufacturerModelName = manufacturer + "-X1", ViewPosition = "PA" },
        Patient = new PatientInfo { PseudoId = new string('a', 64), AgeBand = "40-64", Sex = sex, Ethnicity = "group-a" },
        Prediction = new Prediction { Scores = new Dictionary<string, double> { ["pneumothorax"] = score }, PredictedLabels = [], Threshold = threshold },
    };

    /// <summary>Event time of a sequence: 30 s apart from <see cref="T0"/> + the reference span.</summary>
    public static DateTimeOffset Time(long sequence) => T0.AddDays(ReferenceDays).AddSeconds(30 * sequence);

    /// <summary>Observes one inference in <paramref name="scopes"/> with the given numeric (by slot) and categorical (by slot) values.</summary>
    public MonitorFixture Observe(int[] scopes, double[] numeric, string?[]? categorical = null, InferenceRecorded? e = null)
    {
        e ??= Inference();
        Sequence++;
        Bank.Observe([.. scopes], numeric, categorical ?? new string?[Compiled.Categorical.Count], e, Sequence);
        return this;
    }

    /// <summary>One labelled case in <paramref name="scopes"/>: score above or below the threshold, label positive or not.</summary>
    public MonitorFixture Label(int[] scopes, bool positive, bool predicted, params string[] labels)
    {
        var e = Inference(score: predicted ? 0.9 : 0.1);
        Sequence++;
        Bank.ObserveLabel([.. scopes], e, positive ? (labels.Length == 0 ? ["pneumothorax"] : labels) : [], Sequence, Time(Sequence));
        return this;
    }

    public ScopeMonitors Scope(int si) => State.Monitors.Scopes[si];

    /// <summary>The rate a scope's thresholds are compiled for: 10 × reference count a year, on the cache's 2.5 % grid.</summary>
    public static double GridRate(double perYear, int step = 40) => Math.Exp(Math.Round(Math.Log(perYear) * step) / step);
}
