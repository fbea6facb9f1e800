using System.Globalization;
using Monitoring.AlertRouter.Alerts;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Console;

/// <summary>One line of an incident's history as people read it.</summary>
public sealed record HistoryLine(DateTimeOffset At, string What, string Who, string? Detail);

/// <summary>Plain-language text of an incident: what changed, for whom, since when, how many studies, what is known.</summary>
public static class IncidentStory
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"Since 16 Jan 00:00 at site-b, ...": the detector's own summary for a change, or one composed from the root finding.</summary>
    public static string WhatChanged(Alert a, int k)
    {
        if (a.ChangeId is not null && !string.IsNullOrWhiteSpace(a.Summary))
        {
            return a.Summary;
        }

        var since = (a.EstimatedStart ?? a.Evidence?.Window.FirstEventTime ?? a.DetectedAt).ToString("d MMM HH:mm", Inv);
        var where = a.Site is null ? "at every site" : $"at {a.Site}";
        var who = a.Subgroup.Count == 0 ? "all studies" : "studies with " + string.Join(", ", a.Subgroup.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"));
        var signal = a.Evidence?.Signal ?? a.Labels.GetValueOrDefault("signal", "a monitored signal");
        var size = a.Evidence is { } e ? $"; {Size(e.CurrentSize, k)} studies in the current window" : "";
        return $"Since {since} {where}, {Describe(signal)} changed for {who}{size}; {Performance(a)}.";
    }

    /// <summary>For whom: the root scope, or everyone.</summary>
    public static string ForWhom(Alert a)
    {
        var scope = a.RootScope.Count > 0 ? a.RootScope : a.Subgroup;
        var text = scope.Count == 0 ? "everyone" : string.Join(", ", scope.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} = {kv.Value}"));
        return a.Site is not null && !scope.ContainsKey("site") ? $"{text} at {a.Site}" : text;
    }

    public static string Performance(Alert a) =>
        a.Members.Any(m => m.Kind is FindingKind.PerformanceDecay or FindingKind.FairnessGap) || a.Kind is FindingKind.PerformanceDecay or FindingKind.FairnessGap
            ? "realized model performance is affected (labelled cases)"
            : a.Members.Any(m => m.Kind == FindingKind.EstimatedPerformanceDecay) || a.Kind == FindingKind.EstimatedPerformanceDecay
                ? "model performance is estimated to drop (no labels yet)"
                : "model performance is not yet known";

    /// <summary>A sample size, or "&lt;k" for a small cell.</summary>
    public static string Size(long? n, int k) => n is null ? "–" : n < k ? $"<{k}" : n.Value.ToString("N0", Inv);

    public static string Describe(string signal) => signal switch
    {
        _ when signal.StartsWith("feature:", StringComparison.Ordinal) => $"the image feature {signal[8..]}",
        _ when signal.StartsWith("score:", StringComparison.Ordinal) => $"the model's {signal[6..]} score",
        _ when signal.StartsWith("study:", StringComparison.Ordinal) => $"the mix of {signal[6..]}",
        _ when signal.StartsWith("performance:", StringComparison.Ordinal) => $"the model's {signal[12..].Replace(':', ' ')}",
        _ => signal,
    };

    public static string Age(TimeSpan t) => t.TotalDays >= 1 ? $"{(int)t.TotalDays} d {t.Hours} h" : t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : $"{Math.Max(0, (int)t.TotalMinutes)} min";

    /// <summary>Time left until <paramref name="due"/>, or "overdue by".</summary>
    public static string Left(DateTimeOffset? due, DateTimeOffset now) => due is not { } d ? "–" : d >= now ? Age(d - now) : "overdue " + Age(now - d);

    /// <summary>The history: notifications, escalations, acknowledgements, decisions, updates, in order.</summary>
    public static HistoryLine? Line(object data, DateTimeOffset at) => data switch
    {
        AlertRaised r => new(at, "Incident opened", "system", r.Summary),
        ChangeAttributed c => new(at, "Change attributed", "system:drift-detector", $"{c.Members.Count} findings; severity {AlertLabels.SeverityName(c.Severity)}"),
        AlertUpdated u => new(at, u.FindingId is null ? "Evidence updated" : "Finding added", "system:drift-detector", u.Evidence is { } e ? $"{e.Signal} {e.Method} = {Charts.Num(e.Statistic)}" : u.Description),
        AlertEscalated x when x.Withheld => new(at, $"Level {x.Level} due again: not paged (notification budget spent)", "system", x.Reason.ToString()),
        AlertEscalated x => new(at, $"Paged level {x.Level}", "system", string.Join(", ", x.Targets.Select(t => t.Person ?? t.Receiver)) + $" ({x.Reason})"),
        NotificationSent n => new(at, $"Notification sent ({n.Purpose})", n.Receiver, n.Level is { } l ? $"level {l}" : null),
        NotificationFailed f => new(at, $"Notification failed ({f.Purpose})", f.Receiver, f.Error),
        NotificationSuppressed s => new(at, "Notification suppressed", "system", $"inhibited by {s.InhibitedBy}"),
        AlertAcknowledged a => new(at, "Acknowledged", a.By, a.Note),
        OversightDecisionRecorded d => new(at, "Decision: " + DecisionText(d.Decision), d.By, d.Rationale),
        AlertRecoveryObserved r => new(at, "Recovery observed", "system:drift-detector", r.FindingId),
        AlertResolved r => new(at, r.Automatic ? "Resolved automatically" : "Resolved", r.By, r.Note),
        AlertSilenced s => new(at, "Silenced", s.Author, $"{s.Reason}{(s.ApprovedBy is null ? "" : $" (approved by {s.ApprovedBy})")}"),
        _ => null,
    };

    public static string DecisionText(OversightDecision d) => d switch
    {
        OversightDecision.Continue => "continue",
        OversightDecision.ContinueWithCloserMonitoring => "continue with closer monitoring",
        OversightDecision.RestrictToSiteOrSubgroup => "restrict to a site or subgroup",
        OversightDecision.SuspendModel => "suspend the model",
        _ => "roll back",
    };
}
