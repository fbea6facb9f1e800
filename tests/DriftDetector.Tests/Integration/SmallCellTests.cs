using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;
using Monitoring.DriftDetector.Telemetry;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// Small-cell suppression (k = 11, from the shipped appsettings.json) on every read path, at the boundary: cells of n = 10,
/// 11 and 12 on the current side and on the reference side. The views and finding streams are written straight into the
/// detector's store (the read path is under test, not the detection), so each cell has exactly the size it names.
/// </summary>
public sealed class SmallCellTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    private const string Deployment = "small-cell@1";

    /// <summary>(cell name, current n, reference n, exposed?) with k = 11; a reference size of 0 means "no reference sample".</summary>
    public static readonly (string Cell, int Current, int Reference, bool Exposed)[] Cells =
    [
        ("current-10", 10, 500, false), ("current-11", 11, 500, true), ("current-12", 12, 500, true),
        ("reference-10", 500, 10, false), ("reference-11", 500, 11, true), ("reference-12", 500, 12, true),
        ("no-reference", 500, 0, true),
    ];

    [Fact]
    public async Task GivenCellsOfTenElevenAndTwelve_WhenTheStateIsRead_ThenOnlyCellsBelowElevenAreSuppressed()
    {
        await using var host = await StartSeededAsync();

        var state = await host.GetAsync<JsonElement>($"/v1/deployments/{Deployment}/state");

        Assert.Equal(11, state.GetProperty("smallCellThreshold").GetInt32());
        var rows = state.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("scope").GetString()!);
        foreach (var (cell, current, reference, exposed) in Cells)
        {
            var row = rows["cell=" + cell];
            Assert.True(exposed != row.GetProperty("suppressed").GetBoolean(), $"{cell}: suppressed must be {!exposed}");
            if (exposed)
            {
                Assert.Equal(current, row.GetProperty("currentSize").GetInt64());
                Assert.Equal(reference, row.GetProperty("referenceSize").GetInt64());
                Assert.Equal(0.001, row.GetProperty("pValue").GetDouble());
            }
            else
            {
                Assert.Equal("suppressed", row.GetProperty("state").GetString());
                foreach (var field in new[] { "currentSize", "referenceSize", "pValue", "statistic", "adjustedPValue", "effectSize", "interval" })
                {
                    Assert.True(row.GetProperty(field).ValueKind == JsonValueKind.Null, $"{cell}: {field} must be withheld");
                }
            }
        }
    }

    [Fact]
    public async Task GivenFindingsOnCellsOfTenElevenAndTwelve_WhenListedAndReadOneByOne_ThenOnlyCellsBelowElevenAreWithheld()
    {
        await using var host = await StartSeededAsync();

        var list = (await host.GetAsync<JsonElement>($"/v1/findings?deployment={Deployment}")).EnumerateArray()
            .ToDictionary(f => f.GetProperty("id").GetString()!);
        foreach (var (cell, current, reference, exposed) in Cells)
        {
            AssertEvidence(cell, "/v1/findings", list[FindingId(cell)].GetProperty("evidence"), current, reference, exposed);
            var detail = await host.GetAsync<JsonElement>($"/v1/findings/{FindingId(cell)}");
            AssertEvidence(cell, "/v1/findings/{id}", detail.GetProperty("finding").GetProperty("evidence"), current, reference, exposed);
            var history = detail.GetProperty("history").EnumerateArray().ToList();
            Assert.Equal(2, history.Count);
            Assert.All(history, h => AssertEvidence(cell, "/v1/findings/{id} history", h.GetProperty("data").GetProperty("evidence"), current, reference, exposed));
        }
    }

    [Fact]
    public async Task GivenSignalsOnCellsOfTenElevenAndTwelve_WhenMetricsAreScraped_ThenOnlyCellsOfElevenOrMoreAreExported()
    {
        await using var host = env.StartHost(new Dictionary<string, string?> { ["DriftDetector:AutoStart"] = "false" });
        var k = host.Services.GetRequiredService<DriftDetectorOptions>().SmallCellThreshold;
        var model = $"small-cell-{Guid.NewGuid():N}@1";
        foreach (var (cell, current, reference, _) in Cells)
        {
            DriftMetrics.PublishSignal(model, "A", new Dictionary<string, string> { ["cell"] = cell }, "feature:meanIntensity", "ks",
                FindingKind.DistributionShift, 0.3, 0.001, 0.002, null, current, reference, k);
        }

        using var client = host.Client(null);
        var metrics = await client.GetStringAsync("/metrics");

        foreach (var (cell, _, _, exposed) in Cells)
        {
            var series = $"drift_signal_p_value{{model=\"{model}\",site=\"A\",subgroup=\"cell={cell}\",signal=\"feature:meanIntensity\",method=\"ks\"}}";
            Assert.True(exposed == metrics.Contains(series, StringComparison.Ordinal), $"{cell}: exported must be {exposed}");
            Assert.True(exposed == metrics.Contains($"subgroup=\"cell={cell}\"", StringComparison.Ordinal), $"{cell}: no series at all when withheld");
        }
    }

    private static void AssertEvidence(string cell, string path, JsonElement evidence, int current, int reference, bool exposed)
    {
        if (exposed)
        {
            Assert.True(current == evidence.GetProperty("currentSize").GetInt32(), $"{cell} on {path}: currentSize shown");
            Assert.True(reference == evidence.GetProperty("referenceSize").GetInt32(), $"{cell} on {path}: referenceSize shown");
            Assert.True(evidence.GetProperty("pValue").ValueKind == JsonValueKind.Number, $"{cell} on {path}: p-value shown");
        }
        else
        {
            Assert.True(0 == evidence.GetProperty("currentSize").GetInt32(), $"{cell} on {path}: currentSize withheld");
            Assert.True(0 == evidence.GetProperty("referenceSize").GetInt32(), $"{cell} on {path}: referenceSize withheld");
            foreach (var field in new[] { "pValue", "adjustedPValue", "effectSize", "interval" })
            {
                Assert.True(evidence.GetProperty(field).ValueKind == JsonValueKind.Null, $"{cell} on {path}: {field} withheld");
            }
        }
    }

    private static string FindingId(string cell) => "small-cell-" + cell;

    private async Task<DriftHost> StartSeededAsync()
    {
        var host = env.StartHost(new Dictionary<string, string?> { ["DriftDetector:AutoStart"] = "false" });
        var store = host.Services.GetRequiredService<DriftStore>().Store;
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<DeploymentStatusView>(Deployment) is not null)
        {
            return host; // seeded by an earlier test of this class (same schema)
        }

        var window = new WindowBounds(1, 1000, DateTimeOffset.Parse("2026-01-05T00:00:00Z"), DateTimeOffset.Parse("2026-01-12T00:00:00Z"));
        var rows = new List<StatusRow>();
        foreach (var (cell, current, reference, _) in Cells)
        {
            var subgroup = new Dictionary<string, string> { ["cell"] = cell };
            rows.Add(new StatusRow("cell=" + cell, null, subgroup, "feature:meanIntensity", "ks", FindingKind.DistributionShift, "detected",
                0.3, 0.001, 0.002, 0.3, new Interval(0.1, 0.5, 0.95), 0.05, reference, current, window, FindingId(cell)));
            var evidence = new FindingEvidence
            {
                Signal = "feature:meanIntensity", Method = "ks", Statistic = 0.3, PValue = 0.001, AdjustedPValue = 0.002, EffectSize = 0.3,
                Interval = new Interval(0.1, 0.5, 0.95), Threshold = 0.05, Window = window, ReferenceSize = reference, CurrentSize = current,
                ReferenceId = "ref-1", PolicyVersion = 1,
            };
            var model = new ModelRef("small-cell", "1");
            session.Store(new FindingView
            {
                Id = FindingId(cell), Deployment = Deployment, Status = "open", Kind = FindingKind.DistributionShift, Severity = Severity.Warning,
                Model = model, Scope = "cell=" + cell, Subgroup = subgroup, Summary = "seeded", Evidence = evidence, Occurrences = 2,
                DetectedAt = window.LastEventTime,
            });
            session.Events.StartStream(Stores.FindingStream(FindingId(cell)),
                new FindingOpened(FindingId(cell), Deployment, FindingKind.DistributionShift, Severity.Warning, model, null, subgroup, "cell=" + cell,
                    "seeded", evidence, window.LastEventTime, 1000),
                new FindingUpdated(FindingId(cell), Severity.Warning, evidence, 2, window.LastEventTime, 1001));
        }

        session.Store(new DeploymentStatusView
        {
            Id = Deployment, Model = new ModelRef("small-cell", "1"), PolicyVersion = 1, ReferenceId = "ref-1", ReferenceComplete = true,
            Inferences = 2000, ClosedWindows = 1, LastSequence = 1001, Rows = rows,
        });
        await session.SaveChangesAsync();
        return host;
    }
}
