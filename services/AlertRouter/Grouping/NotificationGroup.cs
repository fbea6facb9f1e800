using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Grouping;

/// <summary>
/// An Alertmanager notification group (route + receiver + group_by values) and its durable flush timer
/// (<see cref="NextFlushAt"/>). Stored with optimistic concurrency: intake and the clock both write it.
/// </summary>
public sealed class NotificationGroup
{
    public string Id { get; set; } = "";
    public string RouteId { get; set; } = "";
    public string Receiver { get; set; } = "";
    public Dictionary<string, string> GroupLabels { get; set; } = [];
    public List<Guid> AlertIds { get; set; } = [];
    public List<Guid> NotifiedFiring { get; set; } = [];
    public TimeSpan GroupInterval { get; set; }
    public TimeSpan RepeatInterval { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextFlushAt { get; set; }
    public DateTimeOffset? LastSentAt { get; set; }
    public string? LastSentHash { get; set; }

    /// <summary>Reminders sent since the set of alerts last changed (repeat_interval resends), capped by the notification budget.</summary>
    public int Repeats { get; set; }

    /// <summary>A new group: first flush after group_wait.</summary>
    public static NotificationGroup Create(string key, RouteNode route, IReadOnlyDictionary<string, string> groupLabels, DateTimeOffset now) => new()
    {
        Id = key,
        RouteId = route.Id,
        Receiver = route.Receiver,
        GroupLabels = groupLabels.ToDictionary(),
        GroupInterval = route.GroupInterval,
        RepeatInterval = route.RepeatInterval,
        CreatedAt = now,
        NextFlushAt = now + route.GroupWait,
    };
}

/// <summary>One member of a group at flush time.</summary>
public sealed record GroupMember(Guid AlertId, bool Resolved, bool Muted);

/// <summary>What a flush does: whether to notify, with which alerts, and the group's next state.</summary>
public sealed record FlushDecision(bool Send, IReadOnlyList<Guid> Firing, IReadOnlyList<Guid> Resolved, IReadOnlyList<Guid> Remaining,
    IReadOnlyList<Guid> NotifiedFiring, string Hash, DateTimeOffset NextFlushAt, int Repeats = 0);

/// <summary>Alertmanager's group flush rule as a pure function.</summary>
public static class GroupDecisions
{
    /// <summary>
    /// Notify when the set of firing (unmuted) alerts or of newly resolved ones changed since the last notification,
    /// or when firing alerts are unchanged for <c>repeat_interval</c>, at most <paramref name="maxRepeats"/> times until the
    /// set changes (the notification budget: one notification and one reminder by default). A resolved alert is reported
    /// once, and only if it had been notified as firing; then it leaves the group. The next flush is <c>group_interval</c> later.
    /// </summary>
    public static FlushDecision Flush(NotificationGroup group, IReadOnlyList<GroupMember> members, DateTimeOffset now, int maxRepeats = int.MaxValue)
    {
        var firing = members.Where(m => !m.Resolved && !m.Muted).Select(m => m.AlertId).Order().ToList();
        var resolved = members.Where(m => m.Resolved && group.NotifiedFiring.Contains(m.AlertId)).Select(m => m.AlertId).Order().ToList();
        var hash = $"{string.Join(",", firing)}|{string.Join(",", resolved)}";
        var changed = hash != group.LastSentHash && (firing.Count > 0 || resolved.Count > 0);
        var repeat = !changed && firing.Count > 0 && group.LastSentAt is { } last && now - last >= group.RepeatInterval && group.Repeats < maxRepeats;
        var send = changed || repeat;
        var remaining = members.Where(m => !m.Resolved).Select(m => m.AlertId).ToList();
        var notified = send ? firing : group.NotifiedFiring.Where(remaining.Contains).ToList();
        return new FlushDecision(send, firing, resolved, remaining, notified, hash, now + group.GroupInterval,
            changed ? 0 : repeat ? group.Repeats + 1 : group.Repeats);
    }
}
