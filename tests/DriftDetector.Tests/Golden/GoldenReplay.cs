using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Policies;
using Monitoring.DriftDetector.Tests.Core;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Golden;

/// <summary>
/// Seeded streams replayed through the detector's pure core, reduced to what must never drift between runs, processes or
/// machines: each finding event's id, subgroup, signal, method, statistic, p-values, effect, sizes, policy version and
/// sequence. The stored copies (golden/*.json) were produced by another process; a run that differs is a behaviour change
/// (regenerate deliberately, see docs/quality.md) or lost determinism (a per-process hash, an unordered dictionary walk).
/// </summary>
internal static class GoldenReplay
{
    /// <summary>Scenario name → the finding events it produces.</summary>
    public static readonly IReadOnlyDictionary<string, Func<CoreHarness>> Scenarios = new Dictionary<string, Func<CoreHarness>>(StringComparer.Ordinal)
    {
        // A mean shift at site B and a manufacturer-mix change later: distribution findings opened, updated and resolved.
        ["seeded-stream"] = () => new CoreHarness().Feed(
            new SyntheticStream(41, InjectedChange.MeanShiftAtSiteB, 12_000) { ChangeUntil = 22_000 }.Generate(30_000)),

        // A manufacturer-mix change (inferences 12,000 to 33,000) across a policy version change at sequence 44,000 (windows
        // of 1,500, resolve after 3): version 1's findings open, the new version closes them, and its own evaluation opens
        // findings again when the mix moves back.
        ["policy-change"] = () => new CoreHarness(PolicyChange()).Feed(
            new SyntheticStream(43, InjectedChange.ManufacturerMix, 12_000) { ChangeUntil = 33_000 }.Generate(40_000)),
    };

    public const long PolicyChangeAfterSequence = 44_000; // about inference 22,000 (labels take sequences too)

    private static PolicyHistory PolicyChange()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "policies", "test-policy.yaml");
        var text = File.ReadAllText(path);
        var v1 = PolicyLoader.Load(text, path);
        var v2Text = text.Replace("window:\n  count: 2000", "window:\n  count: 1500", StringComparison.Ordinal)
            .Replace("resolveAfter: 2", "resolveAfter: 3", StringComparison.Ordinal);
        if (v2Text == text || !v2Text.Contains("count: 1500", StringComparison.Ordinal)) throw new InvalidOperationException("the test policy changed shape: adapt PolicyChange()");
        var v2 = PolicyLoader.Load(v2Text, path);
        var key = v1.Policy.Deployment.Key;
        return new PolicyHistory([
            new PolicyVersion(key, 1, 0, v1.Policy, v1.Profile, v1.Hash),
            new PolicyVersion(key, 2, PolicyChangeAfterSequence, v2.Policy, v2.Profile, v2.Hash),
        ]);
    }

    /// <summary>The finding events of <paramref name="scenario"/> as canonical JSON (one object per event, in emission order).</summary>
    public static string Run(string scenario)
    {
        var h = Scenarios[scenario]();
        var rows = new JsonArray();
        foreach (var e in h.Emitted)
        {
            var row = e switch
            {
                FindingOpened o => Row("opened", o.FindingId, o.IngestSequence, o.Evidence, o.Scope),
                FindingUpdated u => Row("updated", u.FindingId, u.IngestSequence, u.Evidence, null),
                FindingResolved r => Row("resolved", r.FindingId, r.IngestSequence, r.Evidence, null),
                _ => null,
            };
            if (row is not null) rows.Add(row);
        }

        return rows.ToJsonString(Json);
    }

    private static JsonObject Row(string type, string id, long sequence, Contracts.FindingEvidence e, string? scope) => new()
    {
        ["type"] = type, ["id"] = id, ["sequence"] = sequence, ["scope"] = scope, ["signal"] = e.Signal, ["method"] = e.Method,
        ["statistic"] = Number(e.Statistic), ["pValue"] = Number(e.PValue), ["adjustedPValue"] = Number(e.AdjustedPValue),
        ["effectSize"] = Number(e.EffectSize), ["currentSize"] = e.CurrentSize, ["referenceSize"] = e.ReferenceSize,
        ["policyVersion"] = e.PolicyVersion,
    };

    // NaN and infinities are not JSON numbers: written as strings, compared as such.
    private static JsonNode? Number(double? v) => v is not { } d ? null : double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
}

/// <summary>
/// Entry point of the test assembly (GenerateProgramFile is off in the project): <c>dotnet Monitoring.DriftDetector.Tests.dll
/// golden &lt;scenario&gt;</c> prints a scenario's finding events, so the comparison runs the detector in a fresh process.
/// </summary>
public static class GoldenReplayProgram
{
    public static int Main(string[] args)
    {
        if (args is not ["golden", var scenario])
        {
            Console.Error.WriteLine("usage: dotnet Monitoring.DriftDetector.Tests.dll golden <" + string.Join('|', GoldenReplay.Scenarios.Keys) + ">");
            return 2;
        }

        Console.Out.Write(GoldenReplay.Run(scenario));
        return 0;
    }
}
