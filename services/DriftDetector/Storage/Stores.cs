using JasperFx;
using JasperFx.Events;
using Marten;
using Monitoring.Contracts;
using Monitoring.EventStore;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Storage;

/// <summary>
/// The two Marten stores. The Ingest store is read only, through the subscription, with Ingest's own configuration (schema,
/// string stream keys, default serializer, metadata columns) so the daemon reads its rows as Ingest wrote them; nothing is
/// written there except the subscription's progress row. Everything the detector owns (finding streams, policy versions,
/// snapshots, views, the publish ledger) lives in a separate store on the "drift" schema.
/// </summary>
internal static class Stores
{
    public const string SubscriptionName = "DriftDetector";
    public const string InferenceType = "inference_recorded";
    public const string GroundTruthType = "ground_truth_recorded";
    public const string ReaderFeedbackType = "reader_feedback_recorded";
    public const string DetectorCheckpointId = "detector";
    public const string FindingsProgressId = "findings";

    public static void ConfigureIngest(StoreOptions opts, string connectionString, string schema)
    {
        opts.Connection(connectionString);
        IngestStoreShape.Apply(opts, schema);

        // Never alter Ingest's tables: create them only if Ingest has not run yet.
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOnly;
        opts.Projections.RebuildErrors.SkipApplyErrors = false;
        opts.Projections.RebuildErrors.SkipSerializationErrors = false;
        opts.Projections.RebuildErrors.SkipUnknownEvents = false;
    }

    public static void ConfigureDrift(StoreOptions opts, string connectionString, string schema)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = schema;
        opts.Events.DatabaseSchemaName = schema;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.AddEventType<FindingOpened>();
        opts.Events.AddEventType<FindingUpdated>();
        opts.Events.AddEventType<FindingResolved>();
        opts.Events.AddEventType<PerformanceReconciled>();
        opts.Events.AddEventType<PolicyActivated>();
        opts.Events.AddEventType<ChangeOpened>();
        opts.Events.AddEventType<ChangeRevised>();
        opts.Events.AddEventType<ChangeClosed>();
        opts.Schema.For<Publishing.ChangeView>().Identity(x => x.Id).Index(x => x.Deployment).Index(x => x.Status);
        opts.Events.UseListenNotifyForEventAppends = true; // finding appends wake the publisher at once (see IngestStoreShape)
        opts.Schema.For<DetectorCheckpoint>().Identity(x => x.Id);
        opts.Schema.For<FindingsProgress>().Identity(x => x.Id);
        opts.Schema.For<DeploymentSnapshot>().Identity(x => x.Id); // read once, on upgrade from a store written before SnapshotRows
        opts.Schema.For<ReferenceSnapshot>().Identity(x => x.Id);
        opts.Storage.ExtendedSchemaObjects.Add(SnapshotRows.Definition(schema));
        opts.Schema.For<DeploymentStatusView>().Identity(x => x.Id);
        opts.Schema.For<FindingView>().Identity(x => x.Id).Index(x => x.Deployment).Index(x => x.Status);
        opts.Schema.For<PublishedMessage>().Identity(x => x.Id);
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.Projections.Errors.SkipApplyErrors = false;
        opts.Projections.Errors.SkipSerializationErrors = false;
        opts.Projections.Errors.SkipUnknownEvents = false;
    }

    public static string FindingStream(string findingId) => "finding:" + findingId;
    public static string PolicyStream(string deployment) => "policy:" + deployment;
    public static string ReconciliationStream(string deployment) => "reconciliation:" + deployment;
}

/// <summary>The detector's checkpoint and the global part of its state (late events waiting for their inference).</summary>
public sealed class DetectorCheckpoint
{
    /// <summary>Always <c>detector</c>.</summary>
    public string Id { get; set; } = Stores.DetectorCheckpointId;

    /// <summary>Last ingest sequence reflected in the stored state.</summary>
    public long LastSequence { get; set; }

    /// <summary>
    /// Empty: the global state is the <see cref="SnapshotRows.Global"/> row written in the same transaction. A store written
    /// before the snapshot rows holds the serialized global state here (and the deployments in <see cref="DeploymentSnapshot"/>,
    /// <see cref="ReferenceSnapshot"/>): it is read once, and the next snapshot moves it into rows and deletes the documents.
    /// </summary>
    public string Json { get; set; } = "";
}

/// <summary>
/// How far the finding events are committed. Findings are committed as soon as they are decided (with this document), while the
/// state snapshot (<see cref="DetectorCheckpoint"/>, <see cref="DeploymentSnapshot"/>) is written only every
/// <c>SnapshotEveryEvents</c>: after a restart the detector replays from the snapshot and drops what it decides again up to
/// <see cref="Through"/>, which is exactly what was committed (the detector is deterministic).
/// </summary>
public sealed class FindingsProgress
{
    /// <summary>Always <c>findings</c>.</summary>
    public string Id { get; set; } = Stores.FindingsProgressId;

    /// <summary>Last ingest sequence whose findings are committed.</summary>
    public long Through { get; set; }
}

/// <summary>Snapshot of one deployment's state as stored before <see cref="SnapshotRows"/> (read on upgrade only).</summary>
public sealed class DeploymentSnapshot
{
    /// <summary>Deployment key.</summary>
    public string Id { get; set; } = "";

    /// <summary>Serialized state (JSON).</summary>
    public string Json { get; set; } = "";
}

/// <summary>The reference profile accumulators of a deployment as stored before <see cref="SnapshotRows"/> (read on upgrade only).</summary>
public sealed class ReferenceSnapshot
{
    /// <summary>Deployment key.</summary>
    public string Id { get; set; } = "";

    /// <summary>Serialized reference (JSON).</summary>
    public string Json { get; set; } = "";
}

/// <summary>What the API shows for a deployment: latest evaluation per subgroup and signal, with sample sizes.</summary>
public sealed class DeploymentStatusView
{
    /// <summary>Deployment key.</summary>
    public string Id { get; set; } = "";

    /// <summary>Model.</summary>
    public ModelRef Model { get; set; } = new("", "");

    /// <summary>Site the policy is restricted to, if any.</summary>
    public string? Site { get; set; }

    /// <summary>Policy version in force.</summary>
    public int PolicyVersion { get; set; }

    /// <summary>Reference profile id (empty while it is being collected).</summary>
    public string ReferenceId { get; set; } = "";

    /// <summary>Whether the reference is complete.</summary>
    public bool ReferenceComplete { get; set; }

    /// <summary>Inferences seen.</summary>
    public long Inferences { get; set; }

    /// <summary>Windows closed.</summary>
    public int ClosedWindows { get; set; }

    /// <summary>Labels that arrived after their window left the grace period.</summary>
    public long LabelsTooLate { get; set; }

    /// <summary>Last ingest sequence applied.</summary>
    public long LastSequence { get; set; }

    /// <summary>Rows.</summary>
    public List<StatusRow> Rows { get; set; } = [];
}

/// <summary>Latest evaluation of one signal in one subgroup.</summary>
public sealed record StatusRow(
    string Scope, string? Site, IReadOnlyDictionary<string, string> Subgroup, string Signal, string Method, FindingKind Kind, string State,
    double? Statistic, double? PValue, double? AdjustedPValue, double? EffectSize, Interval? Interval, double? Threshold,
    long ReferenceSize, long CurrentSize, WindowBounds? Window, string? OpenFindingId);

/// <summary>Read model of a finding for the API (written in the same transaction as its events).</summary>
public sealed class FindingView
{
    /// <summary>Finding id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Deployment key.</summary>
    public string Deployment { get; set; } = "";

    /// <summary><c>open</c> or <c>resolved</c>.</summary>
    public string Status { get; set; } = "open";

    /// <summary>Kind.</summary>
    public FindingKind Kind { get; set; }

    /// <summary>Severity.</summary>
    public Severity Severity { get; set; }

    /// <summary>Model.</summary>
    public ModelRef Model { get; set; } = new("", "");

    /// <summary>Site.</summary>
    public string? Site { get; set; }

    /// <summary>Subgroup.</summary>
    public Dictionary<string, string> Subgroup { get; set; } = [];

    /// <summary>Scope key.</summary>
    public string Scope { get; set; } = "";

    /// <summary>Summary.</summary>
    public string Summary { get; set; } = "";

    /// <summary>Latest evidence.</summary>
    public FindingEvidence? Evidence { get; set; }

    /// <summary>Evaluations that confirmed it.</summary>
    public int Occurrences { get; set; }

    /// <summary>Opened at (event time).</summary>
    public DateTimeOffset DetectedAt { get; set; }

    /// <summary>Last update (event time).</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Resolved at (event time).</summary>
    public DateTimeOffset? ResolvedAt { get; set; }
}

/// <summary>A message already published to RabbitMQ (survives rebuilds, so a replay does not page anyone twice).</summary>
public sealed class PublishedMessage
{
    /// <summary>Deterministic message id.</summary>
    public string Id { get; set; } = "";
}
