using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;

namespace Monitoring.TestSupport;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ of scripts/stack-up.sh are. Overridable by environment variables
/// (MONITORING_PG, MONITORING_RMQ_HOST, ...) so the same tests run against another stack.
/// </summary>
public static class TestInfrastructure
{
    /// <summary>PostgreSQL connection string of the test database.</summary>
    public static string PostgresConnectionString { get; } =
        Environment.GetEnvironmentVariable("MONITORING_PG")
        ?? "Host=127.0.0.1;Port=5432;Database=monitoring;Username=monitoring;Password=monitoring;Maximum Pool Size=40";

    /// <summary>RabbitMQ host.</summary>
    public static string RabbitHost { get; } = Environment.GetEnvironmentVariable("MONITORING_RMQ_HOST") ?? "127.0.0.1";

    /// <summary>RabbitMQ AMQP port (MONITORING_RMQ_PORT).</summary>
    public static int RabbitPort { get; } = int.Parse(Environment.GetEnvironmentVariable("MONITORING_RMQ_PORT") ?? "5672", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>PostgreSQL host, from <see cref="PostgresConnectionString"/> (for tests that put a proxy in front of it).</summary>
    public static string PostgresHost => new NpgsqlConnectionStringBuilder(PostgresConnectionString).Host ?? "127.0.0.1";

    /// <summary>PostgreSQL port, from <see cref="PostgresConnectionString"/>.</summary>
    public static int PostgresPort => new NpgsqlConnectionStringBuilder(PostgresConnectionString).Port;

    /// <summary>RabbitMQ user (administrator tag, so it can create virtual hosts).</summary>
    public static string RabbitUser { get; } = Environment.GetEnvironmentVariable("MONITORING_RMQ_USER") ?? "monitoring";

    /// <summary>RabbitMQ password.</summary>
    public static string RabbitPassword { get; } = Environment.GetEnvironmentVariable("MONITORING_RMQ_PASSWORD") ?? "monitoring";

    /// <summary>RabbitMQ management API base address.</summary>
    public static Uri RabbitManagement { get; } = new(Environment.GetEnvironmentVariable("MONITORING_RMQ_MANAGEMENT") ?? "http://127.0.0.1:15672/");

    private static readonly HttpClient Management = CreateManagementClient();

    private static HttpClient CreateManagementClient()
    {
        var client = new HttpClient { BaseAddress = RabbitManagement, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}")));
        return client;
    }

    /// <summary>A unique, lowercase name for a schema or virtual host: prefix + random suffix.</summary>
    public static string UniqueName(string prefix) =>
        $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)].ToLowerInvariant();

    /// <summary>Creates a fresh virtual host with full permissions for the test user (isolation per test class).</summary>
    public static async Task<string> CreateVirtualHostAsync(string prefix)
    {
        var vhost = UniqueName(prefix);
        var escaped = Uri.EscapeDataString(vhost);
        (await Management.PutAsync($"api/vhosts/{escaped}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        (await Management.PutAsync($"api/permissions/{escaped}/{Uri.EscapeDataString(RabbitUser)}",
            JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        return vhost;
    }

    /// <summary>Deletes a virtual host and everything in it.</summary>
    public static async Task DeleteVirtualHostAsync(string vhost)
    {
        using var _ = await Management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}");
    }

    /// <summary>Number of messages ready in a queue of a virtual host (management API; refreshed every few seconds by the broker).</summary>
    public static async Task<int?> QueueMessageCountAsync(string vhost, string queue)
    {
        using var response = await Management.GetAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var doc = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return doc.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt32() : null;
    }

    /// <summary>
    /// Removes every binding whose source is <paramref name="exchange"/> (so a mandatory publish to it is returned
    /// unroutable) and returns them, to be put back with <see cref="RestoreBindingsAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<System.Text.Json.JsonElement>> RemoveBindingsAsync(string vhost, string exchange)
    {
        var v = Uri.EscapeDataString(vhost);
        var bindings = await Management.GetFromJsonAsync<List<System.Text.Json.JsonElement>>(
            $"api/exchanges/{v}/{Uri.EscapeDataString(exchange)}/bindings/source") ?? [];
        foreach (var b in bindings)
        {
            var kind = b.GetProperty("destination_type").GetString() == "queue" ? "q" : "e";
            using var response = await Management.DeleteAsync(
                $"api/bindings/{v}/e/{Uri.EscapeDataString(exchange)}/{kind}/{Uri.EscapeDataString(b.GetProperty("destination").GetString()!)}/" +
                Uri.EscapeDataString(b.GetProperty("properties_key").GetString()!));
            response.EnsureSuccessStatusCode();
        }

        return bindings;
    }

    /// <summary>Re-creates bindings removed by <see cref="RemoveBindingsAsync"/>.</summary>
    public static async Task RestoreBindingsAsync(string vhost, string exchange, IEnumerable<System.Text.Json.JsonElement> bindings)
    {
        foreach (var b in bindings)
        {
            var kind = b.GetProperty("destination_type").GetString() == "queue" ? "q" : "e";
            using var response = await Management.PostAsync(
                $"api/bindings/{Uri.EscapeDataString(vhost)}/e/{Uri.EscapeDataString(exchange)}/{kind}/{Uri.EscapeDataString(b.GetProperty("destination").GetString()!)}",
                JsonContent.Create(new { routing_key = b.GetProperty("routing_key").GetString() }));
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Drops a PostgreSQL schema and everything in it.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var conn = new NpgsqlConnection(PostgresConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>Polls a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; fails the test with <paramref name="because"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Xunit.Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {because}.");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value satisfying <paramref name="accept"/>, and returns it.</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string because)
    {
        T last = default!;
        await HoldsAsync(async () => accept(last = await probe()), timeout, because);
        return last;
    }
}
