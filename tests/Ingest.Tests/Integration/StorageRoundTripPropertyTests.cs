using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Ingest.Tests.Integration;

public sealed class StorageRoundTripFixture : IAsyncLifetime
{
    public IngestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IngestHost.StartAsync("ingest_roundtrip", new Dictionary<string, string?>
    {
        ["Ingest:RateLimit:RequestsPerSecond"] = "10000",
        ["Ingest:RateLimit:Burst"] = "10000",
    });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// Validation matches storage: every item is either refused at the door (400 naming a field of the item) or stored by the real
/// Ingest in the real PostgreSQL with the same JSON value (strings equal, numbers equal as numbers). The generators write the
/// JSON text themselves, weighted towards what breaks stores: NUL, unpaired surrogate escapes, non-characters, control
/// characters, -0, subnormals, ±max, values just past max, huge and tiny exponents, underflow.
/// </summary>
public sealed class StorageRoundTripPropertyTests(StorageRoundTripFixture fixture) : IClassFixture<StorageRoundTripFixture>
{
    private IngestHost Host => fixture.Host;

    /// <summary>Pieces of a JSON string literal (already escaped as JSON text).</summary>
    private static readonly Gen<string> StringAtom = Gen.Frequency(
        (6, Gen.Char["ACEGMSTYaeimnrstu0159 -"].Select(c => c.ToString())),
        (2, Gen.Const("\\u0000")),
        (2, Gen.Const("\\ud800")), // lone high surrogate
        (2, Gen.Const("\\udfff")), // lone low surrogate
        (1, Gen.Const("\\ud800x")),
        (1, Gen.Const("\\ud83d\\ude00")), // a valid pair (emoji)
        (1, Gen.Const("😀")),
        (2, Gen.OneOf<string>("\\ufffe", "\\uffff", "\\ufdd0", "\\ufdef", "\\ud83f\\udffe", "\\udbff\\udfff")), // non-characters
        (2, Gen.OneOf<string>("\\t", "\\n", "\\u001f", "\\u007f", "\\u0085", "\\u009f")), // C0 / C1 controls
        (1, Gen.OneOf<string>("é", "中", "ß", "\\u00e9", "\\u2028", "\\ufeff", "\\\"", "\\\\", "/", "\\/")));

    private static readonly Gen<string> StringLiteral =
        StringAtom.Array[1, 8].Select(atoms => "\"" + string.Concat(atoms) + "\"");

    /// <summary>JSON number literals: edges of double precision, written in several ways.</summary>
    private static readonly Gen<string> NumberLiteral = Gen.Frequency(
        (4, Gen.OneOf<string>("0", "-0", "0.0", "-0.0", "0e0", "-0E+5", "1", "0.5", "1.0", "1e0", "0.1", "1E-1")),
        (4, Gen.OneOf<string>("5e-324", "-5e-324", "4.9406564584124654e-324", "2.225073858507201e-308", "2.2250738585072014e-308", "1e-310")),
        (4, Gen.OneOf<string>("1.7976931348623157e308", "-1.7976931348623157e308", "1.7976931348623158e308", "1.797693134862316e308",
            "1e308", "-1e308", "1e309", "-1e309", "2e308")),
        (3, Gen.OneOf<string>("1e400", "-1e400", "1e99999", "1e-400", "-1e-400", "1e-99999", "0.000000000000000000000000000000000000001",
            "123456789012345678901234567890", "100000000000000000000000000000000000000000000000000")),
        (3, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.Double[0, 1].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.Int[-1000, 100_000].Select(i => i.ToString(CultureInfo.InvariantCulture))));

    private static readonly Gen<string> FeatureKey = Gen.Frequency(
        (5, Gen.OneOf<string>("\"imageQuality\"", "\"meanIntensity\"", "\"snr\"")),
        (2, StringLiteral));

    private sealed record Case(string Manufacturer, string Protocol, string Ethnicity, string Key, string Feature, string Score, string Threshold,
        string Latency, string Embedding);

    /// <summary>Mostly the ordinary value, so that an item usually carries one or two edges and both verdicts are exercised.</summary>
    private static Gen<string> Mostly(string ordinary, Gen<string> edge) => Gen.Frequency((6, Gen.Const(ordinary)), (1, edge));

    private static readonly Gen<Case> Cases =
        Gen.Select(Mostly("\"ACME Imaging\"", StringLiteral), Mostly("\"CHEST PA\"", StringLiteral), Mostly("\"Other\"", StringLiteral),
                Mostly("\"snr\"", FeatureKey), Mostly("12.5", NumberLiteral), Mostly("0.83", NumberLiteral), Mostly("0.5", NumberLiteral),
                Mostly("41.5", NumberLiteral))
            .SelectMany(t => Mostly("0.25", NumberLiteral).Select(e => new Case(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8, e)));

    [Fact]
    public async Task EveryItemIsRefusedAtTheDoorNamingAFieldOrStoredWithTheSameValue()
    {
        var stored = 0;
        var refused = 0;
        await Cases.SampleAsync(async c =>
        {
            var id = Samples.NewId();
            var body = Body(id, c);
            using var response = await Host.Client.PostAsync("/v1/inferences", new ByteArrayContent(Encoding.UTF8.GetBytes(body))
            {
                Headers = { ContentType = new("application/json") },
            });
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                var paths = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToList();
                Assert.NotEmpty(paths);
                Assert.All(paths, p => Assert.StartsWith("$.", p)); // a field of the item, not the body as a whole
                Interlocked.Increment(ref refused);
                return;
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var data = await StoredAsync(id);
            var sent = JsonDocument.Parse(body).RootElement;
            Assert.Equal(sent.GetProperty("study").GetProperty("manufacturer").GetString(), Field(data, "study", "manufacturer").GetString());
            Assert.Equal(sent.GetProperty("study").GetProperty("protocol").GetString(), Field(data, "study", "protocol").GetString());
            Assert.Equal(sent.GetProperty("patient").GetProperty("ethnicity").GetString(), Field(data, "patient", "ethnicity").GetString());
            var sentFeature = Assert.Single(sent.GetProperty("features").EnumerateObject());
            var storedFeature = Assert.Single(Field(data, "features").EnumerateObject());
            Assert.Equal(sentFeature.Name, storedFeature.Name);
            AssertSameNumber(sentFeature.Value, storedFeature.Value);
            AssertSameNumber(sent.GetProperty("prediction").GetProperty("scores").GetProperty("pneumothorax"),
                Field(data, "prediction", "scores").EnumerateObject().Single().Value);
            AssertSameNumber(sent.GetProperty("prediction").GetProperty("threshold"), Field(data, "prediction", "threshold"));
            AssertSameNumber(sent.GetProperty("latencyMs"), Field(data, "latencyMs"));
            var sentComponent = float.Parse(sent.GetProperty("embedding")[0].GetRawText(), CultureInfo.InvariantCulture);
            Assert.Equal(sentComponent, Field(data, "embedding")[0].GetSingle());
            Interlocked.Increment(ref stored);
        }, iter: 250, threads: 4, print: c => Body("id", c));

        // The property covers both sides: the edges refused and the edges stored.
        Assert.True(stored > 10, $"{stored} stored, {refused} refused");
        Assert.True(refused > 10, $"{stored} stored, {refused} refused");
    }

    private static string Body(string id, Case c) =>
        $$"""
        {"inferenceId":"{{id}}","occurredAt":"2025-03-01T08:15:00Z","model":{"id":"cxr-triage","version":"2.3.1"},"site":"site-a",
         "study":{"modality":"DX","bodyPartExamined":"CHEST","manufacturer":{{c.Manufacturer}},"manufacturerModelName":"Radiant 500","viewPosition":"PA","protocol":{{c.Protocol}}},
         "patient":{"pseudoId":"{{new string('a', 64)}}","ageBand":"40-64","sex":"F","ethnicity":{{c.Ethnicity}}},
         "prediction":{"scores":{"pneumothorax":{{c.Score}}},"predictedLabels":[],"threshold":{{c.Threshold}}},
         "features":{ {{c.Key}}:{{c.Feature}} },"embedding":[{{c.Embedding}}],"latencyMs":{{c.Latency}}}
        """;

    /// <summary>Numbers compared as numbers: the double the stored JSON denotes equals the double the sent JSON denotes.</summary>
    private static void AssertSameNumber(JsonElement sent, JsonElement stored)
    {
        var expected = double.Parse(sent.GetRawText(), CultureInfo.InvariantCulture);
        Assert.True(stored.TryGetDouble(out var actual), $"stored {stored.GetRawText()} is not a double");
        Assert.True(expected.Equals(actual) || (expected == 0 && actual == 0), $"sent {sent.GetRawText()}, stored {stored.GetRawText()}");
    }

    /// <summary>The stored event's data (jsonb, as PostgreSQL returns it), once it is there.</summary>
    private async Task<JsonElement> StoredAsync(string id) =>
        await Eventually.ReturnsAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"select data::text from \"{Host.Schema}\".mt_events where stream_id = @id", connection);
            command.Parameters.AddWithValue("id", id);
            return await command.ExecuteScalarAsync() is string text ? JsonDocument.Parse(text).RootElement.Clone() : (JsonElement?)null;
        }, d => d is not null, TimeSpan.FromSeconds(30), $"{id} is stored") ?? default;

    /// <summary>A property of the stored document whatever casing the store's serializer uses.</summary>
    private static JsonElement Field(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            element = element.EnumerateObject().Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
        }

        return element;
    }
}
