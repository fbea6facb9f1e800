using Prometheus;

namespace Monitoring.Audit;

/// <summary>Prometheus metrics of the chaining follower, labelled by store.</summary>
public static class AuditMetrics
{
    /// <summary>Sequence numbers committed but not chained yet (head minus chained tail): the alert in docs/audit.md watches it.</summary>
    public static readonly Gauge Lag = Metrics.CreateGauge("audit_chain_lag_events", "Committed events not yet covered by the hash chain.", "store");

    /// <summary>Last chained sequence number.</summary>
    public static readonly Gauge Tail = Metrics.CreateGauge("audit_chain_tail_sequence", "Last sequence number covered by the hash chain.", "store");

    /// <summary>Highest committed sequence number.</summary>
    public static readonly Gauge Head = Metrics.CreateGauge("audit_chain_head_sequence", "Highest committed sequence number of the store.", "store");

    /// <summary>Unix time of the last chained page (or of the last check that found nothing to chain).</summary>
    public static readonly Gauge LastProgress = Metrics.CreateGauge("audit_chain_last_progress_timestamp_seconds", "When the follower last caught up or advanced.", "store");

    /// <summary>Sequence numbers recorded as never committed.</summary>
    public static readonly Counter Gaps = Metrics.CreateCounter("audit_chain_gaps_total", "Sequence numbers recorded as permanent gaps (rolled-back transactions).", "store");

    /// <summary>Last signed checkpoint's sequence number.</summary>
    public static readonly Gauge Checkpoint = Metrics.CreateGauge("audit_checkpoint_sequence", "Sequence number of the last signed checkpoint.", "store");

    /// <summary>Checkpoints the signer did not sign (unreachable, refused).</summary>
    public static readonly Counter CheckpointFailures = Metrics.CreateCounter("audit_checkpoint_failures_total", "Checkpoint requests that failed.", "store");
}
