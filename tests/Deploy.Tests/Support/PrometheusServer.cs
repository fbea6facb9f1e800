using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Monitoring.Deploy.Tests.Support;

/// <summary>Debian's Prometheus on a free port with a config and rules written by the test; queried over its HTTP API.</summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient http;

    private PrometheusServer(Process process, int port, string directory)
    {
        this.process = process;
        Directory = directory;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Directory { get; }

    public static async Task<PrometheusServer> StartAsync(string directory, string config, string rules)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), config);
        File.WriteAllText(Path.Combine(directory, "rules.yml"), rules);
        var port = Repo.FreePort();
        var psi = new ProcessStartInfo("prometheus") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in new[] { "--config.file=prometheus.yml", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        var log = new StreamWriter(Path.Combine(directory, "prometheus.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, port, directory);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await server.http.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("prometheus did not become ready");
    }

    /// <summary>An instant query: (status, error, result series).</summary>
    public async Task<(bool Ok, string? Error, JsonArray Series)> QueryAsync(string expr)
    {
        var response = await http.PostAsync("/api/v1/query", new FormUrlEncodedContent([KeyValuePair.Create("query", expr)]));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var ok = (string?)body["status"] == "success";
        return (ok, (string?)body["error"], ok ? body["data"]!["result"]!.AsArray() : []);
    }

    /// <summary>Active alerts (pending and firing) as Prometheus reports them.</summary>
    public async Task<JsonArray> AlertsAsync() =>
        (await http.GetFromJsonAsync<JsonNode>("/api/v1/alerts"))!["data"]!["alerts"]!.AsArray();

    /// <summary>Scrape targets' health by job.</summary>
    public async Task<Dictionary<string, string>> TargetHealthAsync() =>
        (await http.GetFromJsonAsync<JsonNode>("/api/v1/targets"))!["data"]!["activeTargets"]!.AsArray()
            .ToDictionary(t => (string)t!["labels"]!["job"]!, t => (string)t!["health"]!);

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    internal static string Json(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";
}
