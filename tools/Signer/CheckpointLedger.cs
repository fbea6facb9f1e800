using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Monitoring.Audit;

namespace Monitoring.Signer;

/// <summary>
/// Signs and writes checkpoints, once each. Refuses a sequence lower than the last signed for the store (a rollback of the
/// chain) and a different head at an already signed sequence (a fork): both mean someone rewrote the chain.
/// </summary>
public sealed partial class CheckpointLedger(IOptions<SignerOptions> options, SignerKey key, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new();
    private readonly ConcurrentDictionary<string, SignedCheckpoint?> last = new();

    public async Task<IResult> Sign(CheckpointRequest request)
    {
        if (request.Store is null || !StoreName().IsMatch(request.Store))
            return Results.Problem(statusCode: 400, title: "invalid store", detail: "store must match [a-z0-9_-]{1,63}");
        if (request.Sequence < 1) return Results.Problem(statusCode: 400, title: "invalid sequence", detail: "sequence must be positive");
        if (request.Head is null || !Head().IsMatch(request.Head))
            return Results.Problem(statusCode: 400, title: "invalid head", detail: "head must be 64 lowercase hex digits");

        var gate = locks.GetOrAdd(request.Store, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            var dir = Path.Combine(options.Value.Directory, request.Store);
            Directory.CreateDirectory(dir);
            var previous = last.GetOrAdd(request.Store, _ => CheckpointDirectory.Read(options.Value.Directory, request.Store).LastOrDefault());
            if (previous is not null)
            {
                if (request.Sequence == previous.Sequence && request.Head == previous.Head) return Results.Ok(previous);
                if (request.Sequence <= previous.Sequence)
                {
                    return Results.Problem(statusCode: 409, title: "chain rollback or fork",
                        detail: $"already signed {previous.Sequence} with head {previous.Head}; refused {request.Sequence} with head {request.Head}");
                }
            }

            var signedAt = time.GetUtcNow().ToString("O");
            var payload = SignedCheckpoint.Payload(request.Store, request.Sequence, request.Head, signedAt, key.KeyId);
            var checkpoint = new SignedCheckpoint(request.Store, request.Sequence, request.Head, signedAt, key.KeyId, key.Sign(payload));
            // Written beside the final name (not *.json, so readers skip it), flushed, then moved into place: a reader
            // (`verify`, the Ingest's own checks) listing the directory meanwhile must never see a half-written checkpoint
            // (it did: an empty file failed a concurrent read). The move refuses an existing name, so a checkpoint is
            // still written once.
            var final = Path.Combine(dir, SignedCheckpoint.FileName(request.Sequence));
            var partial = Path.Combine(dir, $".{Guid.NewGuid():N}.partial");
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                await JsonSerializer.SerializeAsync(file, checkpoint);
                file.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(partial, final, overwrite: false);
            }
            finally
            {
                File.Delete(partial);
            }

            last[request.Store] = checkpoint;
            return Results.Created($"/checkpoints/{request.Store}/{request.Sequence}", checkpoint);
        }
        finally
        {
            gate.Release();
        }
    }

    [GeneratedRegex("^[a-z0-9_-]{1,63}$")]
    private static partial Regex StoreName();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Head();
}
