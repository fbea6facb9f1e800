using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.EventStore;
using Monitoring.Ingest.Storage;
using Monitoring.Ingest.Validation;
using Monitoring.TestSupport;
using Npgsql;

namespace Monitoring.Ingest.Tests;

/// <summary>
/// Two Marten stores in schemas of their own, each with a writer: Marten's session append in one, the set-based append in
/// the other, so that the same events (same stream keys, same content hashes) can be written through both.
/// </summary>
public sealed class SetBasedAppendFixture : IAsyncLifetime
{
    public string Schema { get; } = TestInfrastructure.UniqueName("ingest_setbased");

    public string MartenSchema { get; } = TestInfrastructure.UniqueName("ingest_marten");

    public DocumentStore Store { get; private set; } = null!;

    public DocumentStore MartenStore { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>The writer with <see cref="IngestOptions.SetBasedAppend"/> off: Marten's one function call per stream.</summary>
    public EventWriter MartenWriter { get; private set; } = null!;

    /// <summary>The writer with <see cref="IngestOptions.SetBasedAppend"/> on (the default).</summary>
    public EventWriter SetBasedWriter { get; private set; } = null!;

    /// <summary>A writer on the store of <see cref="Schema"/>, as a second Ingest process would be.</summary>
    public EventWriter NewWriter(bool setBased) => NewWriter(Store, Schema, setBased);

    private EventWriter NewWriter(IDocumentStore store, string schema, bool setBased) => new(store, DataSource,
        Options.Create(new IngestOptions { Schema = schema, SetBasedAppend = setBased }), NullLogger<EventWriter>.Instance);

    private const string TestSourceName = "Monitoring.Ingest.Tests.SetBasedAppend";
    private static readonly ActivitySource TestSource = new(TestSourceName);
    private ActivityListener? listener;

    /// <summary>
    /// Trace id of the activity both writers were started under: their append activities are its children, so a Marten
    /// session (which takes its correlation id from the current activity) and the set-based path see the same trace.
    /// </summary>
    public string TraceId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is TestSourceName or IngestTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        Store = await CreateStoreAsync(Schema);
        MartenStore = await CreateStoreAsync(MartenSchema);
        DataSource = EventStoreSetup.CreateDataSource(TestInfrastructure.PostgresConnectionString);
        MartenWriter = NewWriter(MartenStore, MartenSchema, setBased: false);
        SetBasedWriter = NewWriter(setBased: true);
        using var parent = TestSource.StartActivity("writers")!;
        TraceId = parent.TraceId.ToHexString();
        await MartenWriter.StartAsync(CancellationToken.None);
        await SetBasedWriter.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await MartenWriter.StopAsync(CancellationToken.None);
        await SetBasedWriter.StopAsync(CancellationToken.None);
        MartenWriter.Dispose();
        SetBasedWriter.Dispose();
        await DataSource.DisposeAsync();
        Store.Dispose();
        MartenStore.Dispose();
        await TestInfrastructure.DropSchemaAsync(Schema);
        await TestInfrastructure.DropSchemaAsync(MartenSchema);
        listener?.Dispose();
    }

    private static async Task<DocumentStore> CreateStoreAsync(string schema)
    {
        var store = DocumentStore.For(opts =>
        {
            opts.Connection(TestInfrastructure.PostgresConnectionString);
            EventStoreSetup.Configure(opts, schema);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }
}

/// <summary>
/// The set-based append of events to existing (or label-first) streams stores exactly what Marten's own append stores,
/// and keeps the writer's duplicate check safe against a concurrent writer.
/// </summary>
[Collection(nameof(SetBasedAppendTests))]
public sealed class SetBasedAppendTests(SetBasedAppendFixture fixture) : IClassFixture<SetBasedAppendFixture>
{
    private static readonly ItemOrigin Amqp = new("4bf92f3577b34da6a3ce929d0e0e4736", "3f2c1d1e-0000-4000-8000-00000000abcd", "amqp");
    private static readonly ItemOrigin Anonymous = new(null, null, null);

    [Fact]
    public async Task GivenTheSameBatches_WhenAppendedByMartenAndSetBased_ThenEveryStoredColumnAndEveryFetchedEventIsTheSame()
    {
        // The same stream keys in both schemas, so that bodies and content hashes are the same too.
        var prefix = OpaqueId('p');
        var marten = await AppendScenarioAsync(fixture.MartenWriter, prefix);
        var setBased = await AppendScenarioAsync(fixture.SetBasedWriter, prefix);

        Assert.Equal(marten, setBased);
        Assert.Equal([.. Enumerable.Repeat(AppendOutcome.Stored, 11), AppendOutcome.Duplicate, AppendOutcome.Stored], setBased);

        var martenEvents = await EventRowsAsync(prefix, fixture.MartenSchema);
        Assert.Equal(12, martenEvents.Count);
        var setBasedEvents = await EventRowsAsync(prefix);
        Assert.Equal(string.Join("\n", martenEvents), string.Join("\n", setBasedEvents));
        Assert.Equal(await StreamRowsAsync(prefix, fixture.MartenSchema), await StreamRowsAsync(prefix));

        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            Assert.Equal(await FetchedAsync(fixture.MartenStore, prefix, key), await FetchedAsync(fixture.Store, prefix, key));
        }

        // Events without correlation and causation ids got the writer's activity's on both paths, as a Marten session does.
        Assert.Equal(3, setBasedEvents.Count(r => r.Contains($"|{fixture.TraceId}|00-{fixture.TraceId}-", StringComparison.Ordinal)));

        // The second batch's set-based events got seq_ids in the order they were given (d's label, alone in a new
        // stream, went through COPY before them).
        var seqs = await SeqIdsAsync(prefix, [("a", 2), ("b", 2), ("b", 3), ("e", 1), ("e", 2)]);
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Distinct().Count(), seqs.Count);
    }

    [Fact]
    public async Task GivenAStreamAppendedToSinceTheCheck_WhenAppendingWithTheVersionReadBefore_ThenTheWholeBatchFailsAsACollision()
    {
        var prefix = OpaqueId('c');
        var appender = new ExistingStreamAppender(fixture.Store, fixture.DataSource);
        await fixture.SetBasedWriter.AppendAsync(Item(EventKind.Inference, Samples.Inference($"{prefix}-x")), Amqp, CancellationToken.None);
        // Another writer appends between the check (which read version 1) and our append.
        await AppendWithMartenAsync($"{prefix}-x", Item(EventKind.GroundTruth, Samples.GroundTruth($"{prefix}-x", "effusion")));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => appender.AppendAsync(
        [
            new AppendRow($"{prefix}-y", 1, Item(EventKind.GroundTruth, Samples.GroundTruth($"{prefix}-y")).Event, "h1", Amqp),
            new AppendRow($"{prefix}-x", 2, Item(EventKind.ReaderFeedback, Samples.Feedback($"{prefix}-x")).Event, "h2", Amqp),
        ], CancellationToken.None));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(failure).SqlState);
        Assert.True(EventWriter.IsConcurrencyCollision(failure));
        var streams = await StreamRowsAsync(prefix);
        Assert.Equal(["-x||2|*DEFAULT*|False|0"], streams); // y not created, x's version untouched: one transaction
        Assert.Equal(2, (await EventRowsAsync(prefix)).Count);
    }

    [Fact]
    public async Task GivenALabelFirstStreamCreatedSinceTheCheck_WhenAppendingAsIfNew_ThenItFailsAsACollision()
    {
        var prefix = OpaqueId('n');
        var appender = new ExistingStreamAppender(fixture.Store, fixture.DataSource);
        await AppendWithMartenAsync($"{prefix}-z", Item(EventKind.ReaderFeedback, Samples.Feedback($"{prefix}-z")));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => appender.AppendAsync(
            [new AppendRow($"{prefix}-z", 1, Item(EventKind.GroundTruth, Samples.GroundTruth($"{prefix}-z")).Event, "h", Amqp)],
            CancellationToken.None));

        Assert.True(EventWriter.IsConcurrencyCollision(failure));
        Assert.Equal(["-z||1|*DEFAULT*|False|0"], await StreamRowsAsync(prefix));
    }

    [Fact]
    public async Task GivenTwoWritersRacingWithTheSameLabels_WhenBothAppend_ThenEachLabelIsStoredOnceAndTheOtherIsADuplicate()
    {
        var prefix = OpaqueId('r');
        var inferences = Enumerable.Range(0, 50).Select(i => Item(EventKind.Inference, Samples.Inference($"{prefix}-{i}"))).ToList();
        await fixture.SetBasedWriter.AppendAllAsync(inferences, Amqp, CancellationToken.None);
        var labels = Enumerable.Range(0, 50).Select(i => Item(EventKind.GroundTruth, Samples.GroundTruth($"{prefix}-{i}", "pneumothorax"))).ToList();
        var other = fixture.NewWriter(setBased: true); // a second Ingest process
        await other.StartAsync(CancellationToken.None);
        try
        {
            var results = await Task.WhenAll(
                fixture.SetBasedWriter.AppendAllAsync(labels, Amqp, CancellationToken.None),
                other.AppendAllAsync(labels, Amqp, CancellationToken.None));

            for (var i = 0; i < labels.Count; i++)
            {
                Assert.Equal([AppendOutcome.Stored, AppendOutcome.Duplicate], new[] { results[0][i].Outcome, results[1][i].Outcome }.Order());
            }

            var rows = await EventRowsAsync(prefix);
            Assert.Equal(50, rows.Count(r => r.Contains("|ground_truth_recorded|", StringComparison.Ordinal)));
            Assert.All(await StreamRowsAsync(prefix), s => Assert.EndsWith("||2|*DEFAULT*|False|0", s));
        }
        finally
        {
            await other.StopAsync(CancellationToken.None);
            other.Dispose();
        }
    }

    [Fact]
    public async Task GivenAListener_WhenTheSetBasedAppendCommits_ThenMartensAppendNotificationArrives()
    {
        await using var listener = await fixture.DataSource.OpenConnectionAsync();
        var notified = 0;
        listener.Notification += (_, _) => notified++;
        await using (var listen = new NpgsqlCommand($"listen {Marten.Events.Daemon.HighWater.PostgresqlListenWakeup.DefaultChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var appender = new ExistingStreamAppender(fixture.Store, fixture.DataSource);
        var id = OpaqueId('l');
        await appender.AppendAsync([new AppendRow(id, 1, Item(EventKind.ReaderFeedback, Samples.Feedback(id)).Event, "h", Amqp)], CancellationToken.None);

        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "a notification within 10 s");
        Assert.Equal(1, notified);
    }

    /// <summary>
    /// Inferences a, b, c (COPY); then one message with a label joining a, two joining b, a label-first stream d and a
    /// label-first stream e with two events; then another with no origin metadata: feedback for a, d's inference
    /// arriving after its label, a repeated label of a (duplicate) and a second, different label of a.
    /// </summary>
    private static async Task<List<AppendOutcome>> AppendScenarioAsync(EventWriter writer, string prefix)
    {
        string Id(string key) => $"{prefix}-{key}";
        var outcomes = new List<AppendOutcome>();
        async Task AppendAsync(ItemOrigin origin, params ValidItem[] items) =>
            outcomes.AddRange((await writer.AppendAllAsync(items, origin, CancellationToken.None)).Select(r => r.Outcome));

        await AppendAsync(Amqp,
            Item(EventKind.Inference, Samples.Inference(Id("a"))), Item(EventKind.Inference, Samples.Inference(Id("b"), score: 0.2)),
            Item(EventKind.Inference, Samples.Inference(Id("c"))));
        await AppendAsync(Amqp,
            Item(EventKind.GroundTruth, Samples.GroundTruth(Id("a"), "pneumothorax")),
            Item(EventKind.GroundTruth, Samples.GroundTruth(Id("b"))),
            Item(EventKind.ReaderFeedback, Samples.Feedback(Id("b"), "overrode")),
            Item(EventKind.ReaderFeedback, Samples.Feedback(Id("d"))),
            Item(EventKind.GroundTruth, Samples.GroundTruth(Id("e"), "effusion", "pneumothorax")),
            Item(EventKind.ReaderFeedback, Samples.Feedback(Id("e"), "not-reviewed")));
        await AppendAsync(Anonymous,
            Item(EventKind.ReaderFeedback, Samples.Feedback(Id("a"))),
            Item(EventKind.Inference, Samples.Inference(Id("d"))),
            Item(EventKind.GroundTruth, Samples.GroundTruth(Id("a"), "pneumothorax")),
            Item(EventKind.GroundTruth, Samples.GroundTruth(Id("a"), "effusion")));
        return outcomes;
    }

    private async Task AppendWithMartenAsync(string stream, ValidItem item)
    {
        await using var session = fixture.Store.LightweightSession();
        session.Events.Append(stream, item.Event);
        await session.SaveChangesAsync();
    }

    private static ValidItem Item(EventKind kind, JsonObject json)
    {
        var errors = new List<ValidationError>();
        using var document = JsonDocument.Parse(json.ToJsonString());
        var item = ContractValidator.Validate(kind, document.RootElement, 0, "$", DateTimeOffset.UtcNow, errors);
        Assert.Empty(errors);
        return item!;
    }

    /// <summary>Every column of the prefix's events but seq_id, id and timestamp, with the prefix cut from keys and bodies.</summary>
    private async Task<List<string>> EventRowsAsync(string prefix, string? schema = null) => await QueryAsync(prefix,
        $"""
         select stream_id, version, type, mt_dotnet_type, data::text, bdata is null, headers::text, correlation_id, causation_id,
                tenant_id, is_archived, timestamp is not null and timestamp > now() - interval '1 hour'
         from "{schema ?? fixture.Schema}".mt_events where stream_id like @prefix || '%' order by stream_id, version
         """);

    /// <summary>Every column of the prefix's streams but the timestamps, which must be set.</summary>
    private async Task<List<string>> StreamRowsAsync(string prefix, string? schema = null) => await QueryAsync(prefix,
        $"""
         select id, type, version, tenant_id, is_archived, compacted_version
         from "{schema ?? fixture.Schema}".mt_streams where id like @prefix || '%' and timestamp >= created order by id
         """);

    private async Task<List<string>> QueryAsync(string prefix, string sql)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
            rows.Add(string.Join("|", values).Replace(prefix, "", StringComparison.Ordinal));
        }

        return rows;
    }

    private async Task<List<long>> SeqIdsAsync(string prefix, (string Key, long Version)[] events)
    {
        var seqs = new List<long>();
        foreach (var (key, version) in events)
        {
            await using var command = fixture.DataSource.CreateCommand($"select seq_id from \"{fixture.Schema}\".mt_events where stream_id = @id and version = @version");
            command.Parameters.AddWithValue("id", $"{prefix}-{key}");
            command.Parameters.AddWithValue("version", version);
            seqs.Add((long)(await command.ExecuteScalarAsync())!);
        }

        return seqs;
    }

    /// <summary>What a Marten reader sees of one stream, with the prefix cut out.</summary>
    private static async Task<List<string>> FetchedAsync(IDocumentStore store, string prefix, string key)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync($"{prefix}-{key}");
        Assert.NotEmpty(events);
        return events.Select(e => string.Join("|",
                e.StreamKey, e.Version, e.EventTypeName, e.DotNetTypeName, e.EventType.FullName, JsonSerializer.Serialize(e.Data, e.EventType),
                JsonSerializer.Serialize(e.Headers), e.CorrelationId, e.CausationId, e.TenantId, e.IsArchived, e.Timestamp > DateTimeOffset.UtcNow.AddHours(-1))
            .Replace(prefix, "", StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>A 16-letter id: Ingest refuses short or mostly-digit inference ids (rule opaque-inference-id).</summary>
    private static string OpaqueId(char lead) =>
        lead + string.Concat(Guid.NewGuid().ToByteArray().Take(15).Select(b => (char)('a' + b % 26)));
}
