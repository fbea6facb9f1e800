namespace Monitoring.Audit;

/// <summary>Walks the signed checkpoints of a store alongside a recomputed chain.</summary>
internal sealed class CheckpointCursor(string store, IReadOnlyList<SignedCheckpoint> checkpoints, IReadOnlyDictionary<string, byte[]> keys, VerifyReport report)
{
    private int next;

    /// <summary>The chain reached <paramref name="sequence"/> with link <paramref name="recomputed"/>.</summary>
    public void At(long sequence, byte[] recomputed)
    {
        while (next < checkpoints.Count && checkpoints[next].Sequence <= sequence)
        {
            var c = checkpoints[next++];
            if (!Trusted(c)) continue;
            if (c.Sequence < sequence)
            {
                report.Add(c.Sequence, "checkpoint", $"signed checkpoint names sequence {c.Sequence}, which is missing from the chain");
            }
            else if (c.Head != ChainHash.Hex(recomputed))
            {
                report.Add(c.Sequence, "checkpoint",
                    $"the chain recomputed from the stored events differs from the head signed at {c.SignedAt} (key {c.KeyId}): events up to {c.Sequence} were changed, even if the chain table agrees with them");
            }
            else
            {
                report.CheckpointsVerified++;
            }
        }
    }

    /// <summary>The chain ends at <paramref name="last"/>: any later checkpoint means the tail was cut.</summary>
    public void Finish(long last)
    {
        for (; next < checkpoints.Count; next++)
        {
            var c = checkpoints[next];
            if (Trusted(c))
            {
                report.Add(c.Sequence, "truncated", $"a checkpoint was signed at sequence {c.Sequence} ({c.SignedAt}) but the chain of {store} ends at {last}");
            }
        }
    }

    private bool Trusted(SignedCheckpoint c)
    {
        if (c.Store != store)
        {
            report.Add(c.Sequence, "checkpoint", $"checkpoint file of store {c.Store} found among {store}'s");
            return false;
        }

        if (!keys.TryGetValue(c.KeyId, out var key))
        {
            report.CheckpointsUnverifiable++;
            return false;
        }

        if (!c.Verify(key))
        {
            report.Add(c.Sequence, "checkpoint", $"signature of the checkpoint at {c.Sequence} does not verify under key {c.KeyId}");
            return false;
        }

        return true;
    }
}
