using JasperFx;
using Marten;
using Monitoring.EventStore;
using Npgsql;

namespace Monitoring.Ingest.Storage;

/// <summary>
/// The Marten event store of Ingest. Its shape is <see cref="IngestStoreShape"/> (shared with the subscribers); here:
/// schema from <c>Ingest:Schema</c> (default <c>ingest</c>) for events and documents, string stream
/// keys (the producer's <c>inferenceId</c>), the contract records stored as they are with Marten's default aliases
/// (<c>inference_recorded</c>, <c>ground_truth_recorded</c>, <c>reader_feedback_recorded</c>) and default serializer,
/// correlation id (trace id), causation id (message id) and headers (<see cref="ContentHashHeader"/>) enabled.
/// </summary>
public static class EventStoreSetup
{
    /// <summary>Event header holding the SHA-256 of the item's canonical JSON; the idempotency check reads it.</summary>
    public const string ContentHashHeader = "content-sha256";

    /// <summary>Event header naming the transport the item came through (http or amqp) and the producer.</summary>
    public const string ProducerHeader = "producer";

    /// <summary>Applies Ingest's store configuration to <paramref name="opts"/>.</summary>
    public static void Configure(StoreOptions opts, string schema)
    {
        IngestStoreShape.Apply(opts, schema);
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
    }

    /// <summary>Builds an NpgsqlDataSource for the <c>ConnectionStrings:Marten</c> connection string.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString) =>
        new NpgsqlDataSourceBuilder(connectionString) { Name = "ingest" }.Build();
}
