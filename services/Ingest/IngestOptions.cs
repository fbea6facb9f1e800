using System.ComponentModel.DataAnnotations;

namespace Monitoring.Ingest;

/// <summary>Ingest settings (section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>PostgreSQL schema of the event store (events and documents).</summary>
    [Required, RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string Schema { get; set; } = "ingest";

    /// <summary>Largest accepted HTTP body; larger bodies get 413.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest number of items in one HTTP request (array or NDJSON); more get 413.</summary>
    [Range(1, 100_000)]
    public int MaxItemsPerRequest { get; set; } = 10_000;

    /// <summary>Largest number of events appended in one PostgreSQL transaction by the writer.</summary>
    [Range(1, 20_000)]
    public int MaxAppendBatch { get; set; } = 2_000;

    /// <summary>
    /// How events that join a stream (ground truth, reader feedback, or several events for one new stream) are appended.
    /// True (default): one set-based statement per batch for all such streams (<c>ExistingStreamAppender</c>), which
    /// writes the same rows as Marten's append. False: Marten's session append, one <c>mt_quick_append_events</c>
    /// call per stream; kept so the benchmark can compare both in one run, and as a fallback.
    /// </summary>
    public bool SetBasedAppend { get; set; } = true;

    /// <summary>
    /// Messages RabbitMQ may deliver before acknowledgement, per queue (and concurrent consume calls). Every delivered
    /// message stays in memory until the writer has committed it (its body, MassTransit's parsed copy and the validated
    /// items: about 1 MB for a 500-item HTTP batch), and RabbitMQ counts messages, not bytes: at 4,000 the Ingest pulled a
    /// backlog into its own memory whenever the writer fell behind (1.5 GB live in an 8-minute overloaded soak) and its RSS
    /// followed the backlog. 64 keeps a backlog in the broker, durable and visible as queue depth, bounds the in-flight memory
    /// (≈ 64 × 3 queues × 1 MB for large batches) and still fills the writer's group commits (16 batches of 500 are 16,000
    /// items against commits of 2,000; single-item messages give commits of up to 64 per queue).
    /// </summary>
    public int PrefetchCount { get; set; } = 64;

    /// <summary>Redelivery attempts in process for transient store failures before a message is faulted.</summary>
    [Range(0, 10_000)]
    public int TransientRetryLimit { get; set; } = 200;

    /// <summary>Per-producer HTTP rate limit.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Seconds a client is asked to wait (Retry-After) when RabbitMQ or PostgreSQL is unavailable.</summary>
    [Range(1, 3600)]
    public int UnavailableRetryAfterSeconds { get; set; } = 5;
}

/// <summary>Token bucket per authenticated producer.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second per producer.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Requests a producer may send in a burst.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 100;
}

/// <summary>RabbitMQ connection (section <c>RabbitMq</c>).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required] public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65_535)] public int Port { get; set; } = 5672;

    [Required] public string VirtualHost { get; set; } = "monitoring";

    [Required] public string Username { get; set; } = "monitoring";

    [Required] public string Password { get; set; } = "monitoring";

    /// <summary>Declare the consumer queues as quorum queues (replicated, durable); classic durable queues otherwise.</summary>
    public bool QuorumQueues { get; set; } = true;
}
