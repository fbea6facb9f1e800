using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace Monitoring.AlertRouter.Console;

/// <summary>Where the console reads evidence series (section <c>AlertRouter:Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "AlertRouter:Console";

    /// <summary>Base URL of the DriftDetector's API; empty: the console draws only what the incident itself holds.</summary>
    public string? EvidenceUrl { get; set; }

    /// <summary>The console's service credential for the DriftDetector (an API key with the read role).</summary>
    public string? EvidenceApiKey { get; set; }

    /// <summary>How long a page waits for the detector before it renders without its series.</summary>
    public TimeSpan EvidenceTimeout { get; set; } = TimeSpan.FromSeconds(2);

    internal bool IsValid() => (string.IsNullOrWhiteSpace(EvidenceUrl) || Uri.TryCreate(EvidenceUrl, UriKind.Absolute, out _)) && EvidenceTimeout > TimeSpan.Zero;
}

// The DriftDetector's evidence DTOs as read here (services never reference each other: the JSON is the contract).
public sealed record SeriesPointDto(DateTimeOffset At, double? Statistic, double? Threshold, double? Lower, double? Upper, long? CurrentSize, bool Suppressed);

public sealed record HistogramBinDto(double Lower, double Upper, double Share);

public sealed record DistributionDto(string Signal, string Scope, long? ReferenceSize, long? CurrentSize, bool Suppressed,
    IReadOnlyList<HistogramBinDto> Reference, IReadOnlyList<HistogramBinDto> Current);

public sealed record SubgroupMetricDto(string Scope, IReadOnlyDictionary<string, string>? Subgroup, string? Site, string State, bool Suppressed,
    double? Value, double? Lower, double? Upper, double? Floor, long? CurrentSize);

public sealed record SubgroupPerformanceDto(string Signal, IReadOnlyList<SubgroupMetricDto> Rows);

public sealed record EvidenceSeriesDto(string FindingId, string Deployment, string Signal, string Method, string Scope, DateTimeOffset DetectedAt,
    int PolicyVersion, int SmallCellThreshold, IReadOnlyList<SeriesPointDto> Series, DistributionDto? Distribution,
    IReadOnlyList<SubgroupPerformanceDto> Performance);

/// <summary>
/// Reads a finding's evidence series from the DriftDetector with the console's service credential. Tolerant: the page
/// renders without the series (and says so) when the detector is slow, down or does not know the finding.
/// </summary>
public sealed class EvidenceClient(HttpClient http, IOptions<ConsoleOptions> options, ILogger<EvidenceClient> logger)
{
    public const string ClientName = "drift-evidence";

    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.EvidenceUrl);

    public async Task<EvidenceSeriesDto?> FindingAsync(string findingId, CancellationToken ct)
    {
        if (!Configured)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.EvidenceTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.Value.EvidenceUrl!.TrimEnd('/') + "/"), $"v1/evidence/findings/{Uri.EscapeDataString(findingId)}"));
            if (!string.IsNullOrEmpty(options.Value.EvidenceApiKey))
            {
                request.Headers.Add(ServiceDefaults.AuthenticationExtensions.ApiKeyHeader, options.Value.EvidenceApiKey);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogInformation("Evidence for finding {Finding}: the detector answered {Status}", findingId, (int)response.StatusCode);
                return null;
            }

            return await response.Content.ReadFromJsonAsync<EvidenceSeriesDto>(timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Evidence for finding {Finding} unavailable: {Error}", findingId, ex.Message);
            return null;
        }
    }
}
