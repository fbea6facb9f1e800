namespace Monitoring.DriftDetector.Api;

/// <summary>
/// The one small-cell rule of every read path (the state, the findings, a finding's history, the metrics): a cell whose
/// current or reference sample holds fewer than k records is withheld, since either side alone can single out patients.
/// A reference size of 0 means no reference sample (sequential and realized-performance signals), not a small one.
/// </summary>
internal static class SmallCells
{
    public static bool Withheld(long currentSize, long referenceSize, int k) => currentSize < k || (referenceSize > 0 && referenceSize < k);
}
