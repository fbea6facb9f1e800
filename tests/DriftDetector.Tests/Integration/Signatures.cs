using System.Globalization;
using System.Text.Json;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>A comparable line per finding event: type, id, triggering sequence and the decisive numbers.</summary>
internal static class Signatures
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static string Of(object e) => e switch
    {
        FindingOpened o => $"opened|{o.FindingId}|{o.Scope}|{o.Evidence.Signal}|{o.IngestSequence}|{N(o.Evidence.Statistic)}|{N(o.Evidence.AdjustedPValue)}",
        FindingUpdated u => $"updated|{u.FindingId}|{u.Occurrences}|{u.IngestSequence}|{N(u.Evidence.Statistic)}|{N(u.Evidence.AdjustedPValue)}",
        FindingResolved r => $"resolved|{r.FindingId}|{r.IngestSequence}|{N(r.Evidence.Statistic)}",
        _ => "",
    };

    public static string FromStored(string line)
    {
        // line: "<stream> <type> <json>"
        var parts = line.Split(' ', 3);
        object? data = parts[1] switch
        {
            "finding_opened" => JsonSerializer.Deserialize<FindingOpened>(parts[2], Json),
            "finding_updated" => JsonSerializer.Deserialize<FindingUpdated>(parts[2], Json),
            "finding_resolved" => JsonSerializer.Deserialize<FindingResolved>(parts[2], Json),
            _ => null,
        };
        return data is null ? "" : Of(data);
    }

    private static string N(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "-";
}
