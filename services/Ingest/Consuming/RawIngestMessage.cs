using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Ingest.Consuming;

/// <summary>
/// The body of an AMQP message on an Ingest queue, kept as raw JSON: one item (object) or a batch (array).
/// Producers publish plain JSON with no MassTransit envelope; the endpoint's raw JSON deserializer hands the body
/// to this type, and the consumer validates it field by field so that the error queue gets every problem by path.
/// </summary>
[JsonConverter(typeof(RawIngestMessageConverter))]
public sealed class RawIngestMessage(JsonElement body)
{
    public JsonElement Body { get; } = body;
}

/// <summary>Captures any JSON value as a <see cref="RawIngestMessage"/>; it never writes one (Ingest does not send this type).</summary>
public sealed class RawIngestMessageConverter : JsonConverter<RawIngestMessage>
{
    public override RawIngestMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawIngestMessage(document.RootElement.Clone());
    }

    public override void Write(Utf8JsonWriter writer, RawIngestMessage value, JsonSerializerOptions options) =>
        value.Body.WriteTo(writer);
}
