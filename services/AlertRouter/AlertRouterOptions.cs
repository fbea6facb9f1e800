namespace Monitoring.AlertRouter;

/// <summary>Settings of the AlertRouter (section <c>AlertRouter</c>).</summary>
public sealed class AlertRouterOptions
{
    public const string Section = "AlertRouter";

    /// <summary>Path of the routing YAML (relative paths are relative to the content root).</summary>
    public string RoutingFile { get; set; } = "routing.yaml";

    /// <summary>PostgreSQL schema of the event store and documents.</summary>
    public string Schema { get; set; } = "alerts";

    /// <summary>RabbitMQ queue the findings and health conditions are consumed from.</summary>
    public string QueueName { get; set; } = "alert-router";

    /// <summary>Base URL of this API, for links in notifications.</summary>
    public string ExternalUrl { get; set; } = "http://127.0.0.1:5082";

    /// <summary>How often timers, group flushes and the outbox are checked (work also wakes it at once).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the routing file is re-read.</summary>
    public TimeSpan ConfigReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages processed at once by the consumer (1 keeps a finding's messages in order).</summary>
    public int ConsumerConcurrency { get; set; } = 1;

    /// <summary>Attempts per receiver before the fallback receiver is used.</summary>
    public int DeliveryAttempts { get; set; } = 4;

    /// <summary>First retry delay; doubles each attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeout of one delivery attempt.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries sent at once.</summary>
    public int DeliveryParallelism { get; set; } = 4;

    /// <summary>Longest silence allowed.</summary>
    public TimeSpan MaxSilenceDuration { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Sample sizes below this are shown as "&lt; k" in notifications (privacy: small groups not exposed). k = 11 is the
    /// project's floor: configuration may raise it, never lower it.
    /// </summary>
    public int MinGroupSize { get; set; } = 11;

    /// <summary>
    /// Findings without a change id are grouped into one incident per deployment, site and this much event time (the
    /// detecting window), until the detector attributes them to changes.
    /// </summary>
    public TimeSpan FallbackWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Notification budget: pages per incident per escalation level (default 2 = one page and at most one reminder).</summary>
    public int PagesPerLevel { get; set; } = 2;

    internal bool IsValid(out string reason)
    {
        reason = (this switch
        {
            { RoutingFile.Length: 0 } => "AlertRouter:RoutingFile is required",
            { Schema.Length: 0 } => "AlertRouter:Schema is required",
            { QueueName.Length: 0 } => "AlertRouter:QueueName is required",
            _ when !Uri.TryCreate(ExternalUrl, UriKind.Absolute, out _) => "AlertRouter:ExternalUrl must be an absolute URL",
            _ when TickInterval <= TimeSpan.Zero || ConfigReloadInterval <= TimeSpan.Zero => "AlertRouter:TickInterval and ConfigReloadInterval must be positive",
            _ when ConsumerConcurrency < 1 || DeliveryAttempts < 1 || DeliveryParallelism < 1 => "AlertRouter:ConsumerConcurrency, DeliveryAttempts and DeliveryParallelism must be at least 1",
            _ when RetryBaseDelay < TimeSpan.Zero || DeliveryTimeout <= TimeSpan.Zero => "AlertRouter:RetryBaseDelay must not be negative and DeliveryTimeout must be positive",
            _ when MinGroupSize < 11 => "AlertRouter:MinGroupSize must be at least 11 (the small-cell threshold)",
            _ when FallbackWindow <= TimeSpan.Zero => "AlertRouter:FallbackWindow must be positive",
            _ when PagesPerLevel < 1 => "AlertRouter:PagesPerLevel must be at least 1",
            _ => null,
        })!;
        return reason is null;
    }
}

/// <summary>RabbitMQ connection (section <c>RabbitMq</c>).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "monitoring";
    public string Username { get; set; } = "monitoring";
    public string Password { get; set; } = "monitoring";
}
