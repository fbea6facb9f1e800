namespace Monitoring.DriftDetector.Policies;

/// <summary>
/// Monitoring policy for one model deployment (model id + version, optionally one site), as read from
/// deploy/policies/*.yaml. Every threshold is configuration; the defaults below are documented in docs/drift-detector.md.
/// </summary>
public sealed class MonitoringPolicy
{
    /// <summary>The deployment the policy applies to.</summary>
    public DeploymentSelector Deployment { get; set; } = new();

    /// <summary>How the reference profile is built.</summary>
    public ReferenceSpec Reference { get; set; } = new();

    /// <summary>Window closing rule.</summary>
    public WindowSpec Window { get; set; } = new();

    /// <summary>Signals to monitor.</summary>
    public SignalSpec Signals { get; set; } = new();

    /// <summary>Method override per signal name (e.g. <c>feature:meanIntensity: cvm</c>); other signals use the defaults by type.</summary>
    public Dictionary<string, string> Methods { get; set; } = [];

    /// <summary>Subgroups evaluated besides the whole population.</summary>
    public SubgroupSpec Subgroups { get; set; } = new();

    /// <summary>Minimum sample (reference and current) per subgroup and signal below which the state is "insufficient evidence".</summary>
    public int MinSample { get; set; } = 30;

    /// <summary>Test thresholds, multiple-testing correction and the recovery rule.</summary>
    public ThresholdSpec Thresholds { get; set; } = new();

    /// <summary>Realized and estimated performance, floors and fairness.</summary>
    public PerformanceSpec Performance { get; set; } = new();

    /// <summary>Sequential detectors for abrupt change.</summary>
    public SequentialSpec Sequential { get; set; } = new();

    /// <summary>Severity per finding kind (<c>info|warning|error|critical</c>).</summary>
    public Dictionary<string, string> Severity { get; set; } = [];
}

/// <summary>Model id + version, and optionally a site.</summary>
public sealed class DeploymentSelector
{
    /// <summary>Model identifier.</summary>
    public string ModelId { get; set; } = "";

    /// <summary>Model version.</summary>
    public string ModelVersion { get; set; } = "";

    /// <summary>Restricts the policy to one site; null for every site.</summary>
    public string? Site { get; set; }

    /// <summary>Key of the deployment: <c>id@version</c> or <c>id@version@site</c>.</summary>
    public string Key => Site is null ? $"{ModelId}@{ModelVersion}" : $"{ModelId}@{ModelVersion}@{Site}";
}

/// <summary>Reference profile: first N inferences, an event-time range, or an uploaded profile file.</summary>
public sealed class ReferenceSpec
{
    /// <summary><c>first-events</c>, <c>date-range</c> or <c>uploaded</c>.</summary>
    public string Kind { get; set; } = "first-events";

    /// <summary>For <c>first-events</c>: number of inferences after deployment.</summary>
    public int Count { get; set; } = 2000;

    /// <summary>For <c>date-range</c>: inclusive event-time start.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>For <c>date-range</c>: exclusive event-time end.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>For <c>uploaded</c>: path of a reference profile JSON file (relative to the policy file).</summary>
    public string? Profile { get; set; }

    /// <summary>Reservoir size per subgroup and numeric signal kept for the reference (bounded memory).</summary>
    public int MaxSample { get; set; } = 5000;
}

/// <summary>Tumbling windows over inferences: close after <see cref="Count"/> inferences and/or <see cref="Duration"/> of event time.</summary>
public sealed class WindowSpec
{
    /// <summary>Close after this many inferences (0: no count rule).</summary>
    public int Count { get; set; } = 1000;

    /// <summary>Close when an event's time reaches the window start plus this duration (null: no time rule).</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>Reservoir size per subgroup and numeric signal in one window (bounded memory).</summary>
    public int MaxSample { get; set; } = 5000;
}

/// <summary>Signals monitored.</summary>
public sealed class SignalSpec
{
    /// <summary>Numeric feature names (keys of <c>features</c>).</summary>
    public List<string> Features { get; set; } = [];

    /// <summary>Categorical study fields: modality, bodyPartExamined, manufacturer, manufacturerModelName, viewPosition, protocol.</summary>
    public List<string> Study { get; set; } = [];

    /// <summary>Output score labels (black-box shift detection on the score distribution).</summary>
    public List<string> Scores { get; set; } = [];

    /// <summary>Monitor the predicted-positive rate of every score label.</summary>
    public bool PredictedPositiveRate { get; set; } = true;

    /// <summary>Monitor inference latency.</summary>
    public bool Latency { get; set; }

    /// <summary>Monitor the reader-override rate (from reader feedback).</summary>
    public bool ReaderOverrideRate { get; set; }

    /// <summary>Embedding drift (MMD, whole population only).</summary>
    public EmbeddingSpec Embedding { get; set; } = new();
}

/// <summary>Embedding drift settings.</summary>
public sealed class EmbeddingSpec
{
    /// <summary>Enable MMD on the embedding.</summary>
    public bool Enabled { get; set; }

    /// <summary>Vectors kept per window and in the reference (reservoir).</summary>
    public int Sample { get; set; } = 200;

    /// <summary>Permutations for the MMD p-value.</summary>
    public int Permutations { get; set; } = 200;
}

/// <summary>Subgroups.</summary>
public sealed class SubgroupSpec
{
    /// <summary>Attributes: site, sex, ageBand, ethnicity, manufacturer, modality, viewPosition.</summary>
    public List<string> Attributes { get; set; } = ["site", "sex", "ageBand"];

    /// <summary>Declared intersections, e.g. <c>[sex, ageBand]</c>.</summary>
    public List<List<string>> Intersections { get; set; } = [];

    /// <summary>Distinct values tracked per attribute or intersection (bounds memory and metric cardinality); later values are not tracked.</summary>
    public int MaxValuesPerAttribute { get; set; } = 20;
}

/// <summary>Decision thresholds.</summary>
public sealed class ThresholdSpec
{
    /// <summary>Family-wise (or false-discovery) level per window evaluation.</summary>
    public double Alpha { get; set; } = 0.001;

    /// <summary><c>holm</c>, <c>bonferroni</c>, <c>benjamini-hochberg</c> or <c>none</c>.</summary>
    public string Correction { get; set; } = "holm";

    /// <summary>Minimum effect size per method for a detection (KS D, total variation, PSI, rate difference, MMD²).</summary>
    public Dictionary<string, double> MinEffect { get; set; } = [];

    /// <summary>Consecutive detecting evaluations before a finding opens.</summary>
    public int ConfirmAfter { get; set; } = 1;

    /// <summary>Consecutive clear evaluations before an open finding resolves (hysteresis).</summary>
    public int ResolveAfter { get; set; } = 3;

    /// <summary>An evaluation is "clear" only when its adjusted p-value is at least this (between alpha and this: no change).</summary>
    public double ResolveAlpha { get; set; } = 0.05;

    /// <summary>
    /// Whether the window tests (distribution comparisons, reference comparisons of realized performance, label prevalence,
    /// reader overrides, the batch CUSUM) open findings themselves. Default false: the sequential monitors decide <i>when</i>
    /// (one false-alarm budget for the deployment) and the window tests are the evidence of <i>what</i> changed (status
    /// view, metrics). True restores the behaviour before the monitors (each window family at <see cref="Alpha"/>).
    /// </summary>
    public bool WindowFindings { get; set; }
}

/// <summary>Performance, CBPE and fairness settings.</summary>
public sealed class PerformanceSpec
{
    /// <summary>Score labels whose performance is tracked (positive class = label present in the ground truth).</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>Windows that may still receive labels after they close before their realized performance is judged.</summary>
    public int LabelGraceWindows { get; set; } = 1;

    /// <summary>Matured windows pooled for one realized-performance evaluation.</summary>
    public int PoolWindows { get; set; } = 3;

    /// <summary>Minimum labelled positives (sensitivity) or negatives (specificity) for a judgement.</summary>
    public int MinLabelled { get; set; } = 50;

    /// <summary>Confidence level of the intervals.</summary>
    public double Confidence { get; set; } = 0.95;

    /// <summary>
    /// Floors (sensitivity, specificity, auroc), tested as H0: metric ≥ floor: a finding only when the UPPER confidence bound is
    /// below the floor (evidence of harm); an interval that straddles the floor is the state <c>not-demonstrated</c>, shown
    /// in the status view and metrics, never a finding.
    /// </summary>
    public Dictionary<string, double> Floors { get; set; } = [];

    /// <summary>Family-wise level of the reference comparisons of one maturity evaluation (after <c>thresholds.correction</c>).</summary>
    public double Alpha { get; set; } = 0.01;

    /// <summary>Minimum drop against the reference (absolute) for a reference-comparison finding.</summary>
    public double MinDrop { get; set; } = 0.05;

    /// <summary>Equalized-odds tolerance: a finding when the lower bound of the worst gap exceeds it (0 disables).</summary>
    public double FairnessTolerance { get; set; } = 0.1;

    /// <summary>Estimate performance label-free with CBPE at each window close.</summary>
    public bool Cbpe { get; set; } = true;

    /// <summary>Labelled (score, label) pairs kept per subgroup per window for AUROC, calibration and CBPE fitting.</summary>
    public int MaxPairs { get; set; } = 2000;
}

/// <summary>Sequential change detection on batch means of key signals (whole population).</summary>
public sealed class SequentialSpec
{
    /// <summary>Signals (numeric: <c>feature:x</c>, <c>score:y</c>, <c>latency</c>).</summary>
    public List<string> Signals { get; set; } = [];

    /// <summary><c>cusum</c> or <c>page-hinkley</c>.</summary>
    public string Method { get; set; } = "cusum";

    /// <summary>Observations per batch mean.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Shift to detect, in standard errors of the batch mean (CUSUM reference k = shift / 2).</summary>
    public double Shift { get; set; } = 1.0;

    /// <summary>Target in-control average run length, in batches, between false alarms.</summary>
    public double TargetRunLength { get; set; } = 100_000;

    /// <summary>Batches without alarm before an abrupt-change finding resolves.</summary>
    public int ResolveAfterBatches { get; set; } = 40;

    /// <summary>
    /// Sequential, window-free monitors per (subgroup, signal), updated with every event: CUSUM on reference normal scores of
    /// each numeric signal, Bernoulli CUSUMs on each category share and on categories absent from the reference (new groups),
    /// Bernoulli CUSUMs on labelled outcomes (missed positives, false positives). They open the findings.
    /// </summary>
    public bool Monitors { get; set; } = true;

    /// <summary>Expected false alarms per deployment-year (one model@version, all its sites, 365 days of event time), split over every monitor.</summary>
    public double FalseAlarmsPerYear { get; set; } = 0.5;

    /// <summary>Shift the numeric monitors are designed for, in reference standard deviations per event (CUSUM k = shift / 2).</summary>
    public double DesignShift { get; set; } = 1.0;

    /// <summary>Odds ratio a category-share monitor is designed for (up: odds × r, down: odds / r).</summary>
    public double OddsRatio { get; set; } = 2.0;

    /// <summary>Share at which a subgroup value or category absent from the reference becomes a finding (p₀ = 1/(reference count + 1)).</summary>
    public double NewGroupShare { get; set; } = 0.05;

    /// <summary>Absolute rise of the miss rate (1 − sensitivity) or false-positive rate (1 − specificity) the outcome monitors are designed for.</summary>
    public double DesignDrop { get; set; } = 0.10;

    /// <summary>Probability over the reference sample that a numeric monitor's in-control run length reaches its target (Gandy &amp; Kvaløy 2013).</summary>
    public double Guarantee { get; set; } = 0.9;

    /// <summary>
    /// The same for the outcome monitors' baseline (its upper bound at this level is the in-control rate). Higher than
    /// <see cref="Guarantee"/>: a subgroup's baseline rests on a few hundred labelled cases and a self-starting chart does not
    /// refresh it during an excursion, so a low baseline turns into a slow false alarm (seen at 0.9 in 120-day null runs).
    /// </summary>
    public double OutcomeGuarantee { get; set; } = 0.99;

    /// <summary>Errors in the monitor settings (field: reason), for the policy loader.</summary>
    public IEnumerable<string> ValidateMonitors()
    {
        if (!(FalseAlarmsPerYear > 0)) yield return "sequential.falseAlarmsPerYear: must be positive";
        if (!(DesignShift > 0)) yield return "sequential.designShift: must be positive";
        if (!(OddsRatio > 1)) yield return "sequential.oddsRatio: must be greater than 1";
        if (!(NewGroupShare is > 0 and < 1)) yield return "sequential.newGroupShare: must be in (0, 1)";
        if (!(DesignDrop is > 0 and < 1)) yield return "sequential.designDrop: must be in (0, 1)";
        if (!(Guarantee is >= 0.5 and < 1)) yield return "sequential.guarantee: must be in [0.5, 1)";
        if (!(OutcomeGuarantee is >= 0.5 and < 1)) yield return "sequential.outcomeGuarantee: must be in [0.5, 1)";
    }
}
