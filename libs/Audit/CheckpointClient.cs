using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Monitoring.Audit;

/// <summary>
/// Asks the signer (tools/Signer, a separate process holding the key) to sign a checkpoint. The service never sees the key;
/// it only says "store S had head H at sequence N". A failure is counted and retried at the next checkpoint; chaining goes on.
/// </summary>
public sealed class CheckpointClient : IDisposable
{
    private readonly HttpClient? http;
    private readonly ILogger<CheckpointClient> logger;

    /// <summary>Creates the client from the <c>Audit</c> settings.</summary>
    public CheckpointClient(IOptions<AuditChainOptions> options, ILogger<CheckpointClient> logger)
    {
        this.logger = logger;
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.SignerUrl)) return;
        var handler = new SocketsHttpHandler();
        if (!string.IsNullOrWhiteSpace(o.SignerSocket))
        {
            var path = o.SignerSocket;
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        http = new HttpClient(handler) { BaseAddress = new Uri(o.SignerUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Whether a signer is configured.</summary>
    public bool Configured => http is not null;

    /// <summary>Requests a checkpoint; true when the signer stored it.</summary>
    public async Task<bool> RequestAsync(string store, long sequence, byte[] head, CancellationToken ct)
    {
        if (http is null) return false;
        try
        {
            using var response = await http.PostAsJsonAsync("checkpoints", new CheckpointRequest(store, sequence, ChainHash.Hex(head)), ct);
            if (response.IsSuccessStatusCode) return true;
            logger.LogError("Signer refused the checkpoint of {Store} at {Sequence}: {Status} {Body}", store, sequence, (int)response.StatusCode,
                await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Signer unreachable for the checkpoint of {Store} at {Sequence}", store, sequence);
        }

        AuditMetrics.CheckpointFailures.WithLabels(store).Inc();
        return false;
    }

    /// <inheritdoc />
    public void Dispose() => http?.Dispose();
}

/// <summary>What a service sends the signer.</summary>
/// <param name="Store">Store name.</param>
/// <param name="Sequence">Chained sequence number.</param>
/// <param name="Head">Link at that sequence (hex).</param>
public sealed record CheckpointRequest(string Store, long Sequence, string Head);
