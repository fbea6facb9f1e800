using System.Text.Json;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>
/// ADWIN's branches at their exact boundaries: a cut at the smallest window the guards allow (|W| = 2·minSub, n₀ = minSub),
/// the clock that gates the checks, a mean difference exactly equal to ε_cut (no cut: the rule is strict), and Restore's
/// acceptance limits (an empty state, a full row of M buckets, 64 rows) and refusals.
/// </summary>
public class AdwinBranchTests
{
    [Fact]
    public void GivenTwoFarApartValues_WhenMinSubIsOne_ThenTheSecondObservationCutsTheWindowOfTwo()
    {
        // |W| = 2 = 2·minSub and n₀ = n₁ = 1 = minSub: every guard is at its boundary. δ = 0.99: dd = ln(2 ln 2/0.99) ≈ 0.336,
        // ε = √(2·2·2500·dd) + (2/3)·dd·2 ≈ 58.4 < 100.
        var adwin = new Adwin(0.99, maxBucketsPerRow: 2, clock: 1, minSubWindowLength: 1);
        Assert.False(adwin.Add(0));
        Assert.True(adwin.Add(100));
        Assert.Equal((1L, 100.0, 0.0, 1L), (adwin.Width, adwin.Mean, adwin.Variance, adwin.Detections));
    }

    [Fact]
    public void GivenTheSameJump_WhenTheClockIsNotDue_ThenNothingIsChecked()
    {
        var adwin = new Adwin(0.99, maxBucketsPerRow: 2, clock: 1000, minSubWindowLength: 1);
        Assert.False(adwin.Add(0));
        Assert.False(adwin.Add(100));
        Assert.Equal((2L, 0L), (adwin.Width, adwin.Detections));
    }

    [Fact]
    public void GivenAMeanDifferenceExactlyEqualToTheCutBound_ThenTheWindowIsNotCut()
    {
        // s3_branches.json: δ and a found so that |0 − a| == ε_cut in double arithmetic (the script evaluates ε in the C#
        // operation order). The rule cuts only when the difference exceeds ε.
        var tie = S3Reference.Json.GetProperty("adwin_tie");
        var adwin = new Adwin(tie.GetProperty("delta").GetDouble(), maxBucketsPerRow: 2, clock: 1, minSubWindowLength: 1);
        Assert.False(adwin.Add(0));
        Assert.False(adwin.Add(tie.GetProperty("a").GetDouble()));
        Assert.Equal(2L, adwin.Width);
    }

    [Fact]
    public void GivenNull_WhenRestoring_ThenArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("state", () => new Adwin().Restore(null!));
    }

    [Fact]
    public void GivenAFreshSnapshot_WhenRestoredOverAFilledDetector_ThenItIsEmptyAgain()
    {
        var adwin = new Adwin(0.002, 2, 1000, 1);
        foreach (var x in new[] { 1.0, 2, 3, 4, 5 }) adwin.Add(x);
        adwin.Restore(new Adwin(0.002, 2, 1000, 1).Snapshot());
        var s = adwin.Snapshot();
        Assert.Empty(s.RowTotals);
        Assert.Equal((0L, 0L, 0, 0.0), (s.Time, s.Width, adwin.BucketCount, adwin.Mean));
    }

    [Fact]
    public void GivenARowOfMBuckets_WhenRestored_ThenItIsAcceptedAndTheNextAddMergesIt()
    {
        // A snapshot never holds more than M buckets in a row (Insert merges at M + 1), so M is the largest valid row.
        var adwin = new Adwin(0.002, maxBucketsPerRow: 2, clock: 1000, minSubWindowLength: 1);
        adwin.Restore(new AdwinState(0.002, 2, 1000, 1, 2, 2, 3, 0.5, 0, [[1.0, 2.0]], [[0.0, 0.0]]));
        adwin.Add(3);
        var s = adwin.Snapshot();
        Assert.Equal([[3.0], [3.0]], s.RowTotals);
        Assert.Equal([[0.0], [0.5]], s.RowVariances);
    }

    [Fact]
    public void GivenARowOfMPlusOneBuckets_WhenRestored_ThenItIsRefused()
    {
        // Such a row cannot come from Snapshot, and the next Add would write past the row's M + 1 slots.
        var adwin = new Adwin(0.002, maxBucketsPerRow: 2, clock: 1000, minSubWindowLength: 1);
        var e = Assert.Throws<ArgumentException>("state", () =>
            adwin.Restore(new AdwinState(0.002, 2, 1000, 1, 3, 3, 6, 2, 0, [[1.0, 2.0, 3.0]], [[0.0, 0.0, 0.0]])));
        Assert.StartsWith("The ADWIN state row 0 is inconsistent.", e.Message);
    }

    [Fact]
    public void GivenSixtyFourRows_WhenRestored_ThenItIsAcceptedAndSixtyFiveAreRefused()
    {
        static double[][] Rows(int count) => Enumerable.Range(0, count).Select(i => i == 0 ? new[] { 4.0 } : []).ToArray();
        var adwin = new Adwin(0.002, 5, 32, 5);
        adwin.Restore(new AdwinState(0.002, 5, 32, 5, 1, 1, 4, 0, 0, Rows(64), Rows(64).Select(r => r.Select(_ => 0.0).ToArray()).ToArray()));
        Assert.Equal((1L, 4.0, 1), (adwin.Width, adwin.Mean, adwin.BucketCount));
        Assert.Throws<ArgumentException>("state", () =>
            adwin.Restore(new AdwinState(0.002, 5, 32, 5, 1, 1, 4, 0, 0, Rows(65), Rows(65).Select(r => r.Select(_ => 0.0).ToArray()).ToArray())));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GivenOneNonFiniteBucketAmongFiniteOnes_WhenRestored_ThenItIsRefused(bool inTotals)
    {
        double[] bad = [1.0, double.NaN];
        double[] good = [1.0, 1.0];
        var adwin = new Adwin(0.002, 5, 32, 5);
        Assert.Throws<ArgumentException>("state", () =>
            adwin.Restore(new AdwinState(0.002, 5, 32, 5, 2, 2, 2, 0, 0, [inTotals ? bad : good], [inTotals ? [0.0, 0.0] : bad])));
    }
}

/// <summary>Reads reference/s3_branches.json (written by s3_branches.py; scipy 1.10 / scikit-learn 1.2 / exact rationals).</summary>
internal static class S3Reference
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "reference", "s3_branches.json"))).RootElement);

    public static JsonElement Json => Root.Value;

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
}
