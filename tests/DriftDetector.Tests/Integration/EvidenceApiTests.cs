using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Storage;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// The evidence endpoint the safety officer's console draws from (<c>/v1/evidence/findings/{id}</c>) against the real
/// PostgreSQL: found, not found, refused without a reader's credential, and small cells (k = 11 from the shipped
/// appsettings.json) withheld at the boundary in each of its three parts (signal over time, reference vs current
/// distribution, per-subgroup performance). Views, finding streams and snapshots are written straight into the detector's
/// store, so each cell has exactly the size it names; the snapshots use the layout the endpoint documents.
/// </summary>
public sealed class EvidenceApiTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    private const string Deployment = "evidence@1";
    private const string Shown = "evidence-shown";
    private const string SmallCurrent = "evidence-small-current";
    private const string Performance = "performance:sensitivity:pneumothorax";
    private static readonly WindowBounds Window = new(1, 1000, DateTimeOffset.Parse("2026-01-05T00:00:00Z"), DateTimeOffset.Parse("2026-01-12T00:00:00Z"));

    [Fact]
    public async Task GivenAFinding_WhenItsEvidenceIsRead_ThenSeriesDistributionAndSubgroupPerformanceAreReturned_WithCellsBelowElevenWithheld()
    {
        await using var host = await StartSeededAsync();

        var body = await host.GetAsync<JsonElement>($"/v1/evidence/findings/{Shown}");

        // The fields the AlertRouter's console reads (its EvidenceClient DTOs): a rename here breaks the console's charts.
        Assert.Equal(["deployment", "detectedAt", "distribution", "findingId", "method", "performance", "policyVersion", "scope", "series", "signal", "smallCellThreshold"], Names(body));
        Assert.Equal(["at", "currentSize", "lower", "statistic", "suppressed", "threshold", "upper"], Names(body.GetProperty("series")[0]));
        Assert.Equal(["current", "currentSize", "reference", "referenceSize", "scope", "signal", "suppressed"], Names(body.GetProperty("distribution")));
        Assert.Equal(["lower", "share", "upper"], Names(body.GetProperty("distribution").GetProperty("current")[0]));
        Assert.Equal(["rows", "signal"], Names(body.GetProperty("performance")[0]));
        Assert.Equal(["currentSize", "floor", "lower", "scope", "site", "state", "subgroup", "suppressed", "upper", "value"], Names(body.GetProperty("performance")[0].GetProperty("rows")[0]));

        Assert.Equal(Shown, body.GetProperty("findingId").GetString());
        Assert.Equal(Deployment, body.GetProperty("deployment").GetString());
        Assert.Equal("feature:meanIntensity", body.GetProperty("signal").GetString());
        Assert.Equal(11, body.GetProperty("smallCellThreshold").GetInt32());
        Assert.Equal(3, body.GetProperty("policyVersion").GetInt32());

        // Signal over time: one point per stored evidence, in order; the point of a window of 10 keeps only its threshold.
        var series = body.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(3, series.Count);
        foreach (var (point, n) in series.Zip(new[] { 10L, 11, 12 }))
        {
            var hidden = n < 11;
            Assert.Equal(hidden, point.GetProperty("suppressed").GetBoolean());
            Assert.Equal(0.05, point.GetProperty("threshold").GetDouble());
            foreach (var field in new[] { "statistic", "lower", "upper", "currentSize" })
            {
                Assert.True(hidden == (point.GetProperty(field).ValueKind == JsonValueKind.Null), $"n={n}: {field} withheld only below k");
            }

            if (!hidden)
            {
                Assert.Equal(n, point.GetProperty("currentSize").GetInt64());
                Assert.Equal(0.3, point.GetProperty("statistic").GetDouble());
            }
        }

        // Distribution: 30 current values, 15 of them in one bin; every other bin holds one value and must read as empty.
        var distribution = body.GetProperty("distribution");
        Assert.False(distribution.GetProperty("suppressed").GetBoolean());
        Assert.Equal(500, distribution.GetProperty("referenceSize").GetInt64());
        Assert.Equal(30, distribution.GetProperty("currentSize").GetInt64());
        var current = distribution.GetProperty("current").EnumerateArray().Select(b => b.GetProperty("share").GetDouble()).ToList();
        Assert.Equal(20, current.Count);
        Assert.Single(current, s => s > 0);
        Assert.Equal(0.5, current.Sum(), 9);
        var reference = distribution.GetProperty("reference").EnumerateArray().Select(b => b.GetProperty("share").GetDouble()).ToList();
        Assert.All(reference, s => Assert.True(s == 0 || s * 500 >= 11, $"a reference bin of {s * 500:0} values must read as empty"));
        Assert.True(reference.Sum() > 0.9, "the well-filled reference bins are shown");

        // Per-subgroup performance: only the performance rows; a cell of 10 shows its floor and nothing else.
        var performance = Assert.Single(body.GetProperty("performance").EnumerateArray());
        Assert.Equal(Performance, performance.GetProperty("signal").GetString());
        var rows = performance.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("scope").GetString()!);
        Assert.Equal(["cell=current-10", "cell=current-11", "cell=current-12"], rows.Keys.Order());
        foreach (var n in new[] { 10, 11, 12 })
        {
            var row = rows[$"cell=current-{n}"];
            var hidden = n < 11;
            Assert.Equal(hidden, row.GetProperty("suppressed").GetBoolean());
            Assert.Equal(hidden ? "suppressed" : "degraded", row.GetProperty("state").GetString());
            Assert.Equal(0.8, row.GetProperty("floor").GetDouble());
            foreach (var field in new[] { "value", "lower", "upper", "currentSize" })
            {
                Assert.True(hidden == (row.GetProperty(field).ValueKind == JsonValueKind.Null), $"n={n}: {field} withheld only below k");
            }
        }
    }

    [Fact]
    public async Task GivenAFindingWhoseCurrentSampleIsTen_WhenItsEvidenceIsRead_ThenTheDistributionIsWithheldWhole()
    {
        await using var host = await StartSeededAsync();

        var distribution = (await host.GetAsync<JsonElement>($"/v1/evidence/findings/{SmallCurrent}")).GetProperty("distribution");

        Assert.True(distribution.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, distribution.GetProperty("referenceSize").ValueKind);
        Assert.Equal(JsonValueKind.Null, distribution.GetProperty("currentSize").ValueKind);
        Assert.Empty(distribution.GetProperty("current").EnumerateArray());
        Assert.Empty(distribution.GetProperty("reference").EnumerateArray());
    }

    [Fact]
    public async Task GivenAnUnknownFinding_ThenNotFoundWithProblemDetailsNamingTheId()
    {
        await using var host = await StartSeededAsync();
        using var client = host.Client(DriftEnvironment.ReaderKey);

        using var response = await client.GetAsync("/v1/evidence/findings/no-such-finding");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("no-such-finding", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("id", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("not-a-key", HttpStatusCode.Unauthorized)]
    [InlineData(DriftEnvironment.ProducerKey, HttpStatusCode.Forbidden)] // a producer sends events; it does not read evidence
    public async Task GivenNoReadersCredential_ThenTheEvidenceIsRefused(string? key, HttpStatusCode expected)
    {
        await using var host = await StartSeededAsync();
        using var client = host.Client(key);

        using var response = await client.GetAsync($"/v1/evidence/findings/{Shown}");

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain("meanIntensity", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string[] Names(JsonElement o) => [.. o.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private async Task<DriftHost> StartSeededAsync()
    {
        var host = env.StartHost(new Dictionary<string, string?> { ["DriftDetector:AutoStart"] = "false" });
        var store = host.Services.GetRequiredService<DriftStore>().Store;
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<FindingView>(Shown) is not null)
        {
            return host; // seeded by an earlier test of this class (same schema)
        }

        var model = new ModelRef("evidence", "1");
        var rows = new List<StatusRow>
        {
            // A distribution row of the same deployment: not a performance row, so not in the performance part.
            new("site=A", "A", new Dictionary<string, string>(), "feature:meanIntensity", "ks", FindingKind.DistributionShift, "detected",
                0.3, 0.001, 0.002, 0.3, null, 0.05, 500, 30, Window, Shown),
        };
        foreach (var n in new[] { 10, 11, 12 })
        {
            rows.Add(new StatusRow($"cell=current-{n}", null, new Dictionary<string, string> { ["cell"] = $"current-{n}" }, Performance, "wilson",
                FindingKind.PerformanceDecay, "degraded", 0.7, null, null, null, new Interval(0.6, 0.78, 0.95), 0.8, 400, n, Window, null));
        }

        session.Store(new DeploymentStatusView
        {
            Id = Deployment, Model = model, PolicyVersion = 3, ReferenceId = "ref-1", ReferenceComplete = true,
            Inferences = 2000, ClosedWindows = 3, LastSequence = 1003, Rows = rows,
        });
        Seed(session, Shown, "site=A", model, [10, 11, 12]);
        Seed(session, SmallCurrent, "site=B", model, [40]);

        // Reservoirs of feature:meanIntensity (slot 0) per scope: site=A 500 reference and 30 current values (15 of them
        // equal), site=B 500 reference and only 10 current values.
        var rng = new Random(7);
        double[] Spread(int n) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 10).ToArray();
        var layout = JsonSerializer.Serialize(new { Signals = new { Features = new[] { "meanIntensity", "noiseLevel" }, Scores = Array.Empty<string>(), Latency = false }, Labels = Array.Empty<string>() });
        object Scope(double[] values) => new { Numeric = new object[] { new { Values = values }, new { Values = Array.Empty<double>() } } };
        var shownCurrent = Enumerable.Repeat(5.05, 15).Concat(Enumerable.Range(0, 15).Select(i => i < 8 ? i * 0.6 : 5.6 + (i - 8) * 0.6)).ToArray();
        var drift = host.Services.GetRequiredService<DriftStore>();
        SnapshotRows.Queue(session, drift.Schema, SnapshotRows.Deployment, Deployment,
            JsonSerializer.SerializeToUtf8Bytes(new { Layout = layout, ScopeKeys = new[] { "", "site=A", "site=B" }, Current = new { Scopes = new[] { Scope([]), Scope(shownCurrent), Scope(Spread(10)) } } }));
        SnapshotRows.Queue(session, drift.Schema, SnapshotRows.Reference, Deployment,
            JsonSerializer.SerializeToUtf8Bytes(new { Scopes = new[] { Scope([]), Scope(Spread(500)), Scope(Spread(500)) } }));
        await session.SaveChangesAsync();
        return host;
    }

    /// <summary>A finding view and its stream, one evidence per current-window size in <paramref name="sizes"/>.</summary>
    private static void Seed(Marten.IDocumentSession session, string id, string scope, ModelRef model, int[] sizes)
    {
        var evidence = sizes.Select(n => new FindingEvidence
        {
            Signal = "feature:meanIntensity", Method = "ks", Statistic = 0.3, PValue = 0.001, AdjustedPValue = 0.002, EffectSize = 0.3,
            Interval = new Interval(0.1, 0.5, 0.95), Threshold = 0.05, Window = Window, ReferenceSize = 500, CurrentSize = n,
            ReferenceId = "ref-1", PolicyVersion = 3,
        }).ToList();
        session.Store(new FindingView
        {
            Id = id, Deployment = Deployment, Status = "open", Kind = FindingKind.DistributionShift, Severity = Severity.Warning, Model = model,
            Scope = scope, Subgroup = new Dictionary<string, string>(), Summary = "seeded", Evidence = evidence[^1], Occurrences = sizes.Length,
            DetectedAt = Window.LastEventTime,
        });
        var events = new List<object>
        {
            new FindingOpened(id, Deployment, FindingKind.DistributionShift, Severity.Warning, model, scope[5..], new Dictionary<string, string>(), scope,
                "seeded", evidence[0], Window.LastEventTime, 1000),
        };
        events.AddRange(evidence.Skip(1).Select((e, i) => (object)new FindingUpdated(id, Severity.Warning, e, i + 2, Window.LastEventTime, 1001 + i)));
        session.Events.StartStream(Stores.FindingStream(id), events.ToArray());
    }
}
