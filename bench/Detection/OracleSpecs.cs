using Monitoring.Contracts;
using Monitoring.Detection.Oracle;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Detection;

/// <summary>An inference as the oracle and the scorer see it: the message and the simulator's hidden truth.</summary>
internal sealed record Seen(long Sequence, InferenceRecorded Message, InferenceTruth Truth);

/// <summary>
/// What the oracle of one injected change watches, read verbatim from the manifest (the change record) and the simulator's
/// site and model profiles: the scope, the single most informative statistic, its pre-change law and its post-change law
/// along the change's ramp. Parameters the manifest does not state per event (a scanner's feature mean and SD per view) are
/// learned from ≥ 5 simulated years of null traffic of the same generator (<see cref="Learn"/>), so they are exact to well
/// under 1 % of an SD. Thread-safe learning (null runs go in parallel).
/// </summary>
internal abstract class OracleSpec(Change change)
{
    private long observations;

    public Change Change { get; } = change;

    /// <summary>Signal watched, e.g. <c>feature:meanIntensity</c> or <c>category:ageBand=0-17</c>.</summary>
    public abstract string Signal { get; }

    /// <summary>Kullback–Leibler divergence per observation at full effect (nats): why this statistic was chosen.</summary>
    public abstract double Kl { get; }

    /// <summary>Observations of the statistic in the null runs, and their simulated years.</summary>
    public double ObservationsPerYear(double years) => Interlocked.Read(ref observations) / years;

    /// <summary>Null traffic: count observations and learn the pre-change parameters.</summary>
    public void Learn(SimulatedEvent e, Seen? inference)
    {
        var n = LearnCore(e, inference);
        if (n > 0) Interlocked.Add(ref observations, n);
    }

    protected abstract int LearnCore(SimulatedEvent e, Seen? inference);

    /// <summary>The monitor for one run, with its threshold for the oracle's budget (ARL₀ = observations per year / budget).</summary>
    public abstract OracleMonitor Monitor(double averageRunLength, RunReference reference);

    private readonly Dictionary<(double, double), double> thresholds = [];

    /// <summary>
    /// A threshold computed once per (ARL₀, p₀) and shared by the seeds: the simulated ones are seeded, so every run would get the
    /// same value, and the risk-adjusted ones cost seconds each.
    /// </summary>
    protected double Threshold(double averageRunLength, double p0, Func<double> compute)
    {
        lock (thresholds)
        {
            if (!thresholds.TryGetValue((averageRunLength, p0), out var h)) thresholds[(averageRunLength, p0)] = h = compute();
            return h;
        }
    }

    public static OracleSpec? For(Change change, TrafficGenerator generator) => change switch
    {
        AcquisitionShift a => new FeatureShiftSpec(a),
        PaediatricMix p => new NewCategorySpec(p, "ageBand", "0-17", p.Fraction, (i, _) => i.Truth.AgeBand == "0-17"),
        ViewMix v => new NewCategorySpec(v, "viewPosition", v.ViewPosition, v.Fraction, (i, _) => i.Message.Study.ViewPosition == v.ViewPosition),
        SiteOnboarding s => NewSiteSpec.Create(s, generator),
        SubgroupSensitivityDrop d => new MissRateSpec(d, generator.Models[0]),
        PrevalenceShift p => new PrevalenceSpec(p, generator),
        _ => null,
    };

    protected bool InScope(InferenceRecorded e, string? manufacturer = null) =>
        (Change.Model is null || e.Model.Id == Change.Model) && (Change.Site is null || e.Site == Change.Site)
        && (manufacturer is null || e.Study.Manufacturer == manufacturer);
}

/// <summary>What a run tells the oracle about the detector's reference (first events of the deployment).</summary>
/// <param name="Count">Events in the detector's reference.</param>
/// <param name="InScope">Of them, events in a scope (by predicate).</param>
internal sealed record RunReference(long Count, Func<Func<Seen, bool>, long> InScope);

/// <summary>One run's oracle: an LR CUSUM started at the change (S = 0: Lorden's worst case) fed the statistic's log-likelihood ratios.</summary>
internal sealed class OracleMonitor(double threshold, Func<SimulatedEvent, Seen?, IEnumerable<double>> llr)
{
    private readonly LikelihoodRatioCusum cusum = new(threshold);

    public double Threshold => cusum.Threshold;

    public DateTimeOffset? AlarmAt { get; private set; }

    public void Observe(SimulatedEvent e, Seen? inference)
    {
        if (AlarmAt is not null) return;
        foreach (var x in llr(e, inference))
        {
            if (cusum.Update(x))
            {
                AlarmAt = e.At;
                return;
            }
        }
    }
}

/// <summary>
/// Image features shifted in scanner SDs (firmware update, detector ageing): the feature with the largest |δ| (KL δ²/2 per
/// event), each event standardized by its scanner × view's null mean and SD; the alternative follows the ramp: δ(t) = δ·effect(t).
/// The embedding's shift is not a candidate: its direction is not in the manifest.
/// </summary>
internal sealed class FeatureShiftSpec : OracleSpec
{
    private readonly AcquisitionShift shift;
    private readonly string feature;
    private readonly double delta;
    private readonly Dictionary<(string, string?, string?), (long N, double Mean, double M2)> cells = [];

    public FeatureShiftSpec(AcquisitionShift shift) : base(shift)
    {
        this.shift = shift;
        (feature, delta) = shift.FeatureShiftSd.OrderByDescending(kv => Math.Abs(kv.Value)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).First();
    }

    public override string Signal => "feature:" + feature;

    public override double Kl => LikelihoodRatio.GaussianKl(delta);

    private static (string, string?, string?) Cell(InferenceRecorded e) => (e.Site, e.Study.ManufacturerModelName, e.Study.ViewPosition);

    protected override int LearnCore(SimulatedEvent e, Seen? inference)
    {
        if (e is not InferenceEvent i || !InScope(i.Message, shift.Manufacturer) || !i.Message.Features.TryGetValue(feature, out var x)) return 0;
        lock (cells)
        {
            // Welford's running mean and variance per scanner × view.
            var key = Cell(i.Message);
            var (n, mean, m2) = cells.GetValueOrDefault(key);
            n++;
            var d = x - mean;
            mean += d / n;
            m2 += d * (x - mean);
            cells[key] = (n, mean, m2);
        }

        return 1;
    }

    public override OracleMonitor Monitor(double averageRunLength, RunReference reference)
    {
        var stats = cells.ToDictionary(kv => kv.Key, kv => (kv.Value.Mean, Sd: Math.Sqrt(kv.Value.M2 / Math.Max(1, kv.Value.N - 1))));
        return new OracleMonitor(Threshold(averageRunLength, 0, () => Thresholds.Gaussian(delta, averageRunLength)), (e, _) =>
        {
            if (e is not InferenceEvent i || !InScope(i.Message, shift.Manufacturer) || !i.Message.Features.TryGetValue(feature, out var x)
                || !stats.TryGetValue(Cell(i.Message), out var s) || !(s.Sd > 0)) return [];
            var d = delta * shift.EffectAt(e.At);
            return [LikelihoodRatio.Gaussian((x - s.Mean) / s.Sd, d)];
        });
    }
}

/// <summary>
/// A category absent from the reference (children, lateral views): Bernoulli on "value = that category" among the scope's
/// events, p₀ = 1/(reference count in scope + 1), p₁ = the injected share along the ramp.
/// </summary>
internal sealed class NewCategorySpec(Change change, string attribute, string value, double share, Func<Seen, bool, bool> isCategory) : OracleSpec(change)
{
    public override string Signal => $"category:{attribute}={value}";

    // At the oracle's p₀ for a 2,000-event reference scope; the choice between candidates does not depend on it.
    public override double Kl => LikelihoodRatio.BernoulliKl(1 / 2001.0, share);

    protected override int LearnCore(SimulatedEvent e, Seen? inference) => e is InferenceEvent i && InScope(i.Message) ? 1 : 0;

    public override OracleMonitor Monitor(double averageRunLength, RunReference reference)
    {
        var p0 = 1.0 / (reference.InScope(s => InScope(s.Message)) + 1);
        return new OracleMonitor(Threshold(averageRunLength, p0, () => Thresholds.Bernoulli(p0, share, averageRunLength)), (e, _) =>
        {
            if (e is not InferenceEvent i || !InScope(i.Message)) return [];
            var p1 = Math.Max(p0, share * Change.EffectAt(e.At));
            return [LikelihoodRatio.Bernoulli(isCategory(new Seen(0, i.Message, i.Truth), true), p0, p1)];
        });
    }
}

/// <summary>
/// A new site with vendors no other site uses: Bernoulli on "manufacturer = the new vendor" over the model's events, p₀ =
/// 1/(reference count + 1), p₁(t) = the new site's share of the model's traffic as its volume ramps (site sizes from the
/// manifest's profiles; the generator scales a site's hourly rate by its size and by max(0.02, effect)).
/// </summary>
internal sealed class NewSiteSpec(SiteOnboarding change, string vendor, double newSize, double oldSize) : OracleSpec(change)
{
    public static NewSiteSpec Create(SiteOnboarding s, TrafficGenerator g)
    {
        var model = g.Models[0].Id;
        var vendor = s.Profile.ScannersFor(model).GroupBy(x => x.Scanner.Manufacturer).OrderByDescending(x => x.Sum(y => y.Share)).First().Key;
        var old = g.Sites.Where(x => x.ScannersFor(model).Any()).Sum(x => x.Size);
        return new NewSiteSpec(s, vendor, s.Profile.Size, old);
    }

    public override string Signal => $"category:manufacturer={vendor}";

    public override double Kl => LikelihoodRatio.BernoulliKl(1 / 8001.0, Share(1));

    private double Share(double effect) => newSize * Math.Max(0.02, effect) / (oldSize + newSize * Math.Max(0.02, effect));

    protected override int LearnCore(SimulatedEvent e, Seen? inference) => e is InferenceEvent i && i.Message.Model.Id == (change.Model ?? i.Message.Model.Id) ? 1 : 0;

    public override OracleMonitor Monitor(double averageRunLength, RunReference reference)
    {
        var p0 = 1.0 / (reference.Count + 1);
        return new OracleMonitor(Threshold(averageRunLength, p0, () => Thresholds.Bernoulli(p0, Share(1), averageRunLength)), (e, _) =>
        {
            if (e is not InferenceEvent i) return [];
            var p1 = Math.Max(p0, Share(change.EffectAt(e.At)));
            return [LikelihoodRatio.Bernoulli(i.Message.Study.Manufacturer == vendor, p0, p1)];
        });
    }
}

/// <summary>
/// Subgroup sensitivity decay: risk-adjusted Bernoulli CUSUM (Steiner et al. 2000) on misses (score below the threshold) among
/// the subgroup's labelled positives, one observation per positive label when its ground truth arrives. Per case p₁ = 1 − the
/// cell's expected sensitivity after the change (simulator truth) and p₀ = p₁ − drop·effect (the generator lowers sensitivity
/// by exactly drop·effect); in control p₀ = 1 − expected sensitivity, and the CUSUM's alternative is p₀ + drop·effect(t).
/// </summary>
internal sealed class MissRateSpec(SubgroupSensitivityDrop change, ModelSpec model) : OracleSpec(change)
{
    private readonly List<double> pool = [];

    public override string Signal => $"misses among labelled positives of {change.Attribute}={change.Value}";

    public override double Kl => LikelihoodRatio.BernoulliKl(0.2, 0.2 + change.Drop);

    private bool InGroup(Seen s) => change.Attribute switch
    {
        "ethnicity" => s.Message.Patient.Ethnicity == change.Value,
        "sex" => s.Message.Patient.Sex == change.Value,
        "ageBand" => s.Truth.AgeBand == change.Value,
        "site" => s.Message.Site == change.Value,
        "manufacturer" => s.Message.Study.Manufacturer == change.Value,
        "viewPosition" => s.Message.Study.ViewPosition == change.Value,
        _ => false,
    };

    private IEnumerable<(bool Miss, double P0, double Effect)> Cases(SimulatedEvent e, Seen? s)
    {
        if (e is not GroundTruthEvent || s is null || !InGroup(s) || (change.Model is not null && s.Message.Model.Id != change.Model)) yield break;
        var effect = change.EffectAt(s.Message.OccurredAt);
        for (var j = 0; j < model.Labels.Count; j++)
        {
            if (!s.Truth.Positive[j]) continue;
            var miss = s.Message.Prediction.Scores[model.Labels[j].Name] < s.Message.Prediction.Threshold;
            var p0 = Math.Clamp(1 - s.Truth.ExpectedSensitivity[j] - change.Drop * effect, 1e-4, 0.999);
            yield return (miss, p0, effect);
        }
    }

    protected override int LearnCore(SimulatedEvent e, Seen? inference)
    {
        var n = 0;
        foreach (var c in Cases(e, inference))
        {
            lock (pool) pool.Add(c.P0);
            n++;
        }

        return n;
    }

    public override OracleMonitor Monitor(double averageRunLength, RunReference reference) =>
        new(Threshold(averageRunLength, 0, () => Thresholds.RiskAdjusted(pool, p => Math.Min(0.999, p + change.Drop), averageRunLength)),
            (e, s) => Cases(e, s).Select(c => LikelihoodRatio.Bernoulli(c.Miss, c.P0, Math.Min(0.999, c.P0 + change.Drop * c.Effect))));
}

/// <summary>
/// Outbreak: risk-adjusted Bernoulli CUSUM on the label's presence among labelled cases, per case p₀ = the generator's
/// prevalence of its cell (reference prevalence × site multiplier × elderly × AP × paediatric factors, all public constants)
/// and p₁ = p₀ × (1 + (multiplier − 1)·effect). Chosen over the AP share (+0.15, KL ≈ 0.05 per inference) and the score
/// distributions (mixtures without a closed-form KL): the label carries the most information per event.
/// </summary>
internal sealed class PrevalenceSpec : OracleSpec
{
    private readonly PrevalenceShift change;
    private readonly double reference;
    private readonly Dictionary<string, double> siteMultiplier;
    private readonly List<double> pool = [];

    public PrevalenceSpec(PrevalenceShift change, TrafficGenerator g) : base(change)
    {
        this.change = change;
        reference = g.Models[0].Labels.First(l => l.Name == change.Label).Mapping.ReferencePrevalence;
        siteMultiplier = g.AllSites.ToDictionary(s => s.Code, s => s.PrevalenceMultiplier);
    }

    public override string Signal => $"label:prevalence:{change.Label}";

    public override double Kl => LikelihoodRatio.BernoulliKl(reference, Math.Min(0.95, reference * change.Multiplier));

    private double P0(Seen s) => Math.Min(0.95, reference * siteMultiplier[s.Message.Site]
        * (s.Truth.AgeBand == "65+" ? GenerationDefaults.ElderlyPrevalenceMultiplier : 1)
        * (s.Truth.AgeBand == "0-17" ? GenerationDefaults.PaediatricPrevalenceMultiplier : 1)
        * (s.Message.Study.ViewPosition == "AP" ? GenerationDefaults.ApPrevalenceMultiplier : 1));

    protected override int LearnCore(SimulatedEvent e, Seen? inference)
    {
        if (e is not GroundTruthEvent || inference is null) return 0;
        lock (pool) pool.Add(P0(inference));
        return 1;
    }

    public override OracleMonitor Monitor(double averageRunLength, RunReference reference) =>
        new(Threshold(averageRunLength, 0, () => Thresholds.RiskAdjusted(pool, p => Math.Min(0.95, p * change.Multiplier), averageRunLength)), (e, s) =>
        {
            if (e is not GroundTruthEvent g || s is null) return [];
            var p0 = P0(s);
            var p1 = Math.Min(0.95, p0 * (1 + (change.Multiplier - 1) * change.EffectAt(s.Message.OccurredAt)));
            return [LikelihoodRatio.Bernoulli(g.Message.Labels.Contains(change.Label), p0, Math.Max(p0, p1))];
        });
}
