using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Monitoring.DriftDetector.Tests.Golden;

/// <summary>
/// The stored golden findings (golden/*.json, produced by an earlier process) equal what a fresh process computes now.
/// Regenerate after a deliberate change of detection: <c>MONITORING_GOLDEN_WRITE=1 dotnet test tests/DriftDetector.Tests
/// --filter FullyQualifiedName~GoldenReplayTests</c> (see docs/quality.md), and review the diff.
/// </summary>
public sealed class GoldenReplayTests
{
    /// <summary>Numbers may differ by this relative amount across CPUs (vectorized maths); ids and sizes must match exactly.</summary>
    private const double RelativeTolerance = 1e-9;

    [Theory]
    [InlineData("seeded-stream")]
    [InlineData("policy-change")]
    public async Task GivenASeededStream_WhenReplayedInAFreshProcess_ThenIdsStatisticsAndPValuesEqualTheStoredGolden(string scenario)
    {
        var actual = await RunInChildProcessAsync(scenario);

        if (Environment.GetEnvironmentVariable("MONITORING_GOLDEN_WRITE") == "1")
        {
            await File.WriteAllTextAsync(Path.Combine(SourceDirectory(), "golden", scenario + ".json"), actual + "\n");
            return;
        }

        var expected = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Golden", "golden", scenario + ".json"))).RootElement;
        var rows = JsonDocument.Parse(actual).RootElement;
        Assert.True(expected.GetArrayLength() > 0, "the golden file holds findings");
        if (scenario == "policy-change")
        {
            Assert.Contains(expected.EnumerateArray(), r => r.GetProperty("policyVersion").GetInt32() == 2);
            Assert.Contains(expected.EnumerateArray(), r => r.GetProperty("policyVersion").GetInt32() == 1);
        }

        Assert.True(expected.GetArrayLength() == rows.GetArrayLength(),
            $"{scenario}: {rows.GetArrayLength()} finding events, the golden file has {expected.GetArrayLength()}");
        for (var i = 0; i < rows.GetArrayLength(); i++)
        {
            foreach (var field in expected[i].EnumerateObject())
            {
                var a = rows[i].GetProperty(field.Name);
                var e = field.Value;
                var same = e.ValueKind == JsonValueKind.Number && a.ValueKind == JsonValueKind.Number
                    ? Math.Abs(e.GetDouble() - a.GetDouble()) <= RelativeTolerance * Math.Max(Math.Abs(e.GetDouble()), 1e-300)
                    : e.GetRawText() == a.GetRawText();
                Assert.True(same, $"{scenario} event {i} ({expected[i].GetProperty("type")} {expected[i].GetProperty("id")}): {field.Name} is {a.GetRawText()}, golden {e.GetRawText()}");
            }
        }
    }

    private static async Task<string> RunInChildProcessAsync(string scenario)
    {
        var dll = typeof(GoldenReplayProgram).Assembly.Location;
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(dotnet, ["exec", dll, "golden", scenario])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await child.WaitForExitAsync(timeout.Token);
        Assert.True(child.ExitCode == 0, $"golden replay of {scenario} exited {child.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
