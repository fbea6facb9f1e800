namespace Monitoring.DriftDetector.Detection.Monitors;

// Serializable state of the sequential monitors of one deployment (part of DeploymentState's snapshot). The compiled tables
// (sorted references, increments, thresholds) are rebuilt from it and the reference, never stored.

/// <summary>Every monitor of a deployment, created when the reference freezes.</summary>
internal sealed class MonitorBankState
{
    public bool Ready { get; set; }

    /// <summary>Event-time span of the reference in years (observation rates per year come from it).</summary>
    public double ReferenceYears { get; set; }

    /// <summary>Reference counts of each subgroup attribute's values per scope (collected while the reference is open).</summary>
    public List<List<Dictionary<string, long>>> AttributeCounts { get; set; } = [];

    /// <summary>Monitors per scope known at freeze (index = scope index).</summary>
    public List<ScopeMonitors> Scopes { get; set; } = [];

    /// <summary>
    /// Events of each subgroup value absent from the reference (<c>attribute=value</c>), per scope that saw them since it first
    /// appeared: the root-cause grouping names the narrowest scope that holds (nearly) all of a new group's events.
    /// </summary>
    public Dictionary<string, Dictionary<string, long>> NewGroupEvents { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Open monitor findings by "scope|signal".</summary>
    public Dictionary<string, MonitorFinding> Open { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The monitors of one scope.</summary>
internal sealed class ScopeMonitors
{
    public string Scope { get; set; } = "";
    public long ReferenceCount { get; set; }

    /// <summary>Inferences in the scope since the reference froze.</summary>
    public long Count { get; set; }

    /// <summary>Cells (up, down) per numeric signal slot and chart: the design charts first, then the small-shift charts (<see cref="NumericFamily.CellsPerScope"/>).</summary>
    public List<Cell> Numeric { get; set; } = [];

    /// <summary>One entry per categorical input (policy categorical signals, then subgroup attributes).</summary>
    public List<CategoryMonitors?> Categories { get; set; } = [];

    /// <summary>One entry per performance label.</summary>
    public List<OutcomeMonitors> Outcomes { get; set; } = [];
}

/// <summary>Category-share monitors of one (scope, categorical input): up/down per monitored category, then "unseen".</summary>
internal sealed class CategoryMonitors
{
    public long ReferenceTotal { get; set; }

    /// <summary>Monitored categories (ordinal order) and their reference counts.</summary>
    public List<string> Categories { get; set; } = [];
    public List<long> ReferenceCounts { get; set; } = [];

    /// <summary>Reference categories not monitored by share (rare, or the mirror of a binary signal): not "unseen".</summary>
    public List<string> Known { get; set; } = [];

    /// <summary>2 per monitored category (up, down; down may be inactive), then one for values absent from the reference.</summary>
    public List<Cell> Cells { get; set; } = [];
}

/// <summary>Outcome monitors of one (scope, label): missed positives (sensitivity) and false positives (specificity).</summary>
internal sealed class OutcomeMonitors
{
    public OutcomeCell Sensitivity { get; set; } = new();
    public OutcomeCell Specificity { get; set; } = new();
}

/// <summary>A self-starting Bernoulli CUSUM on one kind of labelled case.</summary>
internal sealed class OutcomeCell
{
    public Cell Chart { get; set; } = new();

    /// <summary>Post-reference cases folded into the baseline (only while the chart was back at 0: an excursion never feeds its own baseline).</summary>
    public long BaselineEvents { get; set; }
    public long BaselineCases { get; set; }

    /// <summary>Cases of the current excursion, folded into the baseline when the chart returns to 0.</summary>
    public long PendingEvents { get; set; }
    public long PendingCases { get; set; }

    /// <summary>Labelled cases of this kind seen after the reference (their rate sets the monitor's run-length target).</summary>
    public long Seen { get; set; }
}

/// <summary>One CUSUM: statistic, and the excursion since it last left 0 (change-point estimate and effect).</summary>
internal sealed class Cell
{
    public double S { get; set; }
    public long N { get; set; }
    public double Sum { get; set; }
    public long StartSequence { get; set; }
    public DateTimeOffset StartTime { get; set; }
    public bool Alarmed { get; set; }
}

/// <summary>An open monitor finding (one per scope and signal, however many of its cells alarm).</summary>
internal sealed class MonitorFinding
{
    public string FindingId { get; set; } = "";
    public int AlarmedCells { get; set; }
    public Contracts.FindingEvidence? Evidence { get; set; }
}
