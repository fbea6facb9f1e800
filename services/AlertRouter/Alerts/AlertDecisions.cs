using Monitoring.AlertRouter.Routing;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Alerts;

/// <summary>Outcome of a command: the events to append, or why it was refused.</summary>
public sealed record Outcome(IReadOnlyList<object> Events, OutcomeError? Error = null)
{
    public static Outcome Ok(params object[] events) => new(events);

    public static readonly Outcome Nothing = new([]);

    public static Outcome Conflict(string reason) => new([], new OutcomeError(null, reason));

    public static Outcome Invalid(string field, string reason) => new([], new OutcomeError(field, reason));
}

/// <summary>A refused command: <see cref="Field"/> is set for invalid input (400), null for a state conflict (409).</summary>
public sealed record OutcomeError(string? Field, string Reason);

/// <summary>Pure decisions on alerts: state + command + now → events.</summary>
public static class AlertDecisions
{
    public const string DetectorActor = "system:drift-detector";
    public const string HealthActor = "system:health";

    /// <summary>Opens an alert: AlertRaised, then the first escalation level when the route has a policy.</summary>
    public static IReadOnlyList<object> Raise(
        Guid alertId, AlertSource source, Dictionary<string, string> labels, string summary, string? description,
        Severity severity, bool clinicalSafety, DriftDetected? finding, DateTimeOffset detectedAt,
        RoutingConfig config, DateTimeOffset now)
    {
        var routes = RouteTree.Match(config.Root, labels);
        var policyName = routes.Select(r => r.EscalationPolicy).FirstOrDefault(p => p is not null)
            ?? (clinicalSafety ? config.ClinicalSafetyPolicy : null);
        var plan = policyName is not null && config.EscalationPolicies.TryGetValue(policyName, out var policy)
            ? new EscalationPlan(policy.Name, policy.Levels, policy.Repeat)
            : null;
        var raised = new AlertRaised
        {
            AlertId = alertId,
            Fingerprint = AlertLabels.Fingerprint(labels),
            Source = source,
            Labels = labels,
            Summary = summary,
            Description = description,
            Severity = severity,
            ClinicalSafety = clinicalSafety,
            FindingId = finding?.FindingId,
            Kind = finding?.Kind,
            Model = finding?.Model,
            Site = finding?.Site ?? labels.GetValueOrDefault("site"),
            Subgroup = finding?.Subgroup ?? new Dictionary<string, string>(),
            Evidence = finding?.Evidence,
            TraceId = finding?.TraceId,
            DetectedAt = detectedAt,
            RaisedAt = now,
            ConfigVersion = config.Version,
            Routes = routes.Select(r => r.Id).ToList(),
            GroupKeys = routes.Select(r => RouteTree.GroupOf(r, labels).Key).Distinct().ToList(),
            Escalation = plan,
            DecisionDueAt = clinicalSafety ? now + config.DecisionDeadline : null,
        };
        if (plan is null)
        {
            return [raised];
        }

        var first = new AlertEscalated(1, 0, EscalationReason.Initial, Targets(plan.Levels[0], config, now),
            NextEscalationAt(plan, 1, 0, now), raised.DecisionDueAt, now);
        return [raised, first];
    }

    /// <summary>Another finding with the same fingerprint: one more occurrence of the same alert (none when already counted).</summary>
    public static Outcome AddOccurrence(Alert alert, DriftDetected finding, RoutingConfig config, DateTimeOffset now)
    {
        // A member named by the change (no evidence yet) still brings its evidence when its own finding arrives.
        if (alert.MemberEvidence.ContainsKey(finding.FindingId) || alert.Status == AlertStatus.Resolved)
        {
            return Outcome.Nothing;
        }

        var severity = finding.Severity > alert.Severity ? finding.Severity : alert.Severity;
        var clinical = alert.ClinicalSafety || AlertLabels.IsClinicalSafety(severity, finding.Kind);
        return Outcome.Ok(new AlertUpdated(finding.FindingId, severity, clinical, finding.Evidence, null,
            alert.Occurrences + 1, DecisionDue(alert, clinical, config, now), finding.DetectedAt, now, finding.Kind, finding.Subgroup));
    }

    /// <summary>New evidence from the detector; redeliveries (same or older event time) change nothing.</summary>
    public static Outcome Update(Alert alert, DriftUpdated update, RoutingConfig config, DateTimeOffset now)
    {
        // Per finding: an incident holds several findings, each with its own sequence of updates.
        var last = alert.MemberSourceTimes.TryGetValue(update.FindingId, out var t) ? t : alert.LastSourceTime;
        if (alert.Status == AlertStatus.Resolved || update.UpdatedAt <= last)
        {
            return Outcome.Nothing;
        }

        var severity = alert.Members.Count > 1 && alert.Severity > update.Severity ? alert.Severity : update.Severity;
        var clinical = alert.ClinicalSafety || AlertLabels.IsClinicalSafety(update.Severity, alert.Kind);
        return Outcome.Ok(new AlertUpdated(update.FindingId, severity, clinical, update.Evidence, null,
            Math.Max(alert.Occurrences, update.Occurrences), DecisionDue(alert, clinical, config, now), update.UpdatedAt, now));
    }

    /// <summary>
    /// The detector's recovery rule holds for a finding. The alert resolves automatically once all its findings
    /// recovered, except a clinical-safety alert without an oversight decision: the recovery is recorded and the
    /// alert stays open until a person decides.
    /// </summary>
    public static Outcome FindingRecovered(Alert alert, DriftResolved resolved, DateTimeOffset now)
    {
        if (alert.Status == AlertStatus.Resolved || alert.RecoveredFindingIds.Contains(resolved.FindingId))
        {
            return Outcome.Nothing;
        }

        var recovery = new AlertRecoveryObserved(resolved.FindingId, resolved.Evidence, now);
        var allRecovered = alert.FindingIds.All(id => id == resolved.FindingId || alert.RecoveredFindingIds.Contains(id));
        // A change's incident ends with the change (ChangeResolved, when every member resolved): the members known here may
        // be only those that arrived so far, and a later one must join an open incident, not a resolved one.
        if (!allRecovered || alert.AwaitingDecision || alert.ChangeId is not null)
        {
            return Outcome.Ok(recovery);
        }

        var note = $"Finding {resolved.FindingId} recovered ({resolved.Evidence.Signal} {resolved.Evidence.Method} = {resolved.Evidence.Statistic:G4}).";
        return Outcome.Ok(recovery, new AlertResolved(DetectorActor, true, note, now));
    }

    /// <summary>A health condition changed: update while firing, resolve when it cleared.</summary>
    public static Outcome HealthChanged(Alert alert, HealthConditionChanged condition, RoutingConfig config, DateTimeOffset now)
    {
        if (alert.Status == AlertStatus.Resolved || condition.ObservedAt <= alert.LastSourceTime)
        {
            return Outcome.Nothing;
        }

        if (!condition.Firing)
        {
            return alert.AwaitingDecision
                ? Outcome.Nothing
                : Outcome.Ok(new AlertResolved(HealthActor, true, $"{condition.Condition} cleared: {condition.Description}", now));
        }

        if (condition.Severity == alert.Severity && condition.Description == alert.Description)
        {
            return Outcome.Nothing;
        }

        var clinical = alert.ClinicalSafety || AlertLabels.IsClinicalSafety(condition.Severity, null);
        return Outcome.Ok(new AlertUpdated(null, condition.Severity, clinical, null, condition.Description,
            alert.Occurrences, DecisionDue(alert, clinical, config, now), condition.ObservedAt, now));
    }

    public static Outcome Acknowledge(Alert alert, string actor, string? note, DateTimeOffset now) => alert.Status switch
    {
        AlertStatus.Resolved => Outcome.Conflict("the alert is resolved"),
        AlertStatus.Acknowledged => Outcome.Conflict($"the alert was already acknowledged by {alert.AcknowledgedBy}"),
        _ => Outcome.Ok(new AlertAcknowledged(actor, Trim(note), now)),
    };

    public static Outcome RecordDecision(
        Alert alert, string actor, OversightDecision? decision, string? rationale, string? site,
        IReadOnlyDictionary<string, string>? subgroup, DateTimeOffset now)
    {
        if (decision is null)
        {
            return Outcome.Invalid("decision", "decision is required: continue, continue-with-closer-monitoring, restrict-to-site-or-subgroup, suspend-model or roll-back");
        }

        if (string.IsNullOrWhiteSpace(rationale))
        {
            return Outcome.Invalid("rationale", "a rationale is required");
        }

        if (decision == OversightDecision.RestrictToSiteOrSubgroup && string.IsNullOrWhiteSpace(site) && (subgroup is null || subgroup.Count == 0))
        {
            return Outcome.Invalid("site", "restrict-to-site-or-subgroup needs a site or a subgroup");
        }

        if (alert.Status == AlertStatus.Resolved)
        {
            return Outcome.Conflict("the alert is resolved");
        }

        return Outcome.Ok(new OversightDecisionRecorded(decision.Value, rationale.Trim(),
            string.IsNullOrWhiteSpace(site) ? null : site.Trim(), subgroup is { Count: > 0 } ? subgroup : null, actor, now));
    }

    /// <summary>A person resolves. Clinical-safety alerts need an oversight decision first and a note.</summary>
    public static Outcome Resolve(Alert alert, string actor, string? note, DateTimeOffset now)
    {
        if (alert.Status == AlertStatus.Resolved)
        {
            return Outcome.Conflict("the alert is already resolved");
        }

        if (alert.ClinicalSafety)
        {
            if (string.IsNullOrWhiteSpace(note))
            {
                return Outcome.Invalid("note", "resolving a clinical-safety alert needs a note");
            }

            if (alert.Decision is null)
            {
                return Outcome.Conflict("a clinical-safety alert needs a recorded oversight decision before it is resolved");
            }
        }

        return Outcome.Ok(new AlertResolved(actor, false, Trim(note), now));
    }

    /// <summary>
    /// The timer: escalate one level when the alert is not acknowledged by the level's timeout (wrapping around
    /// <c>repeat</c> times), and when a clinical-safety alert has no decision by its deadline (one level up, capped at
    /// the last; the next decision check is one level timeout later). Idempotent: not due → no events. At most
    /// <paramref name="pagesPerLevel"/> pages per escalation level per incident (the notification budget).
    /// </summary>
    public static IReadOnlyList<object> Tick(Alert alert, RoutingConfig config, DateTimeOffset now, int pagesPerLevel = int.MaxValue)
    {
        if (alert.Status == AlertStatus.Resolved)
        {
            return [];
        }

        var decisionDue = alert.AwaitingDecision && alert.DecisionDueAt <= now;
        var ackDue = alert.Status == AlertStatus.Open && alert.NextEscalationAt <= now;
        if (!decisionDue && !ackDue)
        {
            return [];
        }

        var plan = alert.Escalation;
        if (plan is null)
        {
            // No policy to page: still record that the decision is overdue, and check again a deadline later.
            return [new AlertEscalated(0, 0, EscalationReason.DecisionOverdue, [], null, now + config.DecisionDeadline, now)];
        }

        var last = plan.Levels.Count;
        int level, cycle;
        if (decisionDue)
        {
            (level, cycle) = (Math.Min(alert.EscalationLevel + 1, last), alert.EscalationCycle);
        }
        else if (alert.EscalationLevel < last)
        {
            (level, cycle) = (alert.EscalationLevel + 1, alert.EscalationCycle);
        }
        else
        {
            (level, cycle) = (1, alert.EscalationCycle + 1);
        }

        level = Math.Max(level, 1);
        var levelConfig = plan.Levels[level - 1];
        var reason = decisionDue ? EscalationReason.DecisionOverdue : EscalationReason.NotAcknowledged;
        if (alert.PagesAt(level) >= pagesPerLevel)
        {
            // Budget spent at this level (one page and its reminder by default): record it, page nobody, and stop the
            // timers, which could only page this level again. The incident stays overdue in the console.
            return [new AlertEscalated(level, cycle, reason, [], null, null, now, Withheld: true)];
        }

        var nextEscalation = alert.Status == AlertStatus.Open ? NextEscalationAt(plan, level, cycle, now) : null;
        var nextDecision = decisionDue ? now + levelConfig.Timeout : alert.DecisionDueAt;
        return [new AlertEscalated(level, cycle, reason, Targets(levelConfig, config, now), nextEscalation, nextDecision, now)];
    }

    /// <summary>The people and receivers a level pages now: its receivers, and whoever is on call in its schedules.</summary>
    public static IReadOnlyList<EscalationTarget> Targets(EscalationLevel level, RoutingConfig config, DateTimeOffset now)
    {
        var targets = level.Receivers.Select(r => new EscalationTarget(r, null, null, null)).ToList();
        foreach (var name in level.Schedules)
        {
            if (!config.Schedules.TryGetValue(name, out var schedule))
            {
                continue;
            }

            var person = RouteTree.WhoIsOnCall(schedule, now);
            targets.Add(new EscalationTarget(schedule.Receiver, name, person, config.People.GetValueOrDefault(person)?.Email));
        }

        return targets;
    }

    private static DateTimeOffset? NextEscalationAt(EscalationPlan plan, int level, int cycle, DateTimeOffset now) =>
        level >= plan.Levels.Count && cycle >= plan.Repeat ? null : now + plan.Levels[level - 1].Timeout;

    private static DateTimeOffset? DecisionDue(Alert alert, bool clinical, RoutingConfig config, DateTimeOffset now) =>
        !clinical || alert.Decision is not null ? null : alert.DecisionDueAt ?? now + config.DecisionDeadline;

    private static string? Trim(string? note) => string.IsNullOrWhiteSpace(note) ? null : note.Trim();
}
