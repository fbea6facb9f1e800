using System.Text;
using System.Text.Json;
using Monitoring.DriftDetector.Detection;
using Monitoring.DriftDetector.Subscription;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// Every evaluator of the detector (window tests, CBPE, matured performance with floors, AUROC and fairness, label prevalence,
/// the sequential detectors and the subgroup monitors) on seeded streams of 2,400 inferences under a small policy, compared
/// with a stored snapshot of everything it emitted and its final status table. A regression pin, not a correctness oracle:
/// the statistics are checked against scipy in Statistics.Tests and the detection behaviour by the long-stream tests here;
/// this one replays in milliseconds, so it runs once per mutant in the mutation filter and tells any change of output.
/// After an intended change of output, regenerate with <c>DRIFT_UPDATE_SNAPSHOTS=1</c> and review the diff.
/// </summary>
public sealed class SmallStreamSnapshotTests
{
    [Theory]
    [InlineData("elderly-sensitivity-drop")]
    [InlineData("site-b-mean-shift-page-hinkley")]
    [InlineData("manufacturer-mix-timed-windows")]
    public void GivenASeededSmallStream_WhenProcessed_ThenEverythingEmittedAndTheStatusTableEqualTheSnapshot(string scenario)
    {
        var (policies, stream) = scenario switch
        {
            "elderly-sensitivity-drop" => (Policy(p => p.Thresholds.ConfirmAfter = 1), new SyntheticStream(7, InjectedChange.SensitivityDropInElderly, 900) { LabelLag = 40 }),
            "site-b-mean-shift-page-hinkley" => (Policy(p =>
            {
                p.Sequential.Method = "page-hinkley";
                p.Thresholds.WindowFindings = true;
                p.Thresholds.ConfirmAfter = 2;
            }), new SyntheticStream(8, InjectedChange.MeanShiftAtSiteB, 900) { LabelLag = 40, ChangeUntil = 1600 }),
            "manufacturer-mix-timed-windows" => (Policy(p =>
            {
                p.Window.Count = 0;
                p.Window.Duration = TimeSpan.FromMinutes(75);
                p.Performance.FairnessTolerance = 0;
                p.Performance.Cbpe = false;
            }), new SyntheticStream(9, InjectedChange.ManufacturerMix, 900) { LabelLag = 40 }),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        var h = new CoreHarness(policies);
        h.Feed(stream.Generate(2_400));

        var text = new StringBuilder();
        text.AppendLine(CoreHarness.Json(h.Emitted));
        foreach (var (key, d) in h.Detector.State.Deployments.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"deployment {key}: {d.Inferences} inferences, {d.ClosedWindows} windows, {d.LabelsTooLate} labels too late");
            foreach (var (statusKey, s) in d.Status.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                text.AppendLine(statusKey + " " + JsonSerializer.Serialize(s, DetectorRunner.StateJson));
            }
        }

        var path = Path.Combine(SourceDirectory(), "Core", "snapshots", scenario + ".txt");
        var actual = text.ToString().ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("DRIFT_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}: run once with DRIFT_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
        // The snapshot must show the evaluators at work, not an empty run: a finding and windows judged each way.
        Assert.Contains("FindingOpened", actual, StringComparison.Ordinal);
        Assert.Contains("\"State\":\"ok\"", actual, StringComparison.Ordinal);
        Assert.Contains("\"State\":\"insufficient-evidence\"", actual, StringComparison.Ordinal);
    }

    private static PolicyHistory Policy(Action<Policies.MonitoringPolicy>? change = null) =>
        CoreHarness.TestPolicy(p =>
        {
            // The subgroup monitors' set-up at freeze costs seconds; they have their own tests (MonitorSemanticsTests, MonitorLifecycleTests).
            p.Sequential.Monitors = false;
            change?.Invoke(p);
        }, "policies/small-stream-policy.yaml");

    private static string SourceDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DriftDetector.Tests.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("DriftDetector.Tests.csproj not found above the test's directory.");
    }
}
