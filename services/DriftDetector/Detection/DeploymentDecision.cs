using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Detection;

internal sealed partial class DeploymentRuntime
{
    private static string TrackerKey(Row r) => $"{r.Kind}|{r.Signal}|{r.Method}|{r.Scope}";

    /// <summary>Applies the multiple-testing correction to the rows with a p-value, decides each row and steps its finding's lifecycle.</summary>
    private void Decide(List<Row> rows, WindowBounds window, long sequence, bool recordStatus = true, double? alpha = null)
    {
        var tested = rows.Where(r => !r.Insufficient && r.P is not null && r.Fixed is null).ToList();
        var adjusted = SignalTests.Adjust(P.Thresholds.Correction, tested.Select(r => r.P!.Value).ToArray());
        for (var i = 0; i < tested.Count; i++) tested[i].AdjustedP = adjusted[i];

        var level = alpha ?? P.Thresholds.Alpha;
        var resolveAlpha = Math.Max(level, P.Thresholds.ResolveAlpha);
        var harmRows = rows.Count(r => !r.Insufficient && IsHarmEvidence(r) && r.Fixed is not null);
        foreach (var r in rows)
        {
            var outcome = r.Insufficient ? Outcome.Inconclusive
                : r.Fixed is { } fixedOutcome ? AtFindingLevel(r, fixedOutcome, harmRows)
                : (r.AdjustedP is { } q
                    ? q < level && r.Effect >= r.MinEffect ? Outcome.Detected
                        : q >= resolveAlpha || r.Effect < r.MinEffect / 2 ? Outcome.Clear : Outcome.Inconclusive
                    : r.Effect >= r.MinEffect ? Outcome.Detected : r.Effect < r.MinEffect / 2 ? Outcome.Clear : Outcome.Inconclusive);
            var key = TrackerKey(r);
            var evidence = r.Insufficient ? null : Evidence(r, window);
            // With the sequential monitors on, a window test is evidence of what changed, not a gate: only the rows that are
            // evidence of harm by themselves (floors judged on the upper bound, the fairness gap's lower bound) open findings.
            var opens = P.Thresholds.WindowFindings || !P.Sequential.Monitors || IsHarmEvidence(r);
            // Evidence rows of a (scope, signal) whose monitor holds an open finding link to it.
            var openId = opens ? Track(key, r, outcome, evidence, window, sequence) : State.Monitors.Open.GetValueOrDefault(r.Scope + "|" + r.Signal)?.FindingId;
            if (recordStatus)
            {
                State.Status[key] = new SignalStatus
                {
                    Scope = r.Scope, Signal = r.Signal, Method = r.Method, Kind = r.Kind,
                    State = r.Insufficient ? "insufficient-evidence" : outcome switch
                    {
                        Outcome.Detected => "detected", Outcome.Clear => "ok", Outcome.NotDemonstrated => "not-demonstrated", _ => "inconclusive",
                    },
                    Statistic = r.Insufficient ? null : r.Statistic, PValue = r.P, AdjustedPValue = r.AdjustedP, EffectSize = r.Insufficient ? null : r.Effect,
                    Interval = r.Interval, Threshold = r.Threshold, ReferenceSize = r.ReferenceSize, CurrentSize = r.CurrentSize, Window = window, OpenFindingId = openId,
                };
            }
        }
    }

    private static bool IsHarmEvidence(Row r) => r.Method is "wilson-floor" or "delong-floor" or "cbpe" or "equalized-odds";

    /// <summary>Share of <c>sequential.falseAlarmsPerYear</c> given to the window rows that are evidence of harm (floors, fairness gap).</summary>
    internal const double HarmShare = 0.2;

    /// <summary>
    /// A floor or fairness row is judged at the policy's confidence level for what people see (detected / not demonstrated /
    /// ok), but a finding — a page — must hold at the deployment's false-alarm budget: the harm rows of every evaluation over
    /// a year are many tests (subgroups × labels × metrics × windows), and at 95 % each one-sided bound is wrong 2.5 % of the
    /// time, which on a new user's policy made ~14 findings a year with nothing changed. The row's interval is rescaled
    /// (normal approximation: standard error from its width) to the one-sided level α = <see cref="HarmShare"/> · B /
    /// (evaluations a year × harm rows of this evaluation) — a union bound; a row detected at 95 % but not at α shows as
    /// not demonstrated (fairness: inconclusive), never a finding.
    /// </summary>
    private Outcome AtFindingLevel(Row r, Outcome outcome, int harmRows)
    {
        if (outcome != Outcome.Detected || !IsHarmEvidence(r) || !P.Sequential.Monitors || P.Thresholds.WindowFindings) return outcome;
        if (r.Interval is not { } interval || r.Threshold is not { } threshold) return outcome;
        var zLevel = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (1 - interval.Level) / 2);
        var se = (interval.Upper - interval.Lower) / (2 * zLevel);
        var alpha = HarmShare * P.Sequential.FalseAlarmsPerYear / (EvaluationsPerYear() * Math.Max(1, harmRows));
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - Math.Clamp(alpha, 1e-15, 0.5));
        return r.Method == "equalized-odds"
            ? (r.Statistic - z * se > threshold ? Outcome.Detected : Outcome.Inconclusive)
            : (r.Statistic + z * se < threshold ? Outcome.Detected : Outcome.NotDemonstrated);
    }

    /// <summary>Window evaluations a year: 365.25 days over the event-time span of the latest closed window.</summary>
    private double EvaluationsPerYear()
    {
        var last = State.Recent.Count > 0 ? State.Recent[^1].Bounds : null;
        var days = last is null || last.Count == 0 ? 1 : last.Span.TotalDays;
        return 365.25 / Math.Max(days, 1.0 / 24);
    }

    private FindingEvidence Evidence(Row r, WindowBounds window) => new()
    {
        Signal = r.Signal, Method = r.Method, Statistic = r.Statistic, PValue = r.P, AdjustedPValue = r.AdjustedP, EffectSize = r.Effect,
        Interval = r.Interval, Threshold = r.Threshold, Window = window,
        ReferenceSize = (int)Math.Min(int.MaxValue, r.ReferenceSize), CurrentSize = (int)Math.Min(int.MaxValue, r.CurrentSize),
        ReferenceId = State.Reference.Id, PolicyVersion = State.PolicyVersion,
    };

    /// <summary>
    /// Lifecycle with hysteresis: opens after <c>confirmAfter</c> consecutive detections, updates on each further detection, resolves
    /// after <c>resolveAfter</c> consecutive clear evaluations; an inconclusive or insufficient evaluation interrupts both streaks.
    /// </summary>
    private string? Track(string key, Row r, Outcome outcome, FindingEvidence? evidence, WindowBounds window, long sequence)
    {
        State.Trackers.TryGetValue(key, out var t);
        if (t is null && outcome != Outcome.Detected) return null;
        if (t is null)
        {
            State.Trackers[key] = t = new TrackerState { Kind = r.Kind, Signal = r.Signal, Scope = r.Scope };
        }

        switch (outcome)
        {
            case Outcome.Detected:
                t.ConsecutiveClear = 0;
                t.ConsecutiveDetections++;
                t.LastEvidence = evidence;
                var severity = Policy.SeverityFor(r.Kind, DefaultSeverity(r.Kind));
                if (t.OpenFindingId is not null)
                {
                    t.Occurrences++;
                    emitted.Add(new FindingUpdated(t.OpenFindingId, severity, evidence!, t.Occurrences, window.LastEventTime, sequence));
                }
                else if (t.ConsecutiveDetections >= P.Thresholds.ConfirmAfter)
                {
                    t.OpenFindingId = Detector.FindingId(State.Key, key, sequence);
                    t.Occurrences = 1;
                    var (site, subgroup) = Describe(r.Scope);
                    var (changeId, isRoot) = changes.Attach(new Changes.ChangeCandidate(t.OpenFindingId, r.Kind, r.Signal, r.Scope, severity,
                        r.Effect, r.CurrentSize, window.FirstEventTime, window.LastEventTime), sequence);
                    emitted.Add(new FindingOpened(t.OpenFindingId, State.Key, r.Kind, severity, State.Model, site, subgroup, r.Scope,
                        Summary(r), evidence!, window.LastEventTime, sequence, changeId, isRoot));
                    changes.Flush();
                }

                break;
            case Outcome.Clear:
                t.ConsecutiveDetections = 0;
                if (t.OpenFindingId is null)
                {
                    State.Trackers.Remove(key);
                    break;
                }

                t.ConsecutiveClear++;
                if (evidence is not null) t.LastEvidence = evidence;
                if (t.ConsecutiveClear >= (r.ResolveAfter ?? P.Thresholds.ResolveAfter))
                {
                    emitted.Add(new FindingResolved(t.OpenFindingId, t.LastEvidence!, window.LastEventTime, "recovered", sequence));
                    changes.Resolved(t.OpenFindingId, window.LastEventTime, sequence);
                    State.Trackers.Remove(key);
                    return null;
                }

                break;
            default:
                t.ConsecutiveDetections = 0;
                t.ConsecutiveClear = 0;
                if (t.OpenFindingId is null) State.Trackers.Remove(key);
                break;
        }

        return t.OpenFindingId;
    }

    private static Severity DefaultSeverity(FindingKind kind) => kind switch
    {
        FindingKind.PerformanceDecay => Severity.Critical,
        FindingKind.FairnessGap => Severity.Error,
        _ => Severity.Warning,
    };

    /// <summary>Site and subgroup of a scope key (<c>*</c>, <c>site=A</c>, <c>sex=F&amp;ageBand=65+</c>).</summary>
    internal (string? Site, IReadOnlyDictionary<string, string> Subgroup) Describe(string scope) => ScopeText.Describe(scope, State.Site);
}

/// <summary>Scope keys: <c>*</c> (whole population), <c>site=A</c>, <c>sex=F&amp;ageBand=65+</c>, <c>sex=*</c> (across the values of sex).</summary>
internal static class ScopeText
{
    public static (string? Site, IReadOnlyDictionary<string, string> Subgroup) Describe(string scope, string? policySite)
    {
        var subgroup = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var site = policySite;
        // "" is the whole population too (status rows of population-level signals carry no scope key).
        if (scope is not ("*" or ""))
        {
            foreach (var part in scope.Split('&'))
            {
                var eq = part.IndexOf('=');
                if (eq < 0)
                {
                    // Describing a scope is for display: an unexpected key is shown as it is, never allowed to stop the subscription.
                    subgroup["scope"] = part;
                    continue;
                }

                var attribute = part[..eq];
                var value = Uri.UnescapeDataString(part[(eq + 1)..]);
                if (attribute == "site" && value != "*") site = value;
                else subgroup[attribute] = value;
            }
        }

        return (site, new Dictionary<string, string>(subgroup, StringComparer.Ordinal));
    }
}

internal sealed partial class DeploymentRuntime
{
    private string Summary(Row r)
    {
        var where = r.Scope == "*" ? "the whole population" : r.Scope;
        var p = r.AdjustedP is { } q ? $", adjusted p {Detector.F(q)}" : "";
        var interval = r.Interval is { } i ? $" [{Detector.F(i.Lower)}, {Detector.F(i.Upper)}]" : "";
        var threshold = r.Threshold is { } t && r.P is null ? $" (threshold {Detector.F(t)})" : "";
        return $"{r.Signal} {r.Verb} in {where} of {State.Model}: {r.Method} {Detector.F(r.Statistic)}{interval}{p}{threshold}, effect {Detector.F(r.Effect)}, n {r.CurrentSize} vs reference {r.ReferenceSize}.";
    }
}
