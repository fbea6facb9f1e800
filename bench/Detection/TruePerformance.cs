using Monitoring.Simulator.Generation;

namespace Monitoring.Detection;

/// <summary>
/// The model's true sensitivity and specificity per monitored subgroup and label on null traffic (every inference, labelled or
/// not, from the simulator's truth): what "floors a few points under the true performance of every monitored subgroup" of the
/// new-user policy is measured against. Thread-safe (null runs go in parallel).
/// </summary>
internal sealed class TruePerformance(IReadOnlyList<string> attributes, IReadOnlyList<string[]> intersections, int minimumPerCell = 500)
{
    private readonly Dictionary<(string Scope, string Label), long[]> counts = [];

    public void Add(InferenceEvent e, ModelSpec model)
    {
        var scopes = new List<string>();
        foreach (var a in attributes)
        {
            if (Finding.Attribute(e.Message, a) is { } v) scopes.Add($"{a}={v}");
        }

        foreach (var group in intersections)
        {
            var values = group.Select(a => Finding.Attribute(e.Message, a)).ToArray();
            if (values.All(v => v is not null)) scopes.Add(string.Join("&", group.Select((a, i) => $"{a}={values[i]}")));
        }

        lock (counts)
        {
            for (var j = 0; j < model.Labels.Count; j++)
            {
                var predicted = e.Message.Prediction.Scores[model.Labels[j].Name] >= e.Message.Prediction.Threshold;
                var cell = (e.Truth.Positive[j] ? 0 : 2) + (predicted ? 0 : 1);   // TP, FN, FP, TN
                foreach (var s in scopes)
                {
                    if (!counts.TryGetValue((s, model.Labels[j].Name), out var c)) counts[(s, model.Labels[j].Name)] = c = new long[4];
                    c[cell]++;
                }
            }
        }
    }

    /// <summary>Lowest sensitivity and specificity over subgroups × labels with enough positives / negatives, and where.</summary>
    public (double Value, string Where, long N) Lowest(bool sensitivity) => counts
        .Select(kv => sensitivity
            ? (N: kv.Value[0] + kv.Value[1], Value: (double)kv.Value[0] / Math.Max(1, kv.Value[0] + kv.Value[1]), kv.Key)
            : (N: kv.Value[2] + kv.Value[3], Value: (double)kv.Value[3] / Math.Max(1, kv.Value[2] + kv.Value[3]), kv.Key))
        .Where(x => x.N >= minimumPerCell)
        .OrderBy(x => x.Value)
        .Select(x => (Math.Round(x.Value, 3), $"{x.Key.Label} @ {x.Key.Scope}", x.N))
        .FirstOrDefault();
}
