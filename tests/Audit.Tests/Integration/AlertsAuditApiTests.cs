extern alias alerts;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Audit.Tests.Support;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Audit.Tests.Integration;

/// <summary>
/// The auditor API of the AlertRouter over the alerts store (the same fixture as the alerts tamper tests): it reads as the
/// read-only auditor database role (which the service's follower granted, as the schema's owner), an auditor credential
/// reads every view and can change nothing, and callers without the read role are refused.
/// </summary>
public sealed partial class AlertsTamperTests
{
    private static readonly string[] Views = ["/audit/chain", "/audit/verify", "/audit/export", $"/audit/as-of?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}"];

    /// <summary>The AlertRouter over the restored store, its API reading as the auditor role; no signer, so it signs nothing the other tests check.</summary>
    private ServiceHost<alerts::Program> ApiHost()
    {
        var settings = Store.HostSettings();
        settings["ConnectionStrings:Auditor"] = StoreFixture.AuditorConnectionString;
        settings["Audit:SignerUrl"] = "";
        return Services.Alerts(settings);
    }

    [Fact]
    public async Task GivenAuditorKey_WhenCallingTheAuditApi_ThenItReadsAsTheAuditorRoleAndCannotChangeAnything()
    {
        // Take back the test's own grant: the service must grant the auditor role itself.
        var grants = $"usage on schema \"{Store.Schema}\"";
        await Store.ExecAsync($"revoke select on all tables in schema \"{Store.Schema}\" from {StoreFixture.AuditorRole}; revoke {grants} from {StoreFixture.AuditorRole}");
        try
        {
            await using var host = ApiHost();
            using var auditor = host.Client(Services.Key("auditor"));

            var verify = default(JsonElement);
            await Eventually.HoldsAsync(async () =>
            {
                HttpResponseMessage response;
                try
                {
                    response = await auditor.GetAsync("/audit/verify");
                }
                catch (InvalidOperationException)
                {
                    return false; // the role cannot see the store yet (the test host passes the server's exception through)
                }

                using var _ = response;
                if (response.StatusCode != HttpStatusCode.OK) return false;
                verify = await response.Content.ReadFromJsonAsync<JsonElement>();
                return true;
            }, TimeSpan.FromSeconds(60), "the auditor API reads once the service's follower has granted the auditor role");
            Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
            Assert.True(verify.GetProperty("events").GetInt64() >= 8, verify.ToString());

            var chain = await auditor.GetFromJsonAsync<JsonElement>("/audit/chain");
            Assert.Equal(StoreFixture.AuditorRole, chain.GetProperty("readsAs").GetString());
            var export = await auditor.GetByteArrayAsync("/audit/export");
            var offline = ExportVerifier.Verify(new MemoryStream(export), new Dictionary<string, byte[]>());
            Assert.True(offline.Ok && offline.Events >= 8, offline.ToString());
            foreach (var view in Views)
            {
                using var response = await auditor.GetAsync(view);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{view}: {response.StatusCode}");
            }

            // The API's own connections are the auditor role's, and PostgreSQL refuses it any change.
            var reader = host.Services.GetRequiredService<AuditReader>();
            await using (var who = reader.DataSource.CreateCommand("select current_user"))
            {
                Assert.Equal(StoreFixture.AuditorRole, await who.ExecuteScalarAsync());
            }

            await using (var write = reader.DataSource.CreateCommand($"update \"{Store.Schema}\".mt_events set version = version where seq_id = 1"))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
                Assert.Contains(refused.SqlState, new[] { "25006", "42501" });
            }

            // Nothing under /audit takes a write, and the auditor cannot use the service's operating endpoints.
            foreach (var view in Views)
            {
                foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
                {
                    using var response = await auditor.SendAsync(new HttpRequestMessage(method, view) { Content = new StringContent("{}", Encoding.UTF8, "application/json") });
                    Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {view}: {response.StatusCode}");
                }
            }

            var alert = await Store.ScalarAsync<string>($"select stream_id::text from \"{Store.Schema}\".mt_events where type = 'alert_raised' order by seq_id desc limit 1");
            foreach (var operation in new[] { $"/alerts/{alert}/acknowledge", $"/alerts/{alert}/resolve", $"/alerts/{alert}/decision", "/silences", "/routing/reload" })
            {
                using var response = await auditor.PostAsJsonAsync(operation, new { note = "auditor tries" });
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{operation}: {response.StatusCode}");
            }

            // The service records its actor on every change: none is the auditor's.
            Assert.Equal(0L, await Store.ScalarAsync<long>($"select count(*) from \"{Store.Schema}\".mt_events where data::text like '%test-auditor%'"));
        }
        finally
        {
            await Store.ExecAsync($"grant {grants} to {StoreFixture.AuditorRole}; grant select on all tables in schema \"{Store.Schema}\" to {StoreFixture.AuditorRole}");
        }
    }

    [Fact]
    public async Task GivenCallerWithoutTheReadRole_WhenCallingTheAuditApi_ThenRefused()
    {
        await using var host = ApiHost();
        foreach (var (role, expected) in new[] { ((string?)null, HttpStatusCode.Unauthorized), ("producer", HttpStatusCode.Forbidden) })
        {
            using var client = host.Client(role is null ? null : Services.Key(role));
            foreach (var view in Views)
            {
                using var response = await client.GetAsync(view);
                Assert.True(response.StatusCode == expected, $"{role ?? "anonymous"} {view}: {response.StatusCode}");
            }
        }
    }
}
