using CsCheck;

namespace Monitoring.Statistics.Tests.Performance;

public class PropertyTests
{
    private static readonly Gen<(double[] Scores, bool[] Labels)> Labelled =
        Gen.Int[2, 200].SelectMany(n => Gen.Select(Gen.Double[0, 1].Array[n], Gen.Bool.Array[n]))
            .Where(t => t.Item2.Contains(true) && t.Item2.Contains(false));

    private static readonly Gen<(double[] Scores, bool[] Labels)> LabelledWithTies =
        Gen.Int[2, 200].SelectMany(n => Gen.Select(Gen.Int[0, 5].Select(i => i / 5.0).Array[n], Gen.Bool.Array[n]))
            .Where(t => t.Item2.Contains(true) && t.Item2.Contains(false));

    [Fact]
    public void WilsonIntervalLiesInUnitIntervalAndContainsTheProportion()
    {
        Gen.Select(Gen.Int[1, 100_000], Gen.Double[0, 1], Gen.Double[0.5, 0.999]).Sample(t =>
        {
            var (n, f, level) = t;
            var k = (long)Math.Floor(f * n);
            var e = Proportions.Wilson(k, n, level);
            return e.Lower >= 0 && e.Upper <= 1 && e.Lower <= e.Value && e.Value <= e.Upper;
        });
    }

    [Fact]
    public void AurocIsInvariantToInputOrder()
    {
        Gen.Select(LabelledWithTies, Gen.Int).Sample(t =>
        {
            var ((s, y), seed) = t;
            var a = Auroc.DeLong(s, y);
            var idx = Enumerable.Range(0, s.Length).ToArray();
            new Random(seed).Shuffle(idx);
            var b = Auroc.DeLong(idx.Select(i => s[i]).ToArray(), idx.Select(i => y[i]).ToArray());
            return Math.Abs(a.Auc - b.Auc) < 1e-12 && Math.Abs(a.Variance - b.Variance) < 1e-12;
        });
    }

    [Fact]
    public void NegatingScoresMirrorsAurocAndKeepsVariance()
    {
        LabelledWithTies.Sample(t =>
        {
            var (s, y) = t;
            var a = Auroc.DeLong(s, y);
            var b = Auroc.DeLong(s.Select(v => -v).ToArray(), y);
            return Math.Abs(a.Auc - (1 - b.Auc)) < 1e-12 && Math.Abs(a.Variance - b.Variance) < 1e-12
                && a.Interval.Lower >= 0 && a.Interval.Upper <= 1;
        });
    }

    [Fact]
    public void AurocEqualsPairwiseDefinitionOnSmallSamples()
    {
        LabelledWithTies.Sample(t =>
        {
            var (s, y) = t;
            double sum = 0;
            long pairs = 0;
            for (var i = 0; i < s.Length; i++)
            {
                if (!y[i]) continue;
                for (var j = 0; j < s.Length; j++)
                {
                    if (y[j]) continue;
                    sum += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    pairs++;
                }
            }

            return Math.Abs(Auroc.DeLong(s, y).Auc - sum / pairs) < 1e-12;
        });
    }

    [Fact]
    public void ComparisonPValuesAreProbabilitiesAndSwappingNegatesZ()
    {
        Gen.Select(Labelled, Labelled).Sample(t =>
        {
            var ((s1, y1), (s2, y2)) = t;
            var a = Auroc.DeLong(s1, y1);
            var b = Auroc.DeLong(s2, y2);
            var ab = Auroc.CompareWithReference(a, b, AurocAlternative.TwoSided);
            var ba = Auroc.CompareWithReference(b, a, AurocAlternative.TwoSided);
            var lower = Auroc.CompareWithReference(a, b);
            return ab.PValue is >= 0 and <= 1 && lower.PValue is >= 0 and <= 1
                && Math.Abs(ab.PValue - ba.PValue) < 1e-12
                && (double.IsInfinity(ab.Statistic) || Math.Abs(ab.Statistic + ba.Statistic) < 1e-12);
        });
    }

    [Fact]
    public void CalibrationScoresAreBoundedAndOrderInvariant()
    {
        Labelled.Sample(t =>
        {
            var (p, y) = t;
            var brier = Calibration.Brier(p, y);
            var ece = Calibration.ExpectedCalibrationError(p, y);
            var rp = p.Reverse().ToArray();
            var ry = y.Reverse().ToArray();
            return brier is >= 0 and <= 1 && ece is >= 0 and <= 1 && Calibration.LogLoss(p, y) >= 0
                && Math.Abs(brier - Calibration.Brier(rp, ry)) < 1e-12
                && Math.Abs(ece - Calibration.ExpectedCalibrationError(rp, ry)) < 1e-12;
        });
    }

    [Fact]
    public void IsotonicFitIsMonotoneAndPreservesTheWeightedMean()
    {
        // x on a 0.1 grid: exact ties are pooled, and no two distinct x fall within scikit-learn's 1e-15 pooling tolerance.
        Gen.Int[1, 150].SelectMany(n => Gen.Select(Gen.Int[-50, 50].Select(i => i / 10.0).Array[n], Gen.Double[-10, 10].Array[n])).Sample(t =>
        {
            var (x, y) = t;
            var iso = IsotonicRegression.Fit(x, y);
            var fitted = iso.Predict(x);
            for (var i = 1; i < iso.Y.Count; i++) if (iso.Y[i] < iso.Y[i - 1] - 1e-12) return false;
            // Least squares under an order constraint keeps the mean (unit weights, every x its own block or pooled).
            return Math.Abs(fitted.Average() - y.Average()) < 1e-9 * (1 + Math.Abs(y.Average()));
        });
    }

    [Fact]
    public void CbpeOfPerfectlyCalibratedLabelsEqualsRealisedConfusion()
    {
        // When the "calibrated probability" is the label itself, expected counts are the realised counts.
        Labelled.Sample(t =>
        {
            var (s, y) = t;
            var p = y.Select(b => b ? 1.0 : 0.0).ToArray();
            var r = Cbpe.Estimate(s, p, 0.5);
            var c = Classification.Confusion(s, y, 0.5);
            return r.Confusion.TruePositives == c.TruePositives && r.Confusion.FalseNegatives == c.FalseNegatives
                && r.Confusion.FalsePositives == c.FalsePositives && r.Confusion.TrueNegatives == c.TrueNegatives
                && Math.Abs(r.Auroc - Auroc.DeLong(s, y).Auc) < 1e-9;
        });
    }

    [Fact]
    public void FairnessResultsAreBoundedAndIndependentOfGroupOrder()
    {
        var groupGen = Gen.Select(Gen.Int[0, 60], Gen.Int[0, 60], Gen.Int[0, 60], Gen.Int[0, 60])
            .Select(t => new ConfusionCounts(t.Item1, t.Item2, t.Item3, t.Item4));
        groupGen.Array[2, 5].Sample(cs =>
        {
            var groups = cs.Select((c, i) => new GroupPerformance($"g{i}", c)).ToArray();
            var options = new FairnessOptions(BootstrapResamples: 200);
            var reversed = groups.Reverse().ToArray();
            foreach (var f in new Func<IReadOnlyList<GroupPerformance>, FairnessOptions, FairnessResult>[]
                         { Fairness.EqualizedOddsDifference, Fairness.DemographicParityDifference, Fairness.DisparateImpactRatio })
            {
                var a = f(groups, options);
                var b = f(reversed, options);
                if ((a.Value is null) != (a.Status == EvidenceStatus.InsufficientEvidence)) return false;
                if (a.Value is { } v && (v.Value < 0 || v.Value > 1 || v.Lower < 0 || v.Upper > 1)) return false;
                if (a.Value?.Value != b.Value?.Value) return false;
            }

            return true;
        }, iter: 100);
    }

    [Fact]
    public void BootstrapIntervalsAreReproducibleForTheSameSeed()
    {
        var groups = new[]
        {
            new GroupPerformance("a", new ConfusionCounts(40, 10, 80, 15)),
            new GroupPerformance("b", new ConfusionCounts(25, 20, 60, 30)),
            new GroupPerformance("c", new ConfusionCounts(30, 5, 90, 10)),
        };
        var a = Fairness.EqualizedOddsDifference(groups);
        var b = Fairness.EqualizedOddsDifference(groups);
        var other = Fairness.EqualizedOddsDifference(groups, new FairnessOptions(Seed: 99));
        Assert.Equal(a, b with { GroupsCompared = a.GroupsCompared, GroupsExcluded = a.GroupsExcluded });
        Assert.NotEqual(a.Value!.Lower, other.Value!.Lower);
        Assert.True(a.Value.Lower <= a.Value.Value + 0.05 && a.Value.Upper >= a.Value.Value);
        Assert.Equal("bootstrap-percentile", a.IntervalMethod);
    }

    [Fact]
    public void SlidingWindowHoldsExactlyTheLastItems()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int.Array[0, 100]).Sample(t =>
        {
            var (capacity, items) = t;
            var w = new SlidingWindow<int>(capacity);
            foreach (var i in items) w.Add(i);
            var expected = items.Skip(Math.Max(0, items.Length - capacity)).ToArray();
            return w.ToArray().SequenceEqual(expected) && w.SequenceEqual(expected) && w.Count == expected.Length
                && new SlidingWindow<int>(capacity, w.ToArray()).ToArray().SequenceEqual(expected);
        });
    }
}
