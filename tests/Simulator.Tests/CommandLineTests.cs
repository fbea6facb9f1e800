using System.Text.Json;
using Monitoring.Simulator.Cli;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

public class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SimulatorApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task GivenList_WhenRun_ThenEveryScenarioIsPrinted()
    {
        var (code, output, _) = await Run("--list");
        Assert.Equal(0, code);
        foreach (var name in new[] { "null", "firmware-update", "new-site", "paediatric-mix", "lateral-views", "subgroup-decay", "prevalence-shift", "gradual-drift" })
        {
            Assert.Contains(name, output);
        }
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--days", "--days needs a value")]
    [InlineData("--days x", "--days: 'x' is not an integer")]
    [InlineData("--sink carrier-pigeon", "--sink")]
    [InlineData("--subgroup sex", "--subgroup")]
    [InlineData("--subgroup height=tall", "height")]
    [InlineData("--scenario nope", "Unknown scenario 'nope'")]
    [InlineData("--scenario firmware-update --target-site site-z", "site-z")]
    [InlineData("--url ftp://x", "--url")]
    [InlineData("--change-day 70", "--change-day")]
    [InlineData("--rate 0", "--rate")]
    public async Task GivenBadArguments_WhenRun_ThenExitCode2AndTheErrorNamesTheOption(string args, string expected)
    {
        var (code, _, error) = await Run(args.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task GivenPlan_WhenRun_ThenTheManifestListsTheChangeAndItsExpectedFindings()
    {
        var (code, output, _) = await Run("--plan", "--scenario", "firmware-update", "--change-day", "20", "--seed", "9");
        Assert.Equal(0, code);
        using var manifest = JsonDocument.Parse(output);
        var change = manifest.RootElement.GetProperty("changes")[0];
        Assert.Equal("acquisition-shift", change.GetProperty("type").GetString());
        Assert.Equal("site-b", change.GetProperty("site").GetString());
        Assert.Equal("2025-01-26T00:00:00+00:00", change.GetProperty("start").GetString());
        Assert.Contains(change.GetProperty("expected").EnumerateArray(), x => x.GetProperty("signal").GetString() == "feature:meanIntensity");
        Assert.False(manifest.RootElement.TryGetProperty("realised", out _));
    }

    [Fact]
    public async Task GivenFileSinkAndManifest_WhenRun_ThenFilesAndRealisedCountsAgree()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sim-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var manifestPath = Path.Combine(directory, "manifest.json");
            var (code, output, error) = await Run("--scenario", "lateral-views", "--days", "4", "--change-day", "2", "--volume", "0.3",
                "--sink", "file", "--out", directory, "--manifest", manifestPath, "--quiet");
            Assert.True(code == 0, error);
            Assert.Contains("change 'lateral-views'", output);
            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
            var realised = manifest.RootElement.GetProperty("realised");
            var lines = File.ReadLines(Path.Combine(directory, FileSink.InferencesFile)).Count();
            Assert.Equal(realised.GetProperty("inferences").GetInt64(), lines);
            Assert.Equal(realised.GetProperty("groundTruth").GetInt64(), File.ReadLines(Path.Combine(directory, FileSink.GroundTruthFile)).Count());
            var affected = realised.GetProperty("changes").GetProperty("lateral-views");
            Assert.True(affected.GetProperty("affectedInferences").GetInt64() > 0);
            var firstId = affected.GetProperty("firstAffectedInferenceId").GetString()!;
            var firstLine = File.ReadLines(Path.Combine(directory, FileSink.InferencesFile)).Single(l => l.Contains(firstId));
            Assert.True(DateTimeOffset.Parse(JsonDocument.Parse(firstLine).RootElement.GetProperty("occurredAt").GetString()!) >= DateTimeOffset.Parse("2025-01-08T00:00:00Z"));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task GivenUnreachableIngest_WhenRun_ThenExitCode1WithAMessage()
    {
        // Port 9 (discard) on loopback: connection refused; the sink retries, so keep retries bounded by a tiny run.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await SimulatorApp.RunAsync(["--days", "1", "--volume", "0.05", "--sink", "amqp", "--amqp-uri", "amqp://guest:guest@127.0.0.1:1/none", "--quiet"], stdout, stderr, cancel.Token);
        Assert.Equal(1, code);
        Assert.Contains("error:", stderr.ToString());
    }
}
