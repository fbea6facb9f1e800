using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Ingest.Consuming;

/// <summary>
/// The message type of the Ingest queues: raw JSON, one item (object) or a batch (array), published by producers with
/// no MassTransit envelope. The endpoint's raw JSON deserializer has already checked that the body is JSON when it
/// produces this type; it keeps no copy of the body, because the consumer validates the received bytes
/// (<c>ReceiveContext.Body</c>) field by field in one pass, so that the error queue gets every problem by path.
/// </summary>
[JsonConverter(typeof(RawIngestMessageConverter))]
public sealed class RawIngestMessage;

/// <summary>Accepts any JSON value as a <see cref="RawIngestMessage"/> without copying it; Ingest never sends this type.</summary>
public sealed class RawIngestMessageConverter : JsonConverter<RawIngestMessage>
{
    public override RawIngestMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        reader.Skip();
        return new RawIngestMessage();
    }

    public override void Write(Utf8JsonWriter writer, RawIngestMessage value, JsonSerializerOptions options) =>
        throw new NotSupportedException("RawIngestMessage is only received: publish the JSON body itself (see docs/ingest.md)");
}
