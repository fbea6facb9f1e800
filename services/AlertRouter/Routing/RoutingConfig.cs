namespace Monitoring.AlertRouter.Routing;

/// <summary>A parsed, validated routing configuration (Alertmanager-style tree plus escalation and on-call).</summary>
public sealed record RoutingConfig
{
    /// <summary>SHA-256 of the file content: the version the audit refers to.</summary>
    public required string Version { get; init; }

    /// <summary>The routing tree's root.</summary>
    public required RouteNode Root { get; init; }

    /// <summary>Receivers by name.</summary>
    public required IReadOnlyDictionary<string, Receiver> Receivers { get; init; }

    /// <summary>Inhibition rules.</summary>
    public IReadOnlyList<InhibitRule> InhibitRules { get; init; } = [];

    /// <summary>Escalation policies by name.</summary>
    public IReadOnlyDictionary<string, EscalationPolicy> EscalationPolicies { get; init; } = new Dictionary<string, EscalationPolicy>();

    /// <summary>On-call schedules by name.</summary>
    public IReadOnlyDictionary<string, OnCallSchedule> Schedules { get; init; } = new Dictionary<string, OnCallSchedule>();

    /// <summary>People who can be on call, by name.</summary>
    public IReadOnlyDictionary<string, Person> People { get; init; } = new Dictionary<string, Person>();

    /// <summary>How long a clinical-safety alert may wait for an oversight decision before it escalates.</summary>
    public TimeSpan DecisionDeadline { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Escalation policy for clinical-safety alerts whose route names none.</summary>
    public string? ClinicalSafetyPolicy { get; init; }
}

/// <summary>One node of the routing tree. Timing and receiver are inherited from the parent when not set.</summary>
public sealed record RouteNode
{
    /// <summary>Position in the tree, e.g. <c>root</c>, <c>root.0</c>, <c>root.0.1</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Receiver of grouped notifications.</summary>
    public required string Receiver { get; init; }

    /// <summary>Matchers (all must match).</summary>
    public IReadOnlyList<Matcher> Matchers { get; init; } = [];

    /// <summary>Keep evaluating siblings after this route matched.</summary>
    public bool Continue { get; init; }

    /// <summary>Labels that form a group; <c>...</c> groups by all labels (no grouping).</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>Wait before the first notification of a new group.</summary>
    public TimeSpan GroupWait { get; init; }

    /// <summary>Wait before notifying about changes in a group already notified.</summary>
    public TimeSpan GroupInterval { get; init; }

    /// <summary>Wait before re-sending an unchanged notification.</summary>
    public TimeSpan RepeatInterval { get; init; }

    /// <summary>Escalation policy for alerts routed here (inherited).</summary>
    public string? EscalationPolicy { get; init; }

    /// <summary>Child routes.</summary>
    public IReadOnlyList<RouteNode> Routes { get; init; } = [];
}

/// <summary>Kind of integration.</summary>
public enum ReceiverKind { Webhook, PagerDuty, Email }

/// <summary>A named receiver with one or more integrations and an optional fallback receiver.</summary>
public sealed record Receiver(string Name, IReadOnlyList<Integration> Integrations, string? Fallback);

/// <summary>One integration of a receiver.</summary>
public sealed record Integration
{
    /// <summary>Kind.</summary>
    public required ReceiverKind Kind { get; init; }

    /// <summary>Webhook URL, or PagerDuty Events API URL.</summary>
    public string? Url { get; init; }

    /// <summary>PagerDuty integration (routing) key.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>Email recipient(s), comma separated.</summary>
    public string? To { get; init; }

    /// <summary>Email sender.</summary>
    public string? From { get; init; }

    /// <summary>SMTP host.</summary>
    public string? SmtpHost { get; init; }

    /// <summary>SMTP port.</summary>
    public int SmtpPort { get; init; } = 25;

    /// <summary>Require STARTTLS.</summary>
    public bool RequireTls { get; init; }

    /// <summary>SMTP user name (optional).</summary>
    public string? Username { get; init; }

    /// <summary>SMTP password (optional).</summary>
    public string? Password { get; init; }

    /// <summary>Send a notification when alerts resolve.</summary>
    public bool SendResolved { get; init; } = true;
}

/// <summary>Alerts matching <see cref="TargetMatchers"/> are muted while an alert matching <see cref="SourceMatchers"/> fires with the same <see cref="Equal"/> labels.</summary>
public sealed record InhibitRule(IReadOnlyList<Matcher> SourceMatchers, IReadOnlyList<Matcher> TargetMatchers, IReadOnlyList<string> Equal);

/// <summary>Ordered escalation levels; the whole sequence repeats <see cref="Repeat"/> times.</summary>
public sealed record EscalationPolicy(string Name, IReadOnlyList<EscalationLevel> Levels, int Repeat);

/// <summary>One escalation level: who is paged and how long they have to acknowledge.</summary>
public sealed record EscalationLevel(int Level, IReadOnlyList<string> Receivers, IReadOnlyList<string> Schedules, TimeSpan Timeout);

/// <summary>A rotation of people with overrides; <see cref="Receiver"/> is the transport used to page the person on call.</summary>
public sealed record OnCallSchedule(string Name, string Receiver, DateTimeOffset RotationStart, TimeSpan Shift, IReadOnlyList<string> Participants, IReadOnlyList<OnCallOverride> Overrides);

/// <summary>Someone covers a schedule between two instants.</summary>
public sealed record OnCallOverride(DateTimeOffset Start, DateTimeOffset End, string Person);

/// <summary>A person who can be paged.</summary>
public sealed record Person(string Name, string? Email);
