using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Suppression;

/// <summary>A silence was created.</summary>
public sealed record SilenceCreated(Guid SilenceId, IReadOnlyList<string> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason, string Author, DateTimeOffset At);

/// <summary>A second person approved a silence, letting it mute clinical-safety alerts.</summary>
public sealed record SilenceApproved(string By, DateTimeOffset At);

/// <summary>Someone ended a silence before its end time.</summary>
public sealed record SilenceExpired(string By, DateTimeOffset At);

/// <summary>The silence aggregate (inline snapshot). It expires by itself at <see cref="EndsAt"/>.</summary>
public sealed class Silence
{
    public Guid Id { get; set; }
    public List<string> Matchers { get; set; } = [];
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string Reason { get; set; } = "";
    public string Author { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string? ApprovedBy { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
    public string? ExpiredBy { get; set; }
    public DateTimeOffset? ExpiredAt { get; set; }

    public void Apply(SilenceCreated e)
    {
        Id = e.SilenceId;
        Matchers = [.. e.Matchers];
        StartsAt = e.StartsAt;
        EndsAt = e.EndsAt;
        Reason = e.Reason;
        Author = e.Author;
        CreatedAt = e.At;
    }

    public void Apply(SilenceApproved e)
    {
        ApprovedBy = e.By;
        ApprovedAt = e.At;
    }

    public void Apply(SilenceExpired e)
    {
        ExpiredBy = e.By;
        ExpiredAt = e.At;
        EndsAt = e.At < EndsAt ? e.At : EndsAt;
    }

    /// <summary>In force at <paramref name="now"/>: started, not ended, not expired by hand.</summary>
    public bool IsActive(DateTimeOffset now) => StartsAt <= now && now < EndsAt && ExpiredAt is null;

    /// <summary>State for the API: pending, active or expired.</summary>
    public string StateAt(DateTimeOffset now) => ExpiredAt is not null || now >= EndsAt ? "expired" : now < StartsAt ? "pending" : "active";

    public IReadOnlyList<Matcher> ParsedMatchers() => Matchers.Select(m => Matcher.TryParse(m, out _)).OfType<Matcher>().ToList();
}

/// <summary>Pure decisions on silences.</summary>
public static class SilenceDecisions
{
    /// <summary>Validates and creates a silence. Silences are bounded: at most <paramref name="maxDuration"/> long.</summary>
    public static Outcome Create(Guid id, IReadOnlyList<string>? matchers, DateTimeOffset? startsAt, DateTimeOffset? endsAt, string? reason,
        string actor, TimeSpan maxDuration, DateTimeOffset now)
    {
        if (matchers is null || matchers.Count == 0)
        {
            return Outcome.Invalid("matchers", "at least one matcher is required, e.g. site=\"hospital-a\"");
        }

        foreach (var text in matchers)
        {
            if (Matcher.TryParse(text ?? "", out var error) is null)
            {
                return Outcome.Invalid("matchers", error!);
            }
        }

        var start = startsAt ?? now;
        if (endsAt is null)
        {
            return Outcome.Invalid("endsAt", "endsAt is required");
        }

        if (endsAt <= start || endsAt <= now)
        {
            return Outcome.Invalid("endsAt", "endsAt must be after startsAt and in the future");
        }

        if (endsAt - start > maxDuration)
        {
            return Outcome.Invalid("endsAt", $"a silence may last at most {Durations.Format(maxDuration)}");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Outcome.Invalid("reason", "a reason is required");
        }

        return Outcome.Ok(new SilenceCreated(id, matchers.Select(m => m.Trim()).ToList(), start, endsAt.Value, reason.Trim(), actor, now));
    }

    /// <summary>A second person (not the author) approves.</summary>
    public static Outcome Approve(Silence silence, string actor, DateTimeOffset now)
    {
        if (silence.StateAt(now) == "expired")
        {
            return Outcome.Conflict("the silence has expired");
        }

        if (silence.ApprovedBy is not null)
        {
            return Outcome.Conflict($"the silence was already approved by {silence.ApprovedBy}");
        }

        return string.Equals(silence.Author, actor, StringComparison.Ordinal)
            ? Outcome.Conflict("the author of a silence cannot approve it: a second person must")
            : Outcome.Ok(new SilenceApproved(actor, now));
    }

    public static Outcome Expire(Silence silence, string actor, DateTimeOffset now) =>
        silence.StateAt(now) == "expired" ? Outcome.Conflict("the silence has already expired") : Outcome.Ok(new SilenceExpired(actor, now));
}

/// <summary>Why an alert is muted now, if it is.</summary>
public sealed record MuteReason(Guid? SilenceId, Guid? InhibitedBy, string Description);

/// <summary>Silencing and inhibition as one pure function.</summary>
public static class Muting
{
    /// <summary>
    /// A silence mutes an alert when it is active and all its matchers match; it mutes a clinical-safety alert only
    /// once a second person approved it. An inhibit rule mutes an alert matching its targets while another unresolved
    /// alert matching its sources has the same <c>equal</c> labels; clinical-safety alerts are never inhibited
    /// (inhibition is automatic, and muting one needs two people).
    /// </summary>
    public static MuteReason? Evaluate(Alert alert, IReadOnlyList<Silence> silences, IReadOnlyList<Alert> openAlerts,
        IReadOnlyList<InhibitRule> rules, DateTimeOffset now)
    {
        foreach (var silence in silences)
        {
            if (silence.IsActive(now) && (!alert.ClinicalSafety || silence.ApprovedBy is not null)
                && Matcher.All(silence.ParsedMatchers(), alert.Labels))
            {
                return new MuteReason(silence.Id, null, $"silenced by {silence.Id} ({silence.Reason})");
            }
        }

        if (alert.ClinicalSafety)
        {
            return null;
        }

        foreach (var rule in rules)
        {
            if (!Matcher.All(rule.TargetMatchers, alert.Labels))
            {
                continue;
            }

            foreach (var source in openAlerts)
            {
                if (source.Id != alert.Id && source.Status != AlertStatus.Resolved && Matcher.All(rule.SourceMatchers, source.Labels)
                    && rule.Equal.All(l => source.Labels.GetValueOrDefault(l, "") == alert.Labels.GetValueOrDefault(l, "")))
                {
                    return new MuteReason(null, source.Id, $"inhibited by {source.Id} ({string.Join(",", rule.SourceMatchers)})");
                }
            }
        }

        return null;
    }

    /// <summary>The events that record a mute once per silence or inhibiting alert.</summary>
    public static IReadOnlyList<object> Record(Alert alert, MuteReason reason, IReadOnlyList<Silence> silences, DateTimeOffset now)
    {
        if (reason.SilenceId is { } sid && !alert.SilencedBy.Contains(sid))
        {
            var s = silences.First(x => x.Id == sid);
            return [new AlertSilenced(sid, s.Author, s.ApprovedBy, s.Reason, now)];
        }

        if (reason.InhibitedBy is { } iid && !alert.InhibitedBy.Contains(iid))
        {
            return [new NotificationSuppressed(iid, reason.Description, now)];
        }

        return [];
    }
}
