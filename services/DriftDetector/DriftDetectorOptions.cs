using System.ComponentModel.DataAnnotations;

namespace Monitoring.DriftDetector;

/// <summary>Settings of the DriftDetector (section <c>DriftDetector</c>).</summary>
public sealed class DriftDetectorOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "DriftDetector";

    /// <summary>Policy files or directories (YAML or JSON), relative to the content root (appsettings.json: <c>../../deploy/policies</c>).</summary>
    [MinLength(1)]
    public List<string> PolicyPaths { get; set; } = [];

    /// <summary>PostgreSQL schema of the Ingest event store that is read.</summary>
    [Required]
    public string IngestSchema { get; set; } = "ingest";

    /// <summary>PostgreSQL schema of the detector's own streams and documents.</summary>
    [Required]
    public string DriftSchema { get; set; } = "drift";

    /// <summary>Events per subscription page read from the Ingest store.</summary>
    [Range(10, 100_000)]
    public int PageSize { get; set; } = 5000;

    /// <summary>Connections reading the next chunks of a handed-out range while the current one is decided (1 = read, then decide).</summary>
    [Range(1, 8)]
    public int ReadConnections { get; set; } = 2;

    /// <summary>
    /// Most recent inferences kept in memory (only the fields the late-label path reads) so a label arriving soon after its
    /// inference costs no query; older ones are looked up in the store. 0 = always query.
    /// </summary>
    [Range(0, 10_000_000)]
    public int JoinMemoryInferences { get; set; } = 20_000;

    /// <summary>
    /// The state snapshot is written every this many events (and on stop and flush); findings are committed as soon as they are
    /// decided, so this only bounds how many events a restart re-reads.
    /// </summary>
    [Range(100, 10_000_000)]
    public int SnapshotEveryEvents { get; set; } = 250_000;

    /// <summary>Ground truth / feedback events kept while waiting for their inference (oldest evicted beyond).</summary>
    [Range(100, 10_000_000)]
    public int MaxPendingLateEvents { get; set; } = 100_000;

    /// <summary>
    /// Small-cell threshold k: subgroup figures with n below k are not exposed by the API or the metrics. The project's privacy
    /// rule fixes k = 11 as the floor: configuration may raise it, never lower it.
    /// </summary>
    [Range(11, 1000)]
    public int SmallCellThreshold { get; set; } = 11;

    /// <summary>Subscription lag (events behind the store's head) above which <c>detector-lag</c> fires.</summary>
    [Range(1, long.MaxValue)]
    public long LagAlertEvents { get; set; } = 100_000;

    /// <summary>How often the lag is measured.</summary>
    public TimeSpan LagCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the subscription supervisor looks at the daemons (and retries a failed start).</summary>
    public TimeSpan SubscriptionCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait between two restarts of a subscription stopped by a transient error (connection, 57P01, 08xxx): the wait
    /// doubles from 0.5 s up to this bound, so recovery after a database restart takes at most about this long once it is up.
    /// </summary>
    public TimeSpan SubscriptionRestartMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum number of subgroup label values exported as metric series per deployment (bounds cardinality).</summary>
    [Range(1, 100_000)]
    public int MetricsMaxSubgroups { get; set; } = 50;

    /// <summary>Start the subscription with the host (false in tests that drive it explicitly).</summary>
    public bool AutoStart { get; set; } = true;
}

/// <summary>RabbitMQ connection (section <c>RabbitMq</c>).</summary>
public sealed class RabbitMqOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "RabbitMq";

    /// <summary>Host.</summary>
    [Required] public string Host { get; set; } = "127.0.0.1";

    /// <summary>AMQP port.</summary>
    [Range(1, 65535)] public int Port { get; set; } = 5672;

    /// <summary>Virtual host.</summary>
    [Required] public string VirtualHost { get; set; } = "monitoring";

    /// <summary>User.</summary>
    [Required] public string Username { get; set; } = "monitoring";

    /// <summary>Password.</summary>
    [Required] public string Password { get; set; } = "monitoring";
}
