using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Scenarios;

namespace Monitoring.Simulator.Tests;

/// <summary>A generated timeline held in memory, split by kind.</summary>
internal sealed class Sample
{
    public required TrafficGenerator Generator { get; init; }
    public required List<InferenceEvent> Inferences { get; init; }
    public required List<GroundTruthEvent> Truths { get; init; }
    public required List<ReaderFeedbackEvent> Feedback { get; init; }
    public required List<SimulatedEvent> All { get; init; }

    public DateTimeOffset ChangeStart => Generator.Scenario.Changes[0].Start;
    public DateTimeOffset FullEffectAt => Generator.Scenario.Changes[0].FullEffectAt;

    public static Sample Generate(SimulationSettings settings)
    {
        var generator = new TrafficGenerator(settings);
        var all = generator.Generate().ToList();
        return new Sample
        {
            Generator = generator,
            All = all,
            Inferences = all.OfType<InferenceEvent>().ToList(),
            Truths = all.OfType<GroundTruthEvent>().ToList(),
            Feedback = all.OfType<ReaderFeedbackEvent>().ToList(),
        };
    }

    /// <summary>Chest X-ray only, no embedding: enough volume for statistics, quick to generate.</summary>
    public static SimulationSettings Cxr(string scenario = "null", int days = 28, double changeDay = 10, ScenarioParameters? parameters = null, double volume = 1) => new()
    {
        Seed = 7,
        Days = days,
        Models = ["cxr-triage"],
        EmbeddingDimensions = 0,
        Volume = volume,
        Scenario = scenario,
        ScenarioParameters = (parameters ?? new ScenarioParameters()) with { ChangeStart = SimulationSettings.DefaultStart + TimeSpan.FromDays(changeDay) },
    };
}

/// <summary>Reference statistics computed directly in the tests.</summary>
internal static class Stats
{
    /// <summary>
    /// AUROC by the rank (Mann–Whitney) formula: (R₊ − n₊(n₊+1)/2) / (n₊ n₋), R₊ the sum of the positives'
    /// mid-ranks among all scores.
    /// </summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var mid = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = mid;
            }

            i = j + 1;
        }

        double positives = labels.Count(l => l), negatives = labels.Count - positives;
        var rankSum = Enumerable.Range(0, labels.Count).Where(i => labels[i]).Sum(i => ranks[i]);
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Hanley–McNeil (1982) standard error of an AUROC.</summary>
    public static double AurocStandardError(double auc, int positives, int negatives)
    {
        var q1 = auc / (2 - auc);
        var q2 = 2 * auc * auc / (1 + auc);
        return Math.Sqrt((auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * (double)negatives));
    }
}
