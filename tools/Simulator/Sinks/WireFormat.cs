using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Simulator.Sinks;

/// <summary>The contracts' wire format: System.Text.Json web defaults (camelCase), nulls omitted.</summary>
public static class WireFormat
{
    /// <summary>Serializer options for messages.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // Not embedded in HTML: keep "65+" readable instead of "65\u002B".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Options for the manifest (indented, enums as strings).</summary>
    public static JsonSerializerOptions Manifest { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
