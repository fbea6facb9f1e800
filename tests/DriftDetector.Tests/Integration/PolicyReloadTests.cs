using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.TestSupport;

namespace Monitoring.DriftDetector.Tests.Integration;

/// <summary>
/// Bad configuration never takes monitoring down: a service started with an invalid policy file next to a valid one runs and
/// detects; a reload of an invalid edit answers 422 problem+json (no stack trace, outside Development) listing every problem,
/// keeps the deployment's last recorded version, and raises <c>policy-invalid</c> until the file is fixed.
/// </summary>
public sealed class PolicyReloadTests(DriftEnvironment env) : IClassFixture<DriftEnvironment>
{
    [Fact]
    public async Task GivenAnInvalidPolicyFile_WhenStartedAndReloaded_ThenTheOthersKeepRunningAndTheReloadAnswers422WithEveryProblem()
    {
        var directory = Directory.CreateTempSubdirectory("dd-policies-");
        try
        {
            var good = Path.Combine(directory.FullName, "cxr.yaml");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "policies", "test-policy.yaml"), good);
            File.WriteAllText(Path.Combine(directory.FullName, "never-valid.yaml"), "deployment: { modelId: other, modelVersion: \"1\" }\nwindow: { count: 10 }\nscroes: 1\n");
            await env.AppendAsync(new Synthetic.SyntheticStream(71) { IdPrefix = "pr", LabelledFraction = 0 }.Generate(500));
            await using var host = env.StartHost(new Dictionary<string, string?> { ["DriftDetector:PolicyPaths:0"] = directory.FullName });

            await host.CatchUpAsync(); // the valid file's deployment is monitored although another file is invalid
            var unmonitored = await env.TakeAsync("HealthConditionChanged", m => m.GetProperty("condition").GetString() == "policy-invalid", TimeSpan.FromSeconds(30));
            Assert.True(unmonitored.GetProperty("firing").GetBoolean());
            Assert.Equal("Critical", unmonitored.GetProperty("severity").ToString(), ignoreCase: true); // never had a version: pages
            Assert.Contains("never-valid.yaml", unmonitored.GetProperty("description").GetString());

            File.WriteAllText(good, File.ReadAllText(good).Replace("  alpha: 0.0001", "  alpha: 2").Replace("signals:\n", "signals:\n  scroes: [x]\n"));
            using var admin = host.Client(DriftEnvironment.AdminKey);
            using var response = await admin.PostAsync("/v1/admin/policies/reload", null);

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", text); // no stack trace
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateArray().ToList();
            Assert.Contains(errors, e => e.GetProperty("file").GetString() == "cxr.yaml" && e.GetProperty("field").GetString() == "thresholds.alpha"
                && e.GetProperty("line").GetInt32() > 0 && e.GetProperty("column").GetInt32() > 0);
            Assert.Contains(errors, e => e.GetProperty("file").GetString() == "cxr.yaml" && e.GetProperty("field").GetString() == "signals.scroes");
            Assert.Contains(errors, e => e.GetProperty("file").GetString() == "never-valid.yaml");

            var versions = await host.GetAsync<List<JsonElement>>("/v1/policies");
            Assert.Equal(1, Assert.Single(versions, v => v.GetProperty("deployment").GetString() == "cxr-triage@2.3.1").GetProperty("version").GetInt32());
            await env.AppendAsync(new Synthetic.SyntheticStream(72) { IdPrefix = "pr2", LabelledFraction = 0 }.Generate(300));
            await host.CatchUpAsync(); // detection went on with the last recorded version
            // Ready although one file is refused (the others are monitored); polled, because readiness also runs a database
            // query and the subscription check, either of which can miss one probe on a loaded machine.
            await Eventually.HoldsAsync(async () =>
            {
                using var ready = await host.Client(null).GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(30), "the detector reports ready with one policy file refused");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
