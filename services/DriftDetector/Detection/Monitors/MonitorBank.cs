using Monitoring.Contracts;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection.Monitors;

/// <summary>
/// A family of sequential monitors (numeric signals, category shares, labelled outcomes): its cells share one part of the
/// deployment's false-alarm budget. Adding a family = one class behind this interface, registered in <see cref="MonitorBank"/>.
/// </summary>
internal interface IMonitorFamily
{
    /// <summary>Active cells (each gets an equal part of the family's budget).</summary>
    int CountCells(MonitorBank bank);

    /// <summary>Builds the family's tables (thresholds, increments) once the budget share per cell is known.</summary>
    void Compile(MonitorBank bank, double sharePerCell);
}

/// <summary>
/// The sequential monitors of one deployment: created when the reference freezes, updated with every inference and every
/// labelled case, one false-alarm budget (<c>sequential.falseAlarmsPerYear</c>) split equally between the families present and
/// equally between the cells of a family (union bound). Alarms go to <see cref="MonitorFindings"/>.
/// </summary>
internal sealed class MonitorBank
{
    private readonly NumericFamily numeric;
    private readonly CategoryFamily categories;
    private readonly OutcomeFamily outcomes;
    private bool compiled;

    public MonitorBank(DeploymentState deployment, CompiledPolicy policy, MonitorFindings findings)
    {
        Deployment = deployment;
        Policy = policy;
        Findings = findings;
        Attributes = policy.Groups.Where(g => g.Attributes.Length == 1).Select(g => g.Attributes[0]).ToArray();
        AttributeValues = new string?[Attributes.Length];
        numeric = new NumericFamily(this);
        categories = new CategoryFamily(this);
        outcomes = new OutcomeFamily(this);
    }

    public DeploymentState Deployment { get; }
    public MonitorBankState State => Deployment.Monitors;
    public CompiledPolicy Policy { get; }
    public MonitorFindings Findings { get; }
    public Policies.SequentialSpec Spec => Policy.Policy.Sequential;

    /// <summary>Subgroup attributes monitored as categories (new values, patient mix) in every scope that does not fix them.</summary>
    public string[] Attributes { get; }

    /// <summary>The current inference's attribute values (filled by <see cref="Observe"/>).</summary>
    public string?[] AttributeValues { get; }

    public bool Active => Spec.Monitors && State.Ready;

    /// <summary>Observations per year in a scope, from its reference count over the reference's event-time span.</summary>
    public double ScopeRate(int si) => Math.Max(1, State.Scopes[si].ReferenceCount) / State.ReferenceYears;

    /// <summary>While the reference is open: counts the attribute values per scope (the reference of the patient-mix monitors).</summary>
    public void CountReference(List<int> scopes, InferenceRecorded e)
    {
        if (!Spec.Monitors) return;
        var counts = State.AttributeCounts;
        foreach (var si in scopes)
        {
            while (counts.Count <= si) counts.Add(Attributes.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToList());
            for (var a = 0; a < Attributes.Length; a++)
            {
                if (Extract.Attribute(e, Attributes[a]) is { Length: > 0 } v)
                {
                    counts[si][a][v] = counts[si][a].GetValueOrDefault(v) + 1;
                }
            }
        }
    }

    /// <summary>Creates the monitors of every scope the reference holds (called when it freezes).</summary>
    public void Create()
    {
        if (!Spec.Monitors || State.Ready) return;
        var reference = Deployment.Reference;
        var days = reference.Bounds.Span.TotalDays;
        // An uploaded profile has no time span: assume it is a week of traffic.
        State.ReferenceYears = Math.Max(days > 0 ? days : 7, 1.0 / 24) / 365.25;
        for (var si = 0; si < Deployment.ScopeKeys.Count; si++)
        {
            var scope = new ScopeMonitors
            {
                Scope = Deployment.ScopeKeys[si],
                ReferenceCount = si < reference.Scopes.Count ? reference.Scopes[si].Count : 0,
            };
            for (var i = 0; i < NumericFamily.CellsPerScope(Policy.Numeric.Count); i++) scope.Numeric.Add(new Cell());
            categories.Create(scope, si);
            for (var li = 0; li < OutcomeFamily.Channels(this); li++) scope.Outcomes.Add(new OutcomeMonitors());
            State.Scopes.Add(scope);
        }

        State.Ready = true;
    }

    private void Compile()
    {
        if (compiled) return;
        compiled = true;
        IMonitorFamily[] families = [numeric, categories, outcomes];
        var cells = families.Select(f => f.CountCells(this)).ToArray();
        var present = cells.Count(c => c > 0);
        for (var i = 0; i < families.Length; i++)
        {
            // A family without cells (a study field never filled in the reference, a feature that arrived after it) compiles
            // too: its tables are empty but sized to the bank's scopes, and its Observe reads them for every inference.
            families[i].Compile(this, 1.0 / present / Math.Max(1, cells[i]));
        }
    }

    /// <summary>Updates every monitor of the inference's scopes (after the reference froze).</summary>
    public void Observe(List<int> scopes, double[] numericValues, string?[] categoricalValues, InferenceRecorded e, long sequence)
    {
        if (!Active) return;
        Compile();
        for (var a = 0; a < Attributes.Length; a++) AttributeValues[a] = Extract.Attribute(e, Attributes[a]);
        foreach (var si in scopes)
        {
            if (si >= State.Scopes.Count) continue; // a scope that appeared after the reference: seen by the new-value monitors
            var sm = State.Scopes[si];
            sm.Count++;
            numeric.Observe(sm, si, numericValues, sequence, e.OccurredAt);
            categories.Observe(sm, si, categoricalValues, sequence, e.OccurredAt);
        }
    }

    /// <summary>A labelled case of an inference made after the reference: the outcome monitors of its scopes.</summary>
    public void ObserveLabel(List<int> scopes, InferenceRecorded e, IReadOnlyList<string> labels, long sequence, DateTimeOffset time)
    {
        if (!Active) return;
        Compile();
        outcomes.Observe(scopes, e, labels, sequence, time);
    }

    /// <summary>
    /// The current excursion mean of a numeric monitor (normal-score SD; of the cell furthest towards its threshold), for
    /// comparing scopes at one moment; null for other signals or scopes without monitors.
    /// </summary>
    public double? CurrentEffect(string scope, string signal)
    {
        if (!State.Ready) return null;
        var si = Deployment.ScopeKeys.IndexOf(scope);
        var slot = Policy.Numeric.FirstOrDefault(n => n.Name == signal)?.Slot;
        if (si < 0 || si >= State.Scopes.Count || slot is not { } k || 2 * k + 1 >= State.Scopes[si].Numeric.Count) return null;
        Compile();
        return numeric.CurrentEffect(State.Scopes[si], si, k);
    }

    /// <summary>Hands a cell's alarm or its end to the finding lifecycle.</summary>
    public void Report(CellEvent change, in Alarm alarm, long sequence, DateTimeOffset time)
    {
        if (change == CellEvent.Raised) Findings.Raise(alarm, sequence, time);
        else if (change == CellEvent.Cleared) Findings.Clear(alarm, sequence, time);
    }

    /// <summary>Expected false alarms a year allowed to one cell with <paramref name="share"/> of the budget.</summary>
    public double AlarmsPerYear(double share) => Budget * share;

    /// <summary>
    /// The monitors' part of the deployment's budget: all of it, or 1 − <see cref="DeploymentRuntime.HarmShare"/> when window
    /// floors or the fairness gap can also open findings.
    /// </summary>
    public double Budget => Spec.FalseAlarmsPerYear
        * (!Policy.Policy.Thresholds.WindowFindings && (Policy.Policy.Performance.Floors.Count > 0 || Policy.Policy.Performance.FairnessTolerance > 0)
            ? 1 - DeploymentRuntime.HarmShare : 1);
}
