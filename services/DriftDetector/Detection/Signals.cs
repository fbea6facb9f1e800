using System.Globalization;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Policies;

namespace Monitoring.DriftDetector.Detection;

/// <summary>Whether a signal is compared as a continuous sample or as category counts.</summary>
internal enum SignalType { Numeric, Categorical }

/// <summary>Where a signal's value comes from in an inference.</summary>
internal enum SignalSource { Feature, Study, Score, PredictedPositive, Latency }

/// <summary>A monitored signal compiled from the policy; <see cref="Slot"/> indexes the per-scope accumulators of its type.</summary>
internal sealed record SignalDef(string Name, SignalType Type, SignalSource Source, string Key, string Method, int Slot);

/// <summary>The policy compiled into signal and subgroup tables (rebuilt from the policy, never stored).</summary>
internal sealed class CompiledPolicy
{
    public CompiledPolicy(MonitoringPolicy policy, int version)
    {
        Policy = policy;
        Version = version;
        var numeric = new List<SignalDef>();
        var categorical = new List<SignalDef>();
        string Method(string name, string fallback) => policy.Methods.TryGetValue(name, out var m) ? m : fallback;
        foreach (var f in policy.Signals.Features)
            numeric.Add(new SignalDef("feature:" + f, SignalType.Numeric, SignalSource.Feature, f, Method("feature:" + f, "ks"), numeric.Count));
        var scoreLabels = policy.Signals.Scores.Concat(policy.Performance.Labels).Distinct(StringComparer.Ordinal).ToList();
        foreach (var s in scoreLabels)
            numeric.Add(new SignalDef("score:" + s, SignalType.Numeric, SignalSource.Score, s, Method("score:" + s, "ks"), numeric.Count));
        if (policy.Signals.Latency)
            numeric.Add(new SignalDef("latency", SignalType.Numeric, SignalSource.Latency, "", Method("latency", "ks"), numeric.Count));
        foreach (var f in policy.Signals.Study)
            categorical.Add(new SignalDef("study:" + f, SignalType.Categorical, SignalSource.Study, f, Method("study:" + f, "chi2"), categorical.Count));
        if (policy.Signals.PredictedPositiveRate)
        {
            foreach (var s in scoreLabels)
                categorical.Add(new SignalDef("rate:predicted-positive:" + s, SignalType.Categorical, SignalSource.PredictedPositive, s, "chi2", categorical.Count));
        }

        Numeric = numeric;
        Categorical = categorical;
        Labels = policy.Performance.Labels;
        Groups = policy.Subgroups.Attributes.Select(a => new[] { a })
            .Concat(policy.Subgroups.Intersections.Select(i => i.ToArray()))
            .Select(g => new SubgroupGroup(string.Join('&', g), g))
            .ToList();
        ScoreIndexByLabel = numeric.Where(n => n.Source == SignalSource.Score).ToDictionary(n => n.Key, n => n.Slot, StringComparer.Ordinal);
        Sequential = policy.Sequential.Signals.Select(s => numeric.First(n => n.Name == s)).ToList();
    }

    public MonitoringPolicy Policy { get; }
    public int Version { get; }
    public IReadOnlyList<SignalDef> Numeric { get; }
    public IReadOnlyList<SignalDef> Categorical { get; }
    public IReadOnlyList<string> Labels { get; }
    public IReadOnlyList<SubgroupGroup> Groups { get; }
    public IReadOnlyDictionary<string, int> ScoreIndexByLabel { get; }
    public IReadOnlyList<SignalDef> Sequential { get; }

    /// <summary>The layout of the accumulators: when it changes between policy versions the state cannot be carried over.</summary>
    public static string Layout(MonitoringPolicy p) => PolicyLoader.Canonical(System.Text.Json.JsonSerializer.SerializeToNode(
        new { p.Reference, p.Window, p.Signals, p.Subgroups, p.Performance.Labels, p.Performance.MaxPairs, p.Sequential }, PolicyLoader.Json)!);

    public Severity SeverityFor(FindingKind kind, Severity fallback)
    {
        var name = kind switch
        {
            FindingKind.DistributionShift => "distribution-shift",
            FindingKind.PerformanceDecay => "performance-decay",
            FindingKind.EstimatedPerformanceDecay => "estimated-performance-decay",
            FindingKind.FairnessGap => "fairness-gap",
            _ => "abrupt-change",
        };
        return Policy.Severity.TryGetValue(name, out var s)
            ? s switch { "info" => Severity.Info, "warning" => Severity.Warning, "error" => Severity.Error, _ => Severity.Critical }
            : fallback;
    }

    public double MinEffect(string method) => Policy.Thresholds.MinEffect.TryGetValue(method, out var v) ? v : method switch
    {
        "ks" => 0.05,
        "chi2" or "g-test" or "tv" => 0.03,
        "psi" => 0.1,
        "rate" => 0.02,
        _ => 0,
    };
}

/// <summary>One subgroup attribute or declared intersection, e.g. <c>sex</c> or <c>sex&amp;ageBand</c>.</summary>
internal sealed record SubgroupGroup(string Name, string[] Attributes);

/// <summary>Reads signal values and subgroup attributes out of an inference.</summary>
internal static class Extract
{
    public static string? Attribute(InferenceRecorded e, string attribute) => attribute switch
    {
        "site" => e.Site,
        "sex" => e.Patient.Sex,
        "ageBand" => e.Patient.AgeBand ?? AgeBandFromDicom(e.Patient.Age),
        "ethnicity" => e.Patient.Ethnicity,
        "manufacturer" => e.Study.Manufacturer,
        "modality" => e.Study.Modality,
        "viewPosition" => e.Study.ViewPosition,
        _ => null,
    };

    public static string? Study(InferenceRecorded e, string field) => field switch
    {
        "modality" => e.Study.Modality,
        "bodyPartExamined" => e.Study.BodyPartExamined,
        "manufacturer" => e.Study.Manufacturer,
        "manufacturerModelName" => e.Study.ManufacturerModelName,
        "viewPosition" => e.Study.ViewPosition,
        "protocol" => e.Study.Protocol,
        _ => null,
    };

    /// <summary>Value of a numeric signal, or null when the inference does not carry it (or it is not finite).</summary>
    public static double? Numeric(InferenceRecorded e, SignalDef s)
    {
        double v;
        switch (s.Source)
        {
            case SignalSource.Feature when e.Features.TryGetValue(s.Key, out v):
            case SignalSource.Score when e.Prediction.Scores.TryGetValue(s.Key, out v):
                return double.IsFinite(v) ? v : null;
            case SignalSource.Latency:
                return double.IsFinite(e.LatencyMs) ? e.LatencyMs : null;
            default:
                return null;
        }
    }

    public static string? Categorical(InferenceRecorded e, SignalDef s) => s.Source switch
    {
        SignalSource.Study => Study(e, s.Key),
        SignalSource.PredictedPositive => e.Prediction.Scores.TryGetValue(s.Key, out var v) ? (v >= e.Prediction.Threshold ? "positive" : "negative") : null,
        _ => null,
    };

    /// <summary>DICOM age string (<c>043Y</c>, <c>006M</c>) to the bands 0-17, 18-39, 40-64, 65+.</summary>
    public static string? AgeBandFromDicom(string? age)
    {
        if (age is not { Length: 4 } || !int.TryParse(age.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var years = age[3] switch { 'Y' => n, 'M' => n / 12, 'W' => n / 52, 'D' => n / 365, _ => -1 };
        return years switch { < 0 => null, < 18 => "0-17", < 40 => "18-39", < 65 => "40-64", _ => "65+" };
    }

    public static string Escape(string value) => value.Replace("%", "%25").Replace("&", "%26").Replace("=", "%3D");
}
