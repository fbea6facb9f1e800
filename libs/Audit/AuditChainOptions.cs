using System.ComponentModel.DataAnnotations;

namespace Monitoring.Audit;

/// <summary>Settings of the chaining follower (section <c>Audit</c>), the same in every service.</summary>
public sealed class AuditChainOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Audit";

    /// <summary>Whether this instance runs the follower (one instance per store chains; the others stand by on an advisory lock).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events read per page.</summary>
    [Range(1, 100_000)]
    public int PageSize { get; set; } = 5000;

    /// <summary>Wait between pages when the chain has caught up.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Least time a gap in <c>seq_id</c> stays open before it may be recorded as never committed. The gap is recorded only once,
    /// in addition, every transaction that was in progress when the gap was first seen has ended (see docs/audit.md); the delay
    /// covers the instant between a writer taking a sequence number and its transaction getting an id.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan GapSettle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Checkpoint after this many chained sequence numbers.</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointEveryEvents { get; set; } = 100_000;

    /// <summary>Checkpoint at least this often while new events are chained.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Base address of the signer (tools/Signer), e.g. <c>http://127.0.0.1:5090</c>; no checkpoints when empty.</summary>
    public string? SignerUrl { get; set; }

    /// <summary>Where the signer's checkpoints can be read (a read-only mount), for the auditor API's verify; none when empty.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Directory of trusted public keys (<c>*.pub</c>); defaults to <c>keys</c> under <see cref="CheckpointDirectory"/>.</summary>
    public string? TrustedKeys { get; set; }

    /// <summary>Unix socket of the signer (instead of TCP); <see cref="SignerUrl"/> still gives the host name for the request.</summary>
    public string? SignerSocket { get; set; }
}
