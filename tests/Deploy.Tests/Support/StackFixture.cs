using System.Net;
using System.Text.Json.Nodes;
using Monitoring.TestSupport;

namespace Monitoring.Deploy.Tests.Support;

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "published services started from the production manifests";
}

/// <summary>
/// Publishes the three services the way their Dockerfiles do (<c>dotnet publish</c> into one folder each) and starts
/// each with the environment of the rendered production Deployment. What differs from a pod, and why:
/// <list type="bullet">
/// <item>Secrets get test values; the PostgreSQL and RabbitMQ hosts map to 127.0.0.1.</item>
/// <item>TLS is relaxed where the local stack has none: <c>SSL Mode=VerifyFull;Root Certificate=…</c> becomes
/// <c>SSL Mode=Disable</c>, <c>rabbitmq-tls</c> false and port 5671 → 5672 (the TLS paths are covered by unit tests).</item>
/// <item>Port 8080 in <c>ASPNETCORE_URLS</c> becomes a free port (the machine is shared); probes follow it.</item>
/// <item>Isolation on the shared stack: a virtual host and schemas of this run, and one admin API key for the test's
/// own calls (production has JWT only).</item>
/// <item>ConfigMap volumes are written to a folder and their mount paths rewritten to it.</item>
/// </list>
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    public const string ApiKey = "deploy-test-admin-key";
    public static readonly string[] Order = ["ingest", "drift-detector", "alert-router"];
    private static readonly Dictionary<string, string> Projects = new() { ["ingest"] = "Ingest", ["drift-detector"] = "DriftDetector", ["alert-router"] = "AlertRouter" };

    private readonly string root = Directory.CreateTempSubdirectory("deploy-tests").FullName;
    private HttpListener? webhook;

    public Dictionary<string, ServiceProcess> Services { get; } = [];

    public IReadOnlyList<JsonObject> Objects { get; private set; } = [];

    public string VirtualHost { get; private set; } = "";

    public string SchemaPrefix { get; } = TestInfrastructure.UniqueName("dep");

    public int WebhookPort { get; } = Repo.FreePort();

    public int WebhookCalls;

    public JsonObject Deployment(string name) => Manifests.Single(Objects, "Deployment", name);

    public async Task InitializeAsync()
    {
        Objects = await Manifests.RenderAsync("production");
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync("deploy");
        StartWebhook();
        foreach (var name in Order)
        {
            var service = await CreateAsync(name);
            Services[name] = service;
            service.Start();
            await WaitReadyAsync(service);
        }
    }

    private void StartWebhook()
    {
        webhook = new HttpListener();
        webhook.Prefixes.Add($"http://127.0.0.1:{WebhookPort}/");
        webhook.Start();
        _ = Task.Run(async () =>
        {
            while (webhook.IsListening)
            {
                try
                {
                    var ctx = await webhook.GetContextAsync();
                    Interlocked.Increment(ref WebhookCalls);
                    ctx.Response.StatusCode = 200;
                    ctx.Response.Close();
                }
                catch (Exception) when (!webhook.IsListening)
                {
                    return;
                }
                catch (HttpListenerException)
                {
                }
            }
        });
    }

    private async Task<ServiceProcess> CreateAsync(string name)
    {
        var project = Projects[name];
        var publish = Path.Combine(root, "publish", name);
        await Repo.RunAsync("dotnet", ["publish", Repo.PathOf("services", project, $"{project}.csproj"), "-c", "Release", "--no-build", "-o", publish, "-nologo", "-v", "q"],
            timeout: TimeSpan.FromMinutes(4));

        var deployment = Deployment(name);
        var config = new Dictionary<string, string>
        {
            ["postgres-host"] = "127.0.0.1", ["rabbitmq-host"] = TestInfrastructure.RabbitHost, ["rabbitmq-port"] = "5672",
            ["rabbitmq-tls"] = "false", ["rabbitmq-vhost"] = VirtualHost,
        };
        var env = ManifestEnvironment.Resolve(deployment, Objects, config, SecretValue);
        var port = Repo.FreePort();
        env["ASPNETCORE_URLS"] = env["ASPNETCORE_URLS"].Replace(":8080", $":{port}", StringComparison.Ordinal);
        env["ConnectionStrings__Marten"] = env["ConnectionStrings__Marten"]
            .Replace("SSL Mode=VerifyFull;Root Certificate=/etc/monitoring/postgres-ca/ca.crt", "SSL Mode=Disable", StringComparison.Ordinal);
        var schemas = name switch
        {
            "ingest" => new Dictionary<string, string> { ["Ingest__Schema"] = "ingest" },
            "drift-detector" => new() { ["DriftDetector__IngestSchema"] = "ingest", ["DriftDetector__DriftSchema"] = "drift" },
            _ => new() { ["AlertRouter__Schema"] = "alerts" },
        };
        foreach (var (key, suffix) in schemas)
        {
            env[key] = $"{SchemaPrefix}_{suffix}";
        }

        env["Auth__ApiKeys__0__Name"] = "deploy-test";
        env["Auth__ApiKeys__0__Key"] = ApiKey;
        env["Auth__ApiKeys__0__Roles__0"] = "admin";
        MountConfigMaps(name, deployment, env);
        return new ServiceProcess(name, publish, $"Monitoring.{project}.dll", env, port, Path.Combine(root, $"{name}.log"));
    }

    private string? SecretValue(string secret, string key) => (secret, key) switch
    {
        ("monitoring-postgres-app", "username") => "monitoring",
        ("monitoring-postgres-app", "password") => "monitoring",
        ("monitoring-rabbitmq", "username") => TestInfrastructure.RabbitUser,
        ("monitoring-rabbitmq", "password") => TestInfrastructure.RabbitPassword,
        ("alert-router-receivers", "mlops-chat-webhook-url") => $"http://127.0.0.1:{WebhookPort}/chat",
        ("alert-router-receivers", "smtp-smarthost") => $"127.0.0.1:{Repo.FreePort()}",
        ("alert-router-receivers", _) => "test-" + key,
        _ => null,
    };

    /// <summary>ConfigMap volumes become folders with the map's files; env values under the mount path follow.</summary>
    private void MountConfigMaps(string name, JsonObject deployment, Dictionary<string, string> env)
    {
        var pod = deployment["spec"]!["template"]!["spec"]!;
        foreach (var mount in pod["containers"]![0]!["volumeMounts"]!.AsArray())
        {
            var volume = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount!["name"]);
            if (volume!["configMap"] is not { } cm)
            {
                continue;
            }

            var dir = Path.Combine(root, "mounts", name, (string)mount!["name"]!);
            Directory.CreateDirectory(dir);
            foreach (var (file, content) in Manifests.Single(Objects, "ConfigMap", (string)cm["name"]!)["data"]!.AsObject())
            {
                File.WriteAllText(Path.Combine(dir, file), (string)content!);
            }

            var mountPath = (string)mount["mountPath"]!;
            foreach (var key in env.Keys.ToList().Where(k => env[k].StartsWith(mountPath, StringComparison.Ordinal)))
            {
                env[key] = dir + env[key][mountPath.Length..];
            }
        }
    }

    public async Task WaitReadyAsync(ServiceProcess service)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var path = (string)Deployment(service.Name)["spec"]!["template"]!["spec"]!["containers"]![0]!["readinessProbe"]!["httpGet"]!["path"]!;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (!service.Running)
            {
                throw new InvalidOperationException($"{service.Name} exited:\n{service.LogTail()}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(service.BaseAddress, path))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{service.Name} not ready within 120 s:\n{service.LogTail()}");
    }

    public HttpClient Client(string service)
    {
        var client = new HttpClient { BaseAddress = Services[service].BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var name in Order.Reverse())
        {
            if (Services.TryGetValue(name, out var s))
            {
                await s.DisposeAsync();
            }
        }

        webhook?.Stop();
        foreach (var suffix in new[] { "ingest", "drift", "alerts" })
        {
            await TestInfrastructure.DropSchemaAsync($"{SchemaPrefix}_{suffix}");
        }

        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
    }
}
