using System.Runtime.InteropServices;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.Statistics;

namespace Monitoring.DriftDetector.Detection;

internal sealed partial class DeploymentRuntime
{
    private void CloseWindow(long sequence)
    {
        var window = State.Current;
        EvaluateDrift(window, sequence);
        var closed = new ClosedWindow { Index = window.Index, Bounds = window.Bounds, Late = window.Late };
        if (P.Performance.Cbpe && Policy.Labels.Count > 0)
        {
            EstimatePerformance(window, closed, sequence);
        }

        State.Recent.Add(closed);
        State.ClosedWindows++;
        State.Current = new WindowState { Index = window.Index + 1 };
        foreach (var c in State.Recent.Where(c => !c.Matured && c.Index <= window.Index - P.Performance.LabelGraceWindows).OrderBy(c => c.Index).ToList())
        {
            Mature(c, sequence);
        }

        var matured = State.Recent.Where(c => c.Matured).OrderBy(c => c.Index).ToList();
        foreach (var old in matured.Take(Math.Max(0, matured.Count - P.Performance.PoolWindows)))
        {
            State.Recent.Remove(old);
        }
    }

    private void EvaluateDrift(WindowState window, long sequence)
    {
        var rows = new List<Row>();
        var reference = State.Reference;
        var min = P.MinSample;

        // The numeric comparisons are independent pure functions: compute them in parallel, then assemble the rows in the
        // same ordinal (scope, signal) order as always, so the output does not depend on the schedule.
        var jobs = new List<(int Row, string Scope, SignalDef Signal, SortedSample? Reference, List<double> RefValues, List<double> Current)>();
        foreach (var si in OrderedScopes())
        {
            var scope = State.ScopeKeys[si];
            var r = si < reference.Scopes.Count ? reference.Scopes[si] : null;
            var c = si < window.Scopes.Count ? window.Scopes[si] : null;
            foreach (var n in Policy.Numeric)
            {
                var rv = r?.Numeric[n.Slot].Values;
                var cv = c?.Numeric[n.Slot].Values;
                long nr = rv?.Count ?? 0, nc = cv?.Count ?? 0;
                if (nr < min || nc < min)
                {
                    rows.Add(new Row { Kind = FindingKind.DistributionShift, Scope = scope, Signal = n.Name, Method = n.Method, ReferenceSize = nr, CurrentSize = nc, Insufficient = true });
                    continue;
                }

                jobs.Add((rows.Count, scope, n, SortedReference(si, n, rv!), rv!, cv!));
                rows.Add(null!);
            }

            foreach (var k in Policy.Categorical)
            {
                var rc = r?.Categorical[k.Slot];
                var cc = c?.Categorical[k.Slot];
                long nr = rc?.Values.Sum() ?? 0, nc = cc?.Values.Sum() ?? 0;
                if (nr < min || nc < min)
                {
                    rows.Add(new Row { Kind = FindingKind.DistributionShift, Scope = scope, Signal = k.Name, Method = k.Method, ReferenceSize = nr, CurrentSize = nc, Insufficient = true });
                    continue;
                }

                var method = k.Source == SignalSource.PredictedPositive ? "rate" : k.Method;
                var cmp = SignalTests.Categorical(k.Method, rc!, cc!);
                rows.Add(Drift(scope, k.Name, method, cmp, nr, nc));
            }
        }

        var results = new Comparison[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var job = jobs[j];
            results[j] = SignalTests.Numeric(job.Signal.Method, job.RefValues, job.Current, job.Reference);
        });
        for (var j = 0; j < jobs.Count; j++)
        {
            var job = jobs[j];
            rows[job.Row] = Drift(job.Scope, job.Signal.Name, job.Signal.Method, results[j], job.RefValues.Count, job.Current.Count);
        }

        if (P.Signals.Embedding.Enabled)
        {
            var re = reference.Scopes.Count > 0 ? reference.Scopes[0].Embeddings : null;
            var ce = window.Scopes.Count > 0 ? window.Scopes[0].Embeddings : null;
            long nr = re?.Items.Count ?? 0, nc = ce?.Items.Count ?? 0;
            if (nr < min || nc < min || re!.Items[0].Length != ce!.Items[0].Length)
            {
                rows.Add(new Row { Kind = FindingKind.DistributionShift, Scope = "*", Signal = "embedding", Method = "mmd", ReferenceSize = nr, CurrentSize = nc, Insufficient = true });
            }
            else
            {
                var mmd = MaximumMeanDiscrepancy.Test(re.Items, ce.Items, P.Signals.Embedding.Permutations, (int)(SplitMix.Seed($"{State.Key}|mmd|{window.Index}") & 0x7FFFFFFF));
                rows.Add(Drift("*", "embedding", "mmd", new Comparison(mmd.Statistic, mmd.PValue, mmd.Statistic), nr, nc));
            }
        }

        Decide(rows, window.Bounds.ToContract(), sequence);
    }

    /// <summary>
    /// The frozen reference sample of a (scope, numeric signal), sorted once for the KS-based methods and kept for every later
    /// window (never stored: it is rebuilt identically from the reference after a restart). Null while the reference is open.
    /// </summary>
    private SortedSample? SortedReference(int si, SignalDef n, List<double> values)
    {
        if (!State.Reference.Frozen || n.Method is not ("ks" or "cvm")) return null;
        var key = (si, n.Slot);
        if (!sortedReference.TryGetValue(key, out var sorted))
        {
            sortedReference[key] = sorted = SortedSample.Of(CollectionsMarshal.AsSpan(values));
        }

        return sorted;
    }

    private Row Drift(string scope, string signal, string method, Comparison cmp, long nr, long nc) => new()
    {
        Kind = FindingKind.DistributionShift, Scope = scope, Signal = signal, Method = method, Statistic = cmp.Statistic, P = cmp.PValue,
        Effect = cmp.Effect, ReferenceSize = nr, CurrentSize = nc, MinEffect = Policy.MinEffect(method), Threshold = P.Thresholds.Alpha,
    };

    /// <summary>CBPE (NannyML's confidence-based performance estimation) per subgroup at window close, from reference-calibrated scores.</summary>
    private void EstimatePerformance(WindowState window, ClosedWindow closed, long sequence)
    {
        var rows = new List<Row>();
        for (var li = 0; li < Policy.Labels.Count; li++)
        {
            var label = Policy.Labels[li];
            var model = Calibrator(li);
            var slot = Policy.ScoreIndexByLabel[label];
            foreach (var si in OrderedScopes())
            {
                var scope = State.ScopeKeys[si];
                var scores = si < window.Scopes.Count ? window.Scopes[si].Numeric[slot].Values : [];
                foreach (var metric in new[] { "sensitivity", "specificity" })
                {
                    var signal = $"estimated:{metric}:{label}";
                    if (model is null || scores.Count < P.MinSample)
                    {
                        rows.Add(new Row { Kind = FindingKind.EstimatedPerformanceDecay, Scope = scope, Signal = signal, Method = "cbpe", CurrentSize = scores.Count, Insufficient = true });
                        continue;
                    }

                    if (model.TryEstimateFromScores(CollectionsMarshal.AsSpan(scores), State.Threshold) is not { } est)
                    {
                        rows.Add(new Row { Kind = FindingKind.EstimatedPerformanceDecay, Scope = scope, Signal = signal, Method = "cbpe", CurrentSize = scores.Count, Insufficient = true });
                        continue;
                    }

                    var value = metric == "sensitivity" ? est.Sensitivity : est.Specificity;
                    var denominator = metric == "sensitivity"
                        ? est.Confusion.TruePositives + est.Confusion.FalseNegatives
                        : est.Confusion.TrueNegatives + est.Confusion.FalsePositives;
                    if (!double.IsFinite(value) || denominator < P.Performance.MinLabelled)
                    {
                        rows.Add(new Row { Kind = FindingKind.EstimatedPerformanceDecay, Scope = scope, Signal = signal, Method = "cbpe", CurrentSize = scores.Count, Insufficient = true });
                        continue;
                    }

                    closed.Estimates[$"{scope}|{label}|{metric}"] = value;
                    var interval = CbpeInterval(value, denominator, li, metric);
                    var floor = P.Performance.Floors.TryGetValue(metric, out var f) ? f : (double?)null;
                    rows.Add(new Row
                    {
                        Kind = FindingKind.EstimatedPerformanceDecay, Scope = scope, Signal = signal, Method = "cbpe", Statistic = value, Effect = floor is null ? 0 : floor.Value - value,
                        Interval = interval, Threshold = floor, ReferenceSize = PairsOf(State.Reference.Late, 0, li), CurrentSize = scores.Count,
                        Fixed = floor is null ? Outcome.Clear : FloorOutcome(interval, floor.Value), Verb = "is estimated below its floor",
                    });
                }
            }
        }

        Decide(rows, window.Bounds.ToContract(), sequence);
    }

    /// <summary>
    /// Floors are tested as H0: metric ≥ floor. Evidence of harm (a finding) only when the whole interval is below the floor;
    /// an interval that straddles it is "not demonstrated" (shown, never a finding); above it, clear.
    /// </summary>
    internal static Outcome FloorOutcome(Interval interval, double floor) =>
        interval.Upper < floor ? Outcome.Detected : interval.Lower >= floor ? Outcome.Clear : Outcome.NotDemonstrated;

    /// <summary>
    /// Interval of a CBPE estimate that includes the calibration's own sampling error: the calibrator was fitted on the
    /// reference's labelled cases, so besides the window's binomial variance p(1−p)/n the estimate carries about
    /// p(1−p)/n_ref from the reference's positives (sensitivity) or negatives (specificity); normal interval, clipped to [0, 1]
    /// (delta-method approximation of the bootstrap over the reference's labelled cases).
    /// </summary>
    private Interval CbpeInterval(double value, double denominator, int li, string metric)
    {
        var late = State.Reference.Late.Count > 0 ? State.Reference.Late[0].Labels[li] : null;
        double nRef = late is null ? 1 : metric == "sensitivity" ? late.TruePositives + late.FalseNegatives : late.TrueNegatives + late.FalsePositives;
        var variance = value * (1 - value) * (1 / Math.Max(denominator, 1) + 1 / Math.Max(nRef, 1));
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (1 - P.Performance.Confidence) / 2);
        var half = z * Math.Sqrt(variance);
        return new Interval(Math.Max(0, value - half), Math.Min(1, value + half), P.Performance.Confidence);
    }

    private static long PairsOf(List<LateAccumulator> late, int si, int li) => si < late.Count ? late[si].Labels[li].Scores.Count : 0;

    private Cbpe? Calibrator(int li)
    {
        var label = Policy.Labels[li];
        var late = State.Reference.Late.Count > 0 ? State.Reference.Late[0].Labels[li] : null;
        var seen = late?.PairsSeen ?? 0;
        if (calibrators.TryGetValue(label, out var cached) && cached.Seen == seen) return cached.Model;
        Cbpe? model = null;
        if (late is not null && late.TruePositives + late.FalseNegatives >= P.Performance.MinLabelled && late.TrueNegatives + late.FalsePositives >= P.Performance.MinLabelled)
        {
            model = Cbpe.Fit(CollectionsMarshal.AsSpan(late.Scores), CollectionsMarshal.AsSpan(late.Truth));
        }

        calibrators[label] = (seen, model);
        return model;
    }

    /// <summary>Realized performance once a window's labels matured, pooled over the last matured windows; fairness; reconciliation.</summary>
    private void Mature(ClosedWindow window, long sequence)
    {
        window.Matured = true;
        var pool = State.Recent.Where(c => c.Matured).OrderBy(c => c.Index).TakeLast(P.Performance.PoolWindows).ToList();
        var bounds = new WindowBounds(pool[0].Bounds.FirstSequence, pool[^1].Bounds.LastSequence, pool[0].Bounds.FirstTime, pool[^1].Bounds.LastTime);
        var perf = new List<Row>();
        var late = new List<Row>();
        var min = P.Performance.MinLabelled;
        var level = P.Performance.Confidence;
        var reference = State.Reference.Late;
        var reconciliation = new List<ReconciliationEntry>();
        foreach (var si in OrderedScopes())
        {
            var scope = State.ScopeKeys[si];
            for (var li = 0; li < Policy.Labels.Count; li++)
            {
                var label = Policy.Labels[li];
                var cur = Pooled(pool, si, li);
                var refAcc = si < reference.Count ? reference[si].Labels[li] : null;
                var refCounts = refAcc is null ? new ConfusionCounts(0, 0, 0, 0) : Counts(refAcc);
                foreach (var metric in new[] { "sensitivity", "specificity" })
                {
                    var sens = metric == "sensitivity";
                    long x = sens ? cur.TruePositives : cur.TrueNegatives, n = sens ? cur.Positives : cur.Negatives;
                    long xr = sens ? refCounts.TruePositives : refCounts.TrueNegatives, nr = sens ? refCounts.Positives : refCounts.Negatives;
                    var signal = $"performance:{metric}:{label}";
                    if (n < min)
                    {
                        perf.Add(new Row { Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "wilson-floor", ReferenceSize = nr, CurrentSize = n, Insufficient = true });
                        continue;
                    }

                    var est = sens ? Classification.Sensitivity(cur, level) : Classification.Specificity(cur, level);
                    var interval = new Interval(est.Lower, est.Upper, est.Level);
                    if (P.Performance.Floors.TryGetValue(metric, out var floor))
                    {
                        perf.Add(new Row
                        {
                            Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "wilson-floor", Statistic = est.Value, Interval = interval, Threshold = floor,
                            Effect = floor - est.Value, ReferenceSize = nr, CurrentSize = n, Fixed = FloorOutcome(interval, floor), Verb = "fell below its floor",
                        });
                    }

                    if (nr >= min)
                    {
                        var diff = Proportions.NewcombeDifference(x, n, xr, nr, level);
                        perf.Add(new Row
                        {
                            Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "two-proportion", Statistic = est.Value, P = SignalTests.OneSidedLowerP(x, n, xr, nr),
                            Effect = (double)xr / nr - est.Value, Interval = new Interval(diff.Lower, diff.Upper, diff.Level), Threshold = P.Performance.Alpha, ReferenceSize = nr, CurrentSize = n,
                            MinEffect = P.Performance.MinDrop, Verb = "dropped against the reference",
                        });
                    }
                }

                AurocRows(pool, si, li, scope, label, refAcc, perf);

                // Label prevalence (a label shift) against the reference.
                if (cur.N >= P.MinSample && refCounts.N >= P.MinSample)
                {
                    var cmp = SignalTests.Categorical("chi2",
                        new Dictionary<string, long> { ["positive"] = refCounts.Positives, ["negative"] = refCounts.Negatives },
                        new Dictionary<string, long> { ["positive"] = cur.Positives, ["negative"] = cur.Negatives });
                    late.Add(Drift(scope, $"label:prevalence:{label}", "rate", cmp, refCounts.N, cur.N));
                }
                else
                {
                    late.Add(new Row { Kind = FindingKind.DistributionShift, Scope = scope, Signal = $"label:prevalence:{label}", Method = "rate", ReferenceSize = refCounts.N, CurrentSize = cur.N, Insufficient = true });
                }

                // Reconcile this window's CBPE estimate with its realized value.
                var own = si < window.Late.Count ? Counts(window.Late[si].Labels[li]) : new ConfusionCounts(0, 0, 0, 0);
                foreach (var metric in new[] { "sensitivity", "specificity" })
                {
                    if (!window.Estimates.TryGetValue($"{scope}|{label}|{metric}", out var estimated)) continue;
                    var denominator = metric == "sensitivity" ? own.Positives : own.Negatives;
                    Estimate? realized = denominator >= min ? (metric == "sensitivity" ? Classification.Sensitivity(own, level) : Classification.Specificity(own, level)) : null;
                    reconciliation.Add(new ReconciliationEntry(scope, label, metric, estimated, realized?.Value,
                        realized is null ? null : new Interval(realized.Lower, realized.Upper, realized.Level), denominator));
                }
            }

            if (P.Signals.ReaderOverrideRate)
            {
                long f = 0, o = 0;
                foreach (var c in pool)
                {
                    if (si < c.Late.Count) { f += c.Late[si].Feedback; o += c.Late[si].Overrides; }
                }

                long fr = si < reference.Count ? reference[si].Feedback : 0, orr = si < reference.Count ? reference[si].Overrides : 0;
                if (f >= P.MinSample && fr >= P.MinSample)
                {
                    var cmp = SignalTests.Categorical("chi2",
                        new Dictionary<string, long> { ["overrode"] = orr, ["agreed"] = fr - orr },
                        new Dictionary<string, long> { ["overrode"] = o, ["agreed"] = f - o });
                    late.Add(Drift(scope, "reader:override-rate", "rate", cmp, fr, f));
                }
                else
                {
                    late.Add(new Row { Kind = FindingKind.DistributionShift, Scope = scope, Signal = "reader:override-rate", Method = "rate", ReferenceSize = fr, CurrentSize = f, Insufficient = true });
                }
            }
        }

        Fairness(pool, perf);
        Decide(perf, bounds, sequence, alpha: P.Performance.Alpha);
        Decide(late, bounds, sequence);
        if (reconciliation.Count > 0)
        {
            emitted.Add(new PerformanceReconciled(State.Key, window.Index, window.Bounds.ToContract(), reconciliation, sequence));
        }
    }

    private void AurocRows(List<ClosedWindow> pool, int si, int li, string scope, string label, LabelAccumulator? refAcc, List<Row> rows)
    {
        var scores = new List<double>();
        var truth = new List<bool>();
        foreach (var c in pool)
        {
            if (si >= c.Late.Count) continue;
            scores.AddRange(c.Late[si].Labels[li].Scores);
            truth.AddRange(c.Late[si].Labels[li].Truth);
        }

        var min = P.Performance.MinLabelled;
        var positives = truth.Count(t => t);
        var signal = $"performance:auroc:{label}";
        if (positives < min || truth.Count - positives < min)
        {
            rows.Add(new Row { Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "delong", CurrentSize = Math.Min(positives, truth.Count - positives), Insufficient = true });
            return;
        }

        var level = P.Performance.Confidence;
        var current = Auroc.DeLong(CollectionsMarshal.AsSpan(scores), CollectionsMarshal.AsSpan(truth), level);
        var interval = new Interval(current.Interval.Lower, current.Interval.Upper, current.Interval.Level);
        var refPositives = refAcc?.Truth.Count(t => t) ?? 0;
        var refNegatives = (refAcc?.Truth.Count ?? 0) - refPositives;
        if (P.Performance.Floors.TryGetValue("auroc", out var floor))
        {
            rows.Add(new Row
            {
                Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "delong-floor", Statistic = current.Auc, Interval = interval, Threshold = floor,
                Effect = floor - current.Auc, ReferenceSize = refAcc?.Truth.Count ?? 0, CurrentSize = truth.Count,
                Fixed = FloorOutcome(interval, floor), Verb = "fell below its floor",
            });
        }

        if (refPositives >= min && refNegatives >= min)
        {
            var reference = Auroc.DeLong(CollectionsMarshal.AsSpan(refAcc!.Scores), CollectionsMarshal.AsSpan(refAcc.Truth), level);
            var test = Auroc.CompareWithReference(current, reference);
            rows.Add(new Row
            {
                Kind = FindingKind.PerformanceDecay, Scope = scope, Signal = signal, Method = "delong", Statistic = current.Auc, P = test.PValue, Effect = reference.Auc - current.Auc,
                Interval = interval, Threshold = P.Performance.Alpha, ReferenceSize = refAcc.Truth.Count, CurrentSize = truth.Count, MinEffect = P.Performance.MinDrop,
                Verb = "dropped against the reference",
            });
        }
    }

    /// <summary>Equalized-odds difference between the values of each subgroup attribute; a finding when it and its lower bound exceed the tolerance.</summary>
    private void Fairness(List<ClosedWindow> pool, List<Row> rows)
    {
        if (P.Performance.FairnessTolerance <= 0) return;
        foreach (var g in Policy.Groups.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            var members = OrderedScopes().Where(si => si > 0 && GroupOf(State.ScopeKeys[si]) == g.Name).ToList();
            for (var li = 0; li < Policy.Labels.Count; li++)
            {
                var label = Policy.Labels[li];
                var groups = members.Select(si => new GroupPerformance(State.ScopeKeys[si], Pooled(pool, si, li))).ToList();
                var scope = g.Name + "=*";
                var signal = $"fairness:equalized-odds:{label}";
                if (groups.Count < 2)
                {
                    rows.Add(new Row { Kind = FindingKind.FairnessGap, Scope = scope, Signal = signal, Method = "equalized-odds", Insufficient = true });
                    continue;
                }

                var options = new FairnessOptions(P.Performance.MinLabelled, P.Performance.Confidence, 1000, SplitMix.Seed($"{State.Key}|fairness|{g.Name}|{label}|{pool[^1].Index}"));
                var result = Statistics.Fairness.EqualizedOddsDifference(groups, options);
                if (!result.IsSufficient || result.Value is null)
                {
                    rows.Add(new Row { Kind = FindingKind.FairnessGap, Scope = scope, Signal = signal, Method = "equalized-odds", Insufficient = true, CurrentSize = groups.Sum(x => x.Counts.N) });
                    continue;
                }

                var v = result.Value;
                var tolerance = P.Performance.FairnessTolerance;
                // Harm needs the gap itself above the tolerance, not only its interval: the percentile bootstrap of a largest
                // difference between small groups is biased upwards (hardly a resample has all rates equal), so its interval can
                // lie wholly above the tolerance while the groups' rates are identical.
                rows.Add(new Row
                {
                    Kind = FindingKind.FairnessGap, Scope = scope, Signal = signal, Method = "equalized-odds", Statistic = v.Value, Effect = v.Value,
                    Interval = new Interval(v.Lower, v.Upper, v.Level), Threshold = tolerance, CurrentSize = groups.Sum(x => x.Counts.N),
                    Fixed = v.Value <= tolerance ? Outcome.Clear : v.Lower > tolerance ? Outcome.Detected : Outcome.Inconclusive,
                    Verb = $"exceeds the tolerance between {string.Join(", ", result.GroupsCompared)}",
                });
            }
        }
    }

    private static ConfusionCounts Pooled(List<ClosedWindow> pool, int si, int li)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        foreach (var c in pool)
        {
            if (si >= c.Late.Count) continue;
            var a = c.Late[si].Labels[li];
            tp += a.TruePositives; fp += a.FalsePositives; tn += a.TrueNegatives; fn += a.FalseNegatives;
        }

        return new ConfusionCounts(tp, fp, tn, fn);
    }

    private static ConfusionCounts Counts(LabelAccumulator a) => new(a.TruePositives, a.FalsePositives, a.TrueNegatives, a.FalseNegatives);

    /// <summary>CUSUM / Page–Hinkley on standardized batch means; threshold from the target in-control run length.</summary>
    private void Sequential(long sequence, InferenceRecorded e)
    {
        var spec = P.Sequential;
        var reference = State.Reference;
        for (var q = 0; q < Policy.Sequential.Count; q++)
        {
            var def = Policy.Sequential[q];
            var v = numericValues[def.Slot];
            if (double.IsNaN(v) || reference.StandardDeviations is null || reference.StandardDeviations[def.Slot] <= 0) continue;
            var s = State.Sequential[q];
            s.BatchSum += v;
            s.BatchCount++;
            s.Batch.Add(sequence, e.OccurredAt);
            if (s.BatchCount < spec.BatchSize) continue;
            var mean = s.BatchSum / s.BatchCount;
            var z = (mean - reference.Means![def.Slot]) / (reference.StandardDeviations[def.Slot] / Math.Sqrt(s.BatchCount));
            var bounds = s.Batch.ToContract();
            s.BatchSum = 0;
            s.BatchCount = 0;
            s.Batch = new WindowBoundsState();
            s.Batches++;
            bool alarm;
            double threshold, statistic;
            if (spec.Method == "page-hinkley")
            {
                var ph = PageHinkley.ForAverageRunLength(spec.TargetRunLength, 1, spec.Shift / 2, minInstances: 1);
                ph.Restore(new PageHinkleyState(s.Count, s.PhMean, s.PhSumUp, s.PhMinUp, s.PhSumDown, s.PhMaxDown, s.Alarms));
                statistic = ph.Statistic;
                alarm = ph.Add(z);
                statistic = alarm ? Math.Max(statistic, ph.Threshold) : ph.Statistic;
                var st = ph.Snapshot();
                (s.Count, s.PhMean, s.PhSumUp, s.PhMinUp, s.PhSumDown, s.PhMaxDown, s.Alarms) = (st.Count, st.Mean, st.SumIncrease, st.MinIncrease, st.SumDecrease, st.MaxDecrease, st.Alarms);
                threshold = ph.Threshold;
            }
            else
            {
                sequentialThreshold ??= RunLength.CusumThreshold(spec.TargetRunLength, spec.Shift / 2, CusumSide.TwoSided);
                var cusum = new Cusum(0, 1, spec.Shift / 2, sequentialThreshold.Value, CusumSide.TwoSided);
                cusum.Restore(new CusumState(s.Upper, s.Lower, s.Count, s.Alarms));
                var upper = Math.Max(0, s.Upper + z - spec.Shift / 2);
                var lower = Math.Max(0, s.Lower - z - spec.Shift / 2);
                alarm = cusum.Add(z);
                statistic = Math.Max(upper, lower);
                var st = cusum.Snapshot();
                (s.Upper, s.Lower, s.Count, s.Alarms) = (st.Upper, st.Lower, st.Count, st.Alarms);
                threshold = cusum.Threshold;
            }

            var row = new Row
            {
                Kind = FindingKind.AbruptChange, Scope = "*", Signal = def.Name, Method = spec.Method, Statistic = statistic, Effect = z / Math.Sqrt(spec.BatchSize),
                Threshold = threshold, CurrentSize = spec.BatchSize, ReferenceSize = reference.Scopes.Count > 0 ? reference.Scopes[0].Numeric[def.Slot].Values.Count : 0,
                Fixed = alarm ? Outcome.Detected : Outcome.Clear, ResolveAfter = spec.ResolveAfterBatches, Verb = "changed abruptly",
            };
            Decide([row], bounds, sequence, recordStatus: alarm || State.Trackers.ContainsKey(TrackerKey(row)));
        }
    }
}
