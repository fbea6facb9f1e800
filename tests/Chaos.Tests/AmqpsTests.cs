using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Monitoring.EndToEnd.Latency;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Chaos.Tests;

/// <summary>
/// AMQP over TLS, live: a RabbitMQ node whose TLS listener presents a certificate from a private CA, and the Ingest (its
/// published build, as a process) configured the way the production overlay configures it (<c>RabbitMq:UseTls</c>, the CA
/// file mounted from a Secret, the port of the TLS listener). The listener speaks only TLS, so an accepted and stored
/// inference proves the publish and the consume both went over AMQPS; the same broker with another CA is refused.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AmqpsTests : IAsyncLifetime
{
    private readonly string certificates = Directory.CreateTempSubdirectory("amqps-certs-").FullName;
    private PrivateRabbit? rabbit;

    public async Task InitializeAsync()
    {
        // The broker (running as the rabbitmq user) must read the files.
        File.SetUnixFileMode(certificates, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using var ca = TestCertificates.CreateCa("monitoring test CA");
        using var otherCa = TestCertificates.CreateCa("someone else's CA");
        using var server = TestCertificates.Issue(ca, "localhost");
        Write("ca.pem", ca.ExportCertificatePem());
        Write("other-ca.pem", otherCa.ExportCertificatePem());
        Write("server.pem", server.ExportCertificatePem());
        Write("server.key", server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        rabbit = new PrivateRabbit(new PrivateRabbit.TlsFiles(Path.Combine(certificates, "ca.pem"), Path.Combine(certificates, "server.pem"), Path.Combine(certificates, "server.key")));
        await rabbit.StartAsync();
    }

    [Fact]
    public async Task GivenABrokerThatOnlySpeaksTlsOnItsPort_WhenTheIngestTrustsItsCa_ThenItIsReadyAndStoresWhatItAccepts()
    {
        var schema = TestInfrastructure.UniqueName("amqps");
        var ingest = StartIngest(schema, "ca.pem");
        try
        {
            await WithLogAsync(ingest.Child, () => ChaosStack.WaitAsync(TimeSpan.FromSeconds(90), "the Ingest ready over AMQPS", () => ReadyAsync(ingest.Url, ingest.Child)));

            var id = $"amqps-{Guid.NewGuid():D}";
            using var http = new HttpClient { BaseAddress = new Uri(ingest.Url) };
            http.DefaultRequestHeaders.Add("X-Api-Key", "dev-producer-key");
            using var response = await http.PostAsync("/v1/inferences", new StringContent(Inference(id), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

            // Accepted means published with a broker confirm over TLS; stored means consumed over TLS too.
            await ChaosStack.WaitAsync(TimeSpan.FromSeconds(60), "the inference stored", async () => await StoredAsync(schema, id) == 1);
        }
        finally
        {
            ingest.Child.Stop();
            await TestInfrastructure.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task GivenTheBrokerCertificateIsNotFromTheConfiguredCa_ThenTheIngestNeverAcceptsAndStopsNamingTheCertificate()
    {
        var schema = TestInfrastructure.UniqueName("amqpsbad");
        var ingest = StartIngest(schema, "other-ca.pem");
        try
        {
            // A broker it must not trust is a configuration error, not an outage: the bus refuses to start (MassTransit does not
            // retry a rejected certificate), so the process stops loudly within its start timeout, the reason in its log, and the
            // orchestrator's restarts keep it visible (CrashLoopBackOff). Until then it is never ready and accepts nothing.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!ingest.Child.HasExited)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(120), "the Ingest still running 120 s after start with an untrusted broker");
                Assert.False(await ReadyOrExitedAsync(ingest.Url, ingest.Child), "ready although the broker's certificate is not from the configured CA");
                await Task.Delay(500);
            }

            Assert.NotEqual(0, ingest.Child.ExitCode);
            Assert.Contains("The remote certificate was rejected", LogWithoutHealthChecks(ingest.Child), StringComparison.Ordinal);
            Assert.Equal(0, await StoredAsync(schema, "any"));
        }
        finally
        {
            ingest.Child.Stop();
            await TestInfrastructure.DropSchemaAsync(schema);
        }
    }

    /// <summary>Readiness, false once the process has exited.</summary>
    private static async Task<bool> ReadyOrExitedAsync(string url, ChildProcess child) => !child.HasExited && await ReadyAsync(url, child).ContinueWith(t => t.IsCompletedSuccessfully && t.Result);

    private (string Url, ChildProcess Child) StartIngest(string schema, string caFile)
    {
        var root = Repository.Root;
        var folder = Path.Combine(root, "services", "Ingest", "bin", Configuration, "net10.0");
        var url = $"http://127.0.0.1:{Ports.Free()}";
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Marten"] = TestInfrastructure.PostgresConnectionString,
            ["Ingest__Schema"] = schema,
            // As the production overlay sets them: the broker's TLS port and name, TLS on, the CA from a mounted file.
            ["RabbitMq__Host"] = "localhost",
            ["RabbitMq__Port"] = rabbit!.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = "monitoring",
            ["RabbitMq__Username"] = "monitoring",
            ["RabbitMq__Password"] = "monitoring",
            ["RabbitMq__UseTls"] = "true",
            ["RabbitMq__CaFile"] = Path.Combine(certificates, caFile),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var log = Path.Combine(certificates, $"ingest-{schema}.log");
        return (url, ChildProcess.Start("Ingest", folder, ["dotnet", Path.Combine(folder, "Monitoring.Ingest.dll"), "--urls", url], env, log));
    }

    private static async Task WithLogAsync(ChildProcess child, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; the Ingest's log (health-check lines left out):\n{LogWithoutHealthChecks(child)}", e);
        }
    }

    private static string LogWithoutHealthChecks(ChildProcess child)
    {
        using var stream = new FileStream(child.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var lines = new StreamReader(stream).ReadToEnd().Split('\n');
        return string.Join('\n', lines.Where(l => !l.Contains("Health", StringComparison.Ordinal)).TakeLast(60));
    }

    private static async Task<bool> ReadyAsync(string url, ChildProcess child) => await AnswersAsync($"{url}/health/ready", child);

    private static async Task<bool> AnswersAsync(string url, ChildProcess child)
    {
        if (child.HasExited) throw new InvalidOperationException($"the Ingest exited with {child.ExitCode}:\n{LogWithoutHealthChecks(child)}");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<long> StoredAsync(string schema, string id)
    {
        await using var db = await NpgsqlDataSource.Create(TestInfrastructure.PostgresConnectionString).OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand($"select count(*) from \"{schema}\".mt_events where stream_id = @id", db);
        cmd.Parameters.AddWithValue("id", id);
        try
        {
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static string Inference(string id) => $$"""
        [{"inferenceId":"{{id}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}","model":{"id":"amqps-model","version":"1"},"site":"amqps-site",
          "study":{"modality":"DX","bodyPartExamined":"CHEST","manufacturer":"GE","manufacturerModelName":"Tls","viewPosition":"PA"},
          "patient":{"pseudoId":"{{new string('a', 64)}}","sex":"F","ageBand":"40-64"},
          "prediction":{"scores":{"finding":0.4},"predictedLabels":[],"threshold":0.5},"latencyMs":20,"features":{"x":0.5} }]
        """;

    private void Write(string name, string pem)
    {
        var path = Path.Combine(certificates, name);
        File.WriteAllText(path, pem);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static string Configuration =>
        typeof(AmqpsTests).Assembly.Location.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public async Task DisposeAsync()
    {
        if (rabbit is not null) await rabbit.DisposeAsync();
        Directory.Delete(certificates, recursive: true);
    }
}
