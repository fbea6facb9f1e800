using Monitoring.Contracts;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Simulator.Generation;

/// <summary>
/// Generates the timeline of a hospital network: inferences, later ground truth and reader feedback, ordered by
/// event time. Deterministic: every (site, model, hour) draws from its own random stream keyed by the seed, so
/// the same settings give the same events, and a scenario leaves everything before its change start untouched
/// (only inference ids, which include the scenario name, differ from the null scenario's).
/// </summary>
public sealed class TrafficGenerator
{
    // Hour-of-day volume profiles (relative; normalised to mean 1 below).
    private static readonly double[] HospitalDay = Normalise([0.45, 0.4, 0.35, 0.35, 0.35, 0.4, 0.55, 0.8, 1.2, 1.5, 1.6, 1.55, 1.4, 1.45, 1.55, 1.5, 1.35, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5]);
    private static readonly double[] ScreeningDay = Normalise([0, 0, 0, 0, 0, 0, 0, 0, 1, 1.2, 1.2, 1.1, 0.8, 1.1, 1.2, 1.2, 1.1, 0.9, 0, 0, 0, 0, 0, 0]);

    private readonly SimulationSettings _settings;
    private readonly ulong _seed;
    private readonly ulong _runKey;
    private readonly PatientRegistry _patients;
    // Memoisation only: never enumerated, so their order cannot reach the output.
    private readonly Dictionary<string, double[]> _directions = [];
    private readonly Dictionary<(string Site, string Model, string View), (ScannerInstall[], double[])> _candidates = [];
    private readonly Dictionary<(string Site, string Model), ScannerInstall[]> _installs = [];

    /// <summary>Creates a generator; throws <see cref="ArgumentException"/> for invalid settings.</summary>
    public TrafficGenerator(SimulationSettings settings)
    {
        settings.Validate();
        settings = settings with { Scenario = ScenarioCatalog.Canonical(settings.Scenario) };
        _settings = settings;
        _seed = (ulong)settings.Seed;
        _runKey = StableHash.Combine(_seed, StableHash.Of(settings.Scenario), StableHash.Of(settings.RunTag));
        _patients = new PatientRegistry(settings.Seed);
        Models = settings.Models.Distinct().Select(ModelCatalog.Get).OrderBy(m => m.Index).ToArray();
        Sites = HospitalNetwork.Sites(settings.Sites);
        Scenario = ScenarioCatalog.Create(settings.Scenario, settings.ScenarioParameters,
            new ScenarioContext(settings.Start, settings.End, Sites, Models, settings.Volume));
        AllSites = [.. Sites, .. Scenario.Changes.OfType<SiteOnboarding>().Select(c => c.Profile)];
    }

    /// <summary>Settings of the run.</summary>
    public SimulationSettings Settings => _settings;

    /// <summary>Deployed models, in catalog order.</summary>
    public IReadOnlyList<ModelSpec> Models { get; }

    /// <summary>Sites present from the start.</summary>
    public IReadOnlyList<SiteProfile> Sites { get; }

    /// <summary>Sites including any that join during the run.</summary>
    public IReadOnlyList<SiteProfile> AllSites { get; }

    /// <summary>The scenario with its changes.</summary>
    public Scenario Scenario { get; }

    /// <summary>Counts of the last (or current) enumeration of <see cref="Generate"/>.</summary>
    public GenerationStatistics Statistics { get; private set; } = new();

    /// <summary>
    /// The timeline from <see cref="SimulationSettings.Start"/> to <see cref="SimulationSettings.End"/>, in event-time
    /// order (ties: inference, feedback, truth, then generation order). Ground truth and feedback due after the end
    /// are not emitted (they are counted in <see cref="Statistics"/>).
    /// </summary>
    public IEnumerable<SimulatedEvent> Generate()
    {
        var statistics = new GenerationStatistics();
        Statistics = statistics;
        var queue = new PriorityQueue<SimulatedEvent, (long Ticks, int Kind, long Seq)>();
        long seq = 0;
        var hours = _settings.Days * 24;
        var batch = new List<(InferenceEvent Inference, SimulatedEvent? Truth, SimulatedEvent? Feedback)>();
        for (var h = 0; h < hours; h++)
        {
            var hourStart = _settings.Start + TimeSpan.FromHours(h);
            var hourEnd = hourStart + TimeSpan.FromHours(1);
            batch.Clear();
            foreach (var site in AllSites)
            {
                foreach (var model in Models)
                {
                    GenerateHour(site, model, h, hourStart, batch);
                }
            }

            // Stable sort: equal times keep site/model/draw order.
            foreach (var item in batch.OrderBy(b => b.Inference.At.UtcTicks))
            {
                queue.Enqueue(item.Inference, (item.Inference.At.UtcTicks, (int)SimulatedEventKind.Inference, seq++));
                if (item.Feedback is { } feedback)
                {
                    queue.Enqueue(feedback, (feedback.At.UtcTicks, (int)SimulatedEventKind.ReaderFeedback, seq++));
                }

                if (item.Truth is { } truth)
                {
                    queue.Enqueue(truth, (truth.At.UtcTicks, (int)SimulatedEventKind.GroundTruth, seq++));
                }
            }

            while (queue.TryPeek(out var next, out _) && next.At < hourEnd)
            {
                queue.Dequeue();
                statistics.Count(next);
                yield return next;
            }
        }

        while (queue.TryDequeue(out var late, out _))
        {
            statistics.CountAfterEnd(late);
        }
    }

    private static double[] Normalise(double[] profile)
    {
        var mean = profile.Average();
        return profile.Select(p => p / mean).ToArray();
    }

    private void GenerateHour(SiteProfile site, ModelSpec model, int h, DateTimeOffset hourStart, List<(InferenceEvent, SimulatedEvent?, SimulatedEvent?)> batch)
    {
        if (!_installs.TryGetValue((site.Code, model.Id), out var installs))
        {
            _installs[(site.Code, model.Id)] = installs = site.ScannersFor(model.Id).ToArray();
        }

        if (installs.Length == 0)
        {
            return;
        }

        var onboarding = Scenario.Changes.OfType<SiteOnboarding>().FirstOrDefault(c => c.Profile.Code == site.Code);
        if (onboarding is not null && hourStart + TimeSpan.FromHours(1) <= onboarding.Start)
        {
            return;
        }

        var siteKey = StableHash.Of(site.Code);
        var rng = DeterministicRandom.For(_seed, siteKey, (ulong)model.Index, (ulong)h);
        var middle = hourStart + TimeSpan.FromMinutes(30);
        var profile = model.Population == PopulationKind.BreastScreening ? ScreeningDay : HospitalDay;
        var weekend = hourStart.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        var lambda = model.StudiesPerDay / 24 * site.Size * _settings.Volume * profile[hourStart.Hour]
            * (weekend ? model.WeekendFactor : 1) * VolumeMultiplier(site, model, middle)
            * (onboarding is null ? 1 : Math.Max(0.02, onboarding.EffectAt(middle)));
        var n = rng.NextPoisson(lambda);
        var offsets = new long[n];
        for (var i = 0; i < n; i++)
        {
            offsets[i] = (long)(rng.NextDouble() * 3_600_000);
        }

        Array.Sort(offsets);
        for (var i = 0; i < n; i++)
        {
            var at = hourStart + TimeSpan.FromMilliseconds(offsets[i]);
            if (onboarding is not null && at < onboarding.Start)
            {
                continue;
            }

            batch.Add(GenerateInference(site, model, installs, at, h, i, rng));
        }
    }

    private double VolumeMultiplier(SiteProfile site, ModelSpec model, DateTimeOffset t)
    {
        var multiplier = 1.0;
        foreach (var change in Scenario.Changes)
        {
            if (change is PrevalenceShift shift && shift.Applies(site.Code, model.Id))
            {
                multiplier *= 1 + (shift.VolumeMultiplier - 1) * shift.EffectAt(t);
            }
        }

        return multiplier;
    }

    private (InferenceEvent, SimulatedEvent?, SimulatedEvent?) GenerateInference(
        SiteProfile site, ModelSpec model, ScannerInstall[] installs, DateTimeOffset at, int h, int i, DeterministicRandom rng)
    {
        var affected = new List<string>();
        var changes = Scenario.Changes.Count == 0 ? [] : Scenario.Changes.Where(c => c.Applies(site.Code, model.Id) && c.EffectAt(at) > 0).ToArray();
        foreach (var change in changes)
        {
            if (change is PaediatricMix or ViewMix or PrevalenceShift or SiteOnboarding)
            {
                affected.Add(change.Id);
            }
        }

        // Population.
        var paediatricFraction = changes.OfType<PaediatricMix>().Sum(c => c.Fraction * c.EffectAt(at));
        var paediatric = paediatricFraction > 0 && rng.Chance(paediatricFraction);
        var patient = _patients.Draw(site, model, paediatric, _settings.Volume, rng);

        // View, protocol and scanner.
        var viewSpec = ChooseView(site, model, changes, at, paediatric, rng);
        var view = viewSpec.ViewPosition;
        var protocolName = viewSpec.Protocol;
        var lateralFraction = changes.OfType<ViewMix>().Sum(c => c.Fraction * c.EffectAt(at));
        if (lateralFraction > 0 && rng.Chance(lateralFraction))
        {
            var mix = changes.OfType<ViewMix>().First();
            view = mix.ViewPosition;
            protocolName = mix.Protocol;
        }

        var (candidates, shares) = Candidates(site, model, installs, view);
        var scanner = candidates[rng.Choose(shares)].Scanner;

        // Acquisition shifts (firmware, ageing).
        var shiftSd = new Dictionary<string, double>();
        var aurocOffset = 0.0;
        var embeddingShifts = new List<(string Id, double Length)>();
        foreach (var shift in changes.OfType<AcquisitionShift>())
        {
            if (shift.Manufacturer is { } m && m != scanner.Manufacturer)
            {
                continue;
            }

            var f = shift.EffectAt(at);
            affected.Add(shift.Id);
            foreach (var (feature, sd) in shift.FeatureShiftSd)
            {
                shiftSd[feature] = shiftSd.GetValueOrDefault(feature) + sd * f;
            }

            aurocOffset += shift.AurocOffset * f;
            embeddingShifts.Add((shift.Id, shift.EmbeddingShift * f));
        }

        var lowDose = protocolName.Contains("LOW DOSE", StringComparison.Ordinal);
        var features = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var spec in scanner.Features)
        {
            var mean = spec.Mean + Adjustment(spec, view, paediatric, lowDose) + shiftSd.GetValueOrDefault(spec.Name) * spec.Sd;
            var value = Math.Clamp(rng.NextGaussian(mean, spec.Sd), spec.Min, spec.Max);
            features[spec.Name] = Math.Round(value, spec.Decimals);
        }

        // Labels and scores.
        var ageBand = patient.AgeBand;
        var drops = changes.OfType<SubgroupSensitivityDrop>()
            .Where(d => Matches(d.Attribute, d.Value, site, patient, scanner, view))
            .ToArray();
        foreach (var drop in drops)
        {
            affected.Add(drop.Id);
        }

        var positive = new bool[model.Labels.Count];
        var targetAuroc = new double[model.Labels.Count];
        var expectedSensitivity = new double[model.Labels.Count];
        var scores = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var predicted = new List<string>();
        for (var j = 0; j < model.Labels.Count; j++)
        {
            var label = model.Labels[j];
            var mapping = label.Mapping;
            var prevalence = mapping.ReferencePrevalence * site.PrevalenceMultiplier
                * (ageBand == "65+" ? GenerationDefaults.ElderlyPrevalenceMultiplier : 1)
                * (paediatric ? GenerationDefaults.PaediatricPrevalenceMultiplier : 1)
                * (view == "AP" ? GenerationDefaults.ApPrevalenceMultiplier : 1);
            foreach (var shift in changes.OfType<PrevalenceShift>())
            {
                if (shift.Label == label.Name)
                {
                    prevalence *= 1 + (shift.Multiplier - 1) * shift.EffectAt(at);
                }
            }

            positive[j] = rng.Chance(Math.Min(0.95, prevalence));

            var auroc = mapping.ReferenceAuroc + aurocOffset
                + (ageBand == "65+" ? GenerationDefaults.ElderlyAurocOffset : 0)
                + (paediatric ? GenerationDefaults.PaediatricAurocOffset : 0)
                + (view == "AP" ? GenerationDefaults.ApAurocOffset : 0)
                + (view == "LL" ? GenerationDefaults.LateralAurocOffset : 0);
            var separation = Binormal.SeparationForAuroc(Math.Clamp(auroc, GenerationDefaults.MinAuroc, GenerationDefaults.MaxAuroc));
            var drop = drops.Sum(d => d.Drop * d.EffectAt(at));
            if (drop > 0)
            {
                separation = mapping.SeparationForSensitivity(Math.Max(0.02, mapping.Sensitivity(separation) - drop));
            }

            targetAuroc[j] = Binormal.AurocForSeparation(separation);
            expectedSensitivity[j] = mapping.Sensitivity(separation);
            var z = rng.NextGaussian() + (positive[j] ? separation : 0);
            var score = Math.Round(mapping.Score(z), 6);
            scores[label.Name] = score;
            if (score >= model.Threshold)
            {
                predicted.Add(label.Name);
            }
        }

        var embedding = _settings.EmbeddingDimensions > 0
            ? Embedding(model, scanner, view, paediatric, positive, embeddingShifts, rng)
            : null;
        // Latency does not follow the hour's load: a diurnal latency cycle would make the null scenario drift
        // window to window, and the null scenario must be stationary.
        var latency = Math.Round(rng.NextLogNormal(model.MedianLatencyMs, 0.3), 1);

        var inferenceId = InferenceId(StableHash.Of(site.Code), model.Index, h, i);
        var message = new InferenceRecorded
        {
            InferenceId = inferenceId,
            OccurredAt = at,
            Model = new ModelRef(model.Id, model.Version),
            Site = site.Code,
            Study = new StudyInfo
            {
                Modality = scanner.Modality,
                BodyPartExamined = model.BodyPartExamined,
                Manufacturer = scanner.Manufacturer,
                ManufacturerModelName = scanner.ModelName,
                ViewPosition = view,
                Protocol = site.SendsProtocol ? site.ProtocolPrefix + protocolName : null,
            },
            Patient = new PatientInfo
            {
                PseudoId = patient.PseudoId,
                AgeBand = site.AgeReporting == AgeReporting.AgeBand ? ageBand : null,
                Age = site.AgeReporting == AgeReporting.DicomAge ? patient.DicomAge : null,
                Sex = patient.Sex,
                Ethnicity = patient.Ethnicity,
            },
            Prediction = new Prediction { Scores = scores, PredictedLabels = predicted, Threshold = model.Threshold },
            Features = features,
            Embedding = embedding,
            LatencyMs = latency,
        };

        // Ground truth: a fraction of cases, after hours to days.
        var labelled = rng.Chance(model.GroundTruthFraction);
        SimulatedEvent? truthEvent = null;
        var trueLabels = new List<string>(model.Labels.Count);
        for (var j = 0; j < model.Labels.Count; j++)
        {
            if (positive[j])
            {
                trueLabels.Add(model.Labels[j].Name);
            }
        }

        if (labelled)
        {
            var sources = model.TruthSources.Where(s => !s.PositiveOnly || trueLabels.Count > 0).ToArray();
            var source = sources[rng.Choose(sources.Select(s => s.Share).ToArray())];
            var delay = TimeSpan.FromSeconds(Math.Round(3600 * Math.Max(0.25, rng.NextLogNormal(source.MedianDelayHours, source.Sigma))));
            truthEvent = new GroundTruthEvent(new GroundTruthRecorded
            {
                InferenceId = inferenceId,
                Labels = trueLabels,
                Source = source.Source,
                RecordedAt = at + delay,
            }, at);
        }

        // Reader feedback: agreement depends on whether the model was right.
        SimulatedEvent? feedbackEvent = null;
        if (rng.Chance(GenerationDefaults.FeedbackFraction))
        {
            var reader = rng.NextInt(site.Readers);
            ReaderAction action;
            if (rng.Chance(GenerationDefaults.NotReviewedFraction))
            {
                action = ReaderAction.NotReviewed;
            }
            else
            {
                var correct = predicted.SequenceEqual(trueLabels);
                action = rng.Chance(correct ? GenerationDefaults.OverrideWhenCorrect : GenerationDefaults.OverrideWhenWrong)
                    ? ReaderAction.Overrode
                    : ReaderAction.Agreed;
            }

            var delay = TimeSpan.FromSeconds(Math.Round(3600 * Math.Max(1.0 / 60, rng.NextLogNormal(GenerationDefaults.FeedbackMedianDelayHours, 0.9))));
            feedbackEvent = new ReaderFeedbackEvent(new ReaderFeedbackRecorded
            {
                InferenceId = inferenceId,
                ReaderPseudoId = Pseudonym.Derive(_patients.Secret(site.Code), $"reader/{reader:D3}"),
                Action = action,
                RecordedAt = at + delay,
            }, at);
        }

        var truth = new InferenceTruth
        {
            Positive = positive,
            TargetAuroc = targetAuroc,
            ExpectedSensitivity = expectedSensitivity,
            AgeYears = patient.AgeYears,
            AgeBand = ageBand,
            LocalPatientId = patient.LocalId,
            AffectedBy = affected.Count == 0 ? [] : affected.Distinct().ToArray(),
            WillBeLabelled = labelled,
        };
        return (new InferenceEvent(message, truth), truthEvent, feedbackEvent);
    }

    private (ScannerInstall[] Installs, double[] Shares) Candidates(SiteProfile site, ModelSpec model, ScannerInstall[] installs, string view)
    {
        var key = (site.Code, model.Id, view);
        if (!_candidates.TryGetValue(key, out var cached))
        {
            var candidates = installs.Where(s => s.Takes(view)).ToArray();
            if (candidates.Length == 0)
            {
                candidates = installs;
            }

            _candidates[key] = cached = (candidates, candidates.Select(c => c.Share).ToArray());
        }

        return cached;
    }

    private static ViewSpec ChooseView(SiteProfile site, ModelSpec model, Change[] changes, DateTimeOffset at, bool paediatric, DeterministicRandom rng)
    {
        var weights = new double[model.Views.Count];
        var ap = -1;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = model.Views[i].Share;
            if (model.Views[i].ViewPosition == "AP")
            {
                ap = i;
            }
        }

        if (ap >= 0 && model.Views.Count == 2)
        {
            var apShare = site.ApShare + changes.OfType<PrevalenceShift>().Sum(c => c.ApShareIncrease * c.EffectAt(at));
            apShare = Math.Clamp(paediatric ? Math.Max(apShare, 0.6) : apShare, 0, 0.95);
            weights[ap] = apShare;
            weights[1 - ap] = 1 - apShare;
        }

        return model.Views[rng.Choose(weights)];
    }

    private static bool Matches(string attribute, string value, SiteProfile site, Patient patient, ScannerModel scanner, string view) => attribute switch
    {
        "sex" => patient.Sex == value,
        "ageBand" => patient.AgeBand == value,
        "ethnicity" => patient.Ethnicity == value,
        "site" => site.Code == value,
        "manufacturer" => scanner.Manufacturer == value,
        "viewPosition" => view == value,
        "modality" => scanner.Modality == value,
        _ => false,
    };

    /// <summary>Shift of a feature's mean for the acquisition context (view, child, low-dose protocol).</summary>
    private static double Adjustment(FeatureSpec spec, string view, bool paediatric, bool lowDose)
    {
        var delta = 0.0;
        switch (view)
        {
            case "AP":
                delta += spec.Name switch { "imageQuality" => -0.04, "noiseLevel" => 0.2 * spec.Mean, _ => 0 };
                break;
            case "LL":
                delta += spec.Name switch { "meanIntensity" => -0.05, "contrast" => -0.03, "exposureIndex" => 0.3 * spec.Mean, "kvp" => 5, _ => 0 };
                break;
        }

        if (paediatric)
        {
            delta += spec.Name switch { "kvp" => -25, "exposureIndex" => -0.3 * spec.Mean, "meanIntensity" => -0.03, "noiseLevel" => 0.15 * spec.Mean, _ => 0 };
        }

        if (lowDose)
        {
            delta += spec.Name switch { "kvp" => -20, "ctdiVolMGy" => -0.7 * spec.Mean, "noiseLevel" => 0.5 * spec.Mean, _ => 0 };
        }

        return delta;
    }

    private float[] Embedding(ModelSpec model, ScannerModel scanner, string view, bool paediatric, bool[] positive, List<(string Id, double Length)> shifts, DeterministicRandom rng)
    {
        var dims = _settings.EmbeddingDimensions;
        var v = new double[dims];
        Add(v, Direction($"scanner/{scanner.Manufacturer}/{scanner.ModelName}", 0.8), 1);
        Add(v, Direction($"view/{model.Id}/{view}", 0.6), 1);
        if (paediatric)
        {
            Add(v, Direction("paediatric", 1.0), 1);
        }

        for (var j = 0; j < positive.Length; j++)
        {
            if (positive[j])
            {
                Add(v, Direction($"label/{model.Id}/{model.Labels[j].Name}", 0.5), 1);
            }
        }

        foreach (var (id, length) in shifts)
        {
            Add(v, Direction($"shift/{id}", 1), length);
        }

        var result = new float[dims];
        for (var k = 0; k < dims; k++)
        {
            result[k] = (float)Math.Round(v[k] + GenerationDefaults.EmbeddingNoise * rng.NextGaussian(), 4);
        }

        return result;

        static void Add(double[] target, double[] direction, double scale)
        {
            for (var k = 0; k < target.Length; k++)
            {
                target[k] += direction[k] * scale;
            }
        }
    }

    /// <summary>A fixed random vector of the given length for a key (memoised; never enumerated).</summary>
    private double[] Direction(string key, double length)
    {
        var cacheKey = $"{key}#{length}";
        if (_directions.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var rng = DeterministicRandom.For(_seed, StableHash.Of("direction"), StableHash.Of(key));
        var v = new double[_settings.EmbeddingDimensions];
        for (var k = 0; k < v.Length; k++)
        {
            v[k] = rng.NextGaussian();
        }

        var norm = Math.Sqrt(v.Sum(x => x * x));
        for (var k = 0; k < v.Length; k++)
        {
            v[k] = norm == 0 ? 0 : v[k] / norm * length;
        }

        _directions[cacheKey] = v;
        return v;
    }

    /// <summary>A UUID-formatted (version 8, RFC 9562) id derived from the run key and the event's position.</summary>
    private string InferenceId(ulong siteKey, int model, int hour, int index)
    {
        var a = StableHash.Combine(_runKey, siteKey, (ulong)model, (ulong)hour, (ulong)index);
        var b = StableHash.Combine(a, 0x5BD1E995UL);
        a = (a & ~0xF000UL) | 0x8000UL;
        b = (b & 0x3FFFFFFFFFFFFFFFUL) | 0x8000000000000000UL;
        var hex = $"{a:x16}{b:x16}";
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
