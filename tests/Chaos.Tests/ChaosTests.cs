using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Monitoring.EndToEnd.Latency;
using Npgsql;
using Xunit.Abstractions;

namespace Monitoring.Chaos.Tests;

/// <summary>One fault and how long the stack took to recover from it.</summary>
internal sealed record FaultRecovery(string Fault, double ReadySeconds, IReadOnlyDictionary<string, double> ServiceReadySeconds, double LagZeroSeconds);

/// <summary>
/// The chaos run, once per suite: a private PostgreSQL and RabbitMQ, the three services as processes, a steady producer over
/// HTTP and plain AMQP, a probe deployment whose drifting windows each open exactly one finding, and a webhook receiver; then
/// kill -9 of each service in turn, a PostgreSQL restart, a RabbitMQ restart and dropped client connections.
/// </summary>
public sealed class ChaosFixture : IAsyncLifetime
{
    public const int Window = 200;
    public const int Features = 6;
    private readonly List<IAsyncDisposable> owned = [];

    internal PrivatePostgres Postgres { get; } = new();
    internal PrivateRabbit Rabbit { get; } = new();
    internal ChaosStack Stack { get; private set; } = null!;
    internal Producer Producer { get; private set; } = null!;
    internal Probe Probe { get; private set; } = null!;
    internal WebhookReceiver Webhook { get; } = new();
    internal List<FaultRecovery> Recoveries { get; } = [];
    internal Dictionary<string, double> StopSeconds { get; } = [];
    internal int ProbeWindows { get; private set; }
    internal Exception? Failure { get; private set; }

    public static string Root => Monitoring.TestSupport.Repository.Root;

    public async Task InitializeAsync()
    {
        try
        {
            await RunAsync();
        }
        catch (Exception e)
        {
            Failure = new InvalidOperationException($"{e.Message}\n{Stack?.Tails()}", e);
        }
    }

    internal TimeSpan WallTime { get; private set; }

    private async Task RunAsync()
    {
        var wall = Stopwatch.StartNew();
        owned.Add(Postgres);
        owned.Add(Rabbit);
        await Task.WhenAll(Postgres.StartAsync(), Rabbit.StartAsync());
        await Webhook.StartAsync();
        owned.Add(Webhook);
        var config = Directory.CreateTempSubdirectory("chaos-config-").FullName;
        var policies = Directory.CreateDirectory(Path.Combine(config, "policies")).FullName;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        Stack = new ChaosStack(Root, Postgres, Rabbit, policies, Path.Combine(config, "routing.yaml"));
        owned.Add(Stack);
        Probe = new Probe(Stack.Url("Ingest"), suffix, Window, Features);
        await File.WriteAllTextAsync(Path.Combine(policies, "probe.yaml"), Probe.PolicyYaml());
        await File.WriteAllTextAsync(Path.Combine(config, "routing.yaml"), Webhook.RoutingYaml());
        foreach (var name in ChaosStack.Names) await Stack.StartAsync(name); // Ingest first: it creates the event store

        Producer = new Producer(Stack.Url("Ingest"), Rabbit.Port);
        owned.Add(Producer);
        Producer.Start();
        await Probe.SendReferenceAsync(CancellationToken.None);

        // Each fault right after a drifting probe window: its finding is decided and routed while the fault happens.
        foreach (var name in ChaosStack.Names)
        {
            await FaultAsync($"kill -9 {name}", async () =>
            {
                Stack.Kill(name);
                await Stack.StartAsync(name);
            });
        }

        await FaultAsync("PostgreSQL restart", Postgres.RestartAsync);
        await FaultAsync("RabbitMQ restart", Rabbit.RestartAsync);
        await FaultAsync("client connections dropped (PostgreSQL)", Postgres.DropConnectionsAsync);

        await Producer.StopAsync();
        await ChaosStack.WaitAsync(TimeSpan.FromSeconds(90), "caught up (lag 0)", async () => await Stack.LagAsync() == 0 && await StoredCountAsync() >= Producer.Published.Count);
        // Every probe opens its own finding (one shifted feature each); the detector attributes them to changes and the
        // AlertRouter pages once per change (incident), so notifications are counted per probe model, findings per signal.
        try
        {
            await ChaosStack.WaitAsync(TimeSpan.FromSeconds(120), "a finding for every probe", async () =>
            {
                var findings = await ProbeFindingsAsync();
                return Enumerable.Range(0, ProbeWindows).All(k => findings.Any(f => f.Signal == $"feature:{Probe.FeatureName(k)}"));
            });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{await ProbeDiagnosisAsync()}", e);
        }
        await ChaosStack.WaitAsync(TimeSpan.FromSeconds(90), "the probe's incident notified",
            () => Task.FromResult(Webhook.ModelFiringCount(Probe.Model) > 0));
        ProbeFindings = await ProbeFindingsAsync(); // read before the graceful stop below ends the services

        // Graceful stop last: SIGTERM, and the time each service takes to exit.
        foreach (var name in ChaosStack.Names.Reverse()) StopSeconds[name] = (await Stack.TerminateAsync(name)).TotalSeconds;
        WallTime = wall.Elapsed;
    }

    /// <summary>
    /// What the stores and the detector saw of the probe when its findings are incomplete: probe events stored per window of
    /// <see cref="Window"/> (in stored order), the detector's view of the probe deployment, and the findings it lists.
    /// </summary>
    private async Task<string> ProbeDiagnosisAsync()
    {
        var text = new StringBuilder();
        try
        {
            await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "select seq_id, (data->'Features')::text from ingest.mt_events where stream_id like 'e2e-%' and type = 'inference_recorded' order by seq_id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<(long Seq, string Features)>();
            while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
            text.AppendLine(CultureInfo.InvariantCulture, $"probe inferences stored: {rows.Count} (reference {Window} + {ProbeWindows} windows of {Window})");
            for (var w = 0; w * Window < rows.Count; w++)
            {
                var slice = rows.Skip(w * Window).Take(Window).ToList();
                var means = Enumerable.Range(0, Features).Select(f => slice.Average(r =>
                    JsonDocument.Parse(r.Features).RootElement.GetProperty(Probe.FeatureName(f)).GetDouble()));
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  stored window {w}: seq {slice[0].Seq}..{slice[^1].Seq}, {slice.Count} events, feature means {string.Join(" ", means.Select(m => m.ToString("0.00", CultureInfo.InvariantCulture)))}");
            }
        }
        catch (Exception ex)
        {
            text.AppendLine($"probe events unreadable: {ex.Message}");
        }

        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            client.DefaultRequestHeaders.Add("X-Api-Key", "dev-admin-key");
            var deployments = await client.GetStringAsync($"{Stack.Url("DriftDetector")}/v1/deployments");
            using var doc = JsonDocument.Parse(deployments);
            foreach (var d in doc.RootElement.EnumerateArray().Where(d => d.GetProperty("deployment").GetString()!.StartsWith(Probe.Model, StringComparison.Ordinal)))
            {
                text.AppendLine($"detector deployment: {d}");
                using var findings = JsonDocument.Parse(await client.GetStringAsync(
                    $"{Stack.Url("DriftDetector")}/v1/findings?deployment={Uri.EscapeDataString(d.GetProperty("deployment").GetString()!)}"));
                foreach (var f in findings.RootElement.EnumerateArray())
                {
                    var e = f.GetProperty("evidence");
                    var w = e.GetProperty("window");
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"  {f.GetProperty("id")} {f.GetProperty("status")} {e.GetProperty("signal")} {e.GetProperty("method")} seq {w.GetProperty("firstSequence")}..{w.GetProperty("lastSequence")} n {e.GetProperty("currentSize")} stat {e.GetProperty("statistic")} h {e.GetProperty("threshold")} detected {f.GetProperty("detectedAt")} resolved {(f.TryGetProperty("resolvedAt", out var r) ? r.ToString() : "-")}");
                }
            }
        }
        catch (Exception ex)
        {
            text.AppendLine($"detector API unreadable: {ex.Message}");
        }

        return text.ToString();
    }

    /// <summary>The probe deployment's findings after the run, read from the detector's API before the services stop.</summary>
    internal List<(string Id, string Signal)> ProbeFindings { get; private set; } = [];

    /// <summary>The probe deployment's findings as the detector's API lists them: id and signal.</summary>
    internal async Task<List<(string Id, string Signal)>> ProbeFindingsAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-admin-key");
        try
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"{Stack.Url("DriftDetector")}/v1/findings"));
            return doc.RootElement.EnumerateArray()
                .Where(f => f.TryGetProperty("deployment", out var d) && (d.GetString() ?? "").StartsWith($"{Probe.Model}@", StringComparison.Ordinal))
                .Select(f => (f.GetProperty("id").GetString()!, f.TryGetProperty("evidence", out var e) && e.ValueKind == JsonValueKind.Object ? e.GetProperty("signal").GetString() ?? "" : ""))
                .ToList();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    private async Task FaultAsync(string fault, Func<Task> inflict)
    {
        await Probe.SendDriftingWindowAsync(ProbeWindows++, CancellationToken.None);
        await inflict(); // a killed service is started again (and waited for) inside
        var clock = Stopwatch.StartNew();
        var ready = new Dictionary<string, double>();
        await ChaosStack.WaitAsync(TimeSpan.FromSeconds(120), $"every service ready after {fault}", async () =>
        {
            foreach (var name in ChaosStack.Names.Where(n => !ready.ContainsKey(n)))
            {
                if (await Stack.ReadyAsync(name)) ready[name] = clock.Elapsed.TotalSeconds;
            }

            return ready.Count == ChaosStack.Names.Length;
        });
        var allReady = clock.Elapsed.TotalSeconds;

        // Caught up: the lag is back within what the producer sends in two seconds (it keeps sending).
        await ChaosStack.WaitAsync(TimeSpan.FromSeconds(120), $"detection caught up after {fault}", async () => await Stack.LagAsync() is <= 400);
        Recoveries.Add(new FaultRecovery(fault, allReady, ready, clock.Elapsed.TotalSeconds));
    }

    internal async Task<long> StoredCountAsync() =>
        (long)(await ScalarAsync("select count(*) from ingest.mt_events where stream_id like 'chaos%'"))!;

    internal async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    internal async Task<HashSet<string>> StoredIdsAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select stream_id from ingest.mt_events where stream_id like 'chaos%'", connection);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(owned))
        {
            try
            {
                await item.DisposeAsync();
            }
            catch (Exception e)
            {
                Console.WriteLine($"cleanup: {e.Message}");
            }
        }
    }
}

/// <summary>
/// What must hold after the chaos run: nothing published lost or stored twice, every finding of the scenario present once and
/// notified (redeliveries counted), detection caught up, recovery after a PostgreSQL restart within 30 s for every service, and
/// every service exiting within 10 s of SIGTERM. Writes the recovery times to tests/Chaos.Tests/results/summary.md.
/// </summary>
public sealed class ChaosTests(ChaosFixture fixture, ITestOutputHelper output) : IClassFixture<ChaosFixture>
{
    [Fact]
    public async Task GivenKillsRestartsAndDroppedConnections_WhenTheProducerKeepsSending_ThenNothingIsLostOrDuplicatedAndEveryServiceRecovers()
    {
        if (fixture.Failure is { } failure) throw failure;

        var published = fixture.Producer.Published;
        var stored = await fixture.StoredIdsAsync();
        Assert.True(published.Count > 500, $"only {published.Count} items published: the run proves little");
        var lost = published.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} published items not stored, e.g. {string.Join(", ", lost.Take(5))}"); // published = stored
        Assert.Equal(stored.Count, await fixture.StoredCountAsync()); // no duplicate event

        using var client = new HttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-admin-key");
        var findings = fixture.ProbeFindings;
        for (var k = 0; k < fixture.ProbeWindows; k++)
        {
            var signal = $"feature:{Probe.FeatureName(k)}";
            Assert.True(findings.Count(f => f.Signal == signal) == 1, $"probe {k}: {findings.Count(f => f.Signal == signal)} findings for {signal}, expected exactly one");
        }

        Assert.Equal(findings.Count, findings.Select(f => f.Id).Distinct().Count());
        var notifications = fixture.Webhook.ModelFiringCount(Probe.Model);
        Assert.True(notifications >= 1, "the probe's incident was notified");
        var redeliveries = notifications;

        var summary = Summary(published.Count, redeliveries);
        output.WriteLine(summary);
        var results = Directory.CreateDirectory(Path.Combine(ChaosFixture.Root, "tests", "Chaos.Tests", "results")).FullName;
        await File.WriteAllTextAsync(Path.Combine(results, "summary.md"), summary);

        var postgres = fixture.Recoveries.Single(r => r.Fault == "PostgreSQL restart");
        Assert.All(postgres.ServiceReadySeconds, s => Assert.True(s.Value <= 30, $"{s.Key} ready {s.Value:0.0} s after the PostgreSQL restart"));
        Assert.True(postgres.LagZeroSeconds <= 30, $"detection caught up {postgres.LagZeroSeconds:0.0} s after the PostgreSQL restart");
        Assert.All(fixture.StopSeconds, s => Assert.True(s.Value <= 10, $"{s.Key} took {s.Value:0.0} s to exit after SIGTERM"));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private string Summary(int published, int redeliveries)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Chaos suite: recovery per fault");
        sb.AppendLine();
        sb.AppendLine("Written by `dotnet test tests/Chaos.Tests -c Release` (private PostgreSQL 15 and RabbitMQ 3.10 node, the three services as");
        sb.AppendLine("processes, a steady producer over HTTP and plain AMQP). Seconds from the end of the fault (the restart command returned,");
        sb.AppendLine("or the killed service was started again and answered ready) until each service's /health/ready answers 200, and until the");
        sb.AppendLine("detector's lag is back within two seconds of traffic (at most 400 events; the producer keeps sending throughout).");
        sb.AppendLine();
        sb.AppendLine("| fault | Ingest ready | DriftDetector ready | AlertRouter ready | all ready | detection caught up |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in fixture.Recoveries)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Fault} | {r.ServiceReadySeconds["Ingest"]:0.0} | {r.ServiceReadySeconds["DriftDetector"]:0.0} | {r.ServiceReadySeconds["AlertRouter"]:0.0} | {r.ReadySeconds:0.0} | {r.LagZeroSeconds:0.0} |");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Published (accepted) items: {published}, all stored once; producer resends after a failure: {fixture.Producer.Retries}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Probe findings: {fixture.ProbeWindows}, each stored once; firing notifications for the probe deployment (one incident per change, page + reminder budget): {redeliveries}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Exit after SIGTERM: {string.Join(", ", fixture.StopSeconds.Select(s => $"{s.Key} {s.Value:0.0} s"))}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Suite wall time {fixture.WallTime.TotalMinutes:0.0} min on {Environment.ProcessorCount} cores (load average at the end {LoadAverage()}).");
        return sb.ToString();
    }
}
