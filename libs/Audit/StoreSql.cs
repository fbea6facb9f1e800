using Npgsql;

namespace Monitoring.Audit;

/// <summary>
/// SQL over one Marten event store (<c>&lt;schema&gt;.mt_events</c>) and its chain table (<c>&lt;schema&gt;.audit_chain_page</c>, see <see cref="ChainTable"/>).
/// The follower, the verifier and the export read events with the same statement, so they hash the same bytes.
/// </summary>
public sealed class StoreSql
{
    /// <summary>Columns every Marten 9 event table has; every other column is metadata (correlation, causation, headers,
    /// user name...) except <c>is_archived</c>, a flag Marten itself updates in place when a stream is archived.</summary>
    private static readonly string[] Core = ["seq_id", "id", "stream_id", "version", "data", "type", "timestamp", "tenant_id", "mt_dotnet_type", "is_archived"];

    private StoreSql(string schema, IReadOnlyList<(string Name, string Type)> metadataColumns)
    {
        Schema = schema;
        MetadataColumns = metadataColumns.Select(c => c.Name).ToList();
        // Nulls are left out of the metadata object, so enabling a metadata column later does not change older rows' bytes.
        var meta = metadataColumns.Count == 0
            ? "'{}'"
            : "jsonb_strip_nulls(jsonb_build_object(" + string.Join(", ", metadataColumns.Select(c => $"'{c.Name}', e.\"{c.Name}\"")) + "))::text";
        EventColumns = $"e.seq_id, e.id, e.stream_id::text, e.type, e.version, e.timestamp, e.tenant_id, e.mt_dotnet_type, e.data::text, {meta}";
        MetadataText = FastMeta(metadataColumns, meta);
        ChainColumns = $"e.seq_id, e.id, e.stream_id::text, e.type, e.version, e.timestamp, e.tenant_id, e.mt_dotnet_type, {DataHash}, sha256(convert_to({MetadataText}, 'UTF8'))";
    }

    /// <summary>
    /// <see cref="Redaction.DataHash(ReadOnlySpan{byte}, Span{byte})"/> in SQL: the hash a body stands for, computed where the body
    /// is. A redaction marker's text is exactly <c>{"$redacted": "&lt;64 hex digits&gt;"}</c>, so only a body with a top-level
    /// <c>$redacted</c> key (checked on the jsonb, without rendering it) is rendered more than once; every other body is rendered
    /// once and hashed by PostgreSQL's <c>sha256</c>. Hashing there rather than in the follower saves carrying each body to the
    /// follower and back through its buffers (about a third of the chain's cost per event, bench/Audit chain-cost); the verifier
    /// and the export still hash the bodies themselves, so this expression is checked by every verify.
    /// </summary>
    private const string DataHash =
        """case when e.data ? '$redacted' and e.data::text ~ '^\{"\$redacted": "[0-9a-fA-F]{64}"\}$' then decode(substr(e.data::text, 16, 64), 'hex') else sha256(convert_to(e.data::text, 'UTF8')) end""";

    /// <summary>
    /// The same text as <paramref name="meta"/>, built more cheaply for the usual row (only text columns such as the correlation
    /// id set): jsonb prints an object's keys sorted by length and then bytes, as <c>{"key": value, ...}</c>, and escapes a string
    /// value with the same function as <c>to_json(text)</c>, so concatenating the non-null text values in that key order gives
    /// identical bytes without building a jsonb per row (about 1 µs of PostgreSQL CPU per event). Rows with any other metadata
    /// set take the general expression. The verifier and the export keep the general expression, so every verify re-checks this one.
    /// </summary>
    private static string FastMeta(IReadOnlyList<(string Name, string Type)> columns, string meta)
    {
        var text = columns.Where(c => c.Type is "character varying" or "text").ToList();
        if (text.Count == 0 || columns.Any(c => !c.Name.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))) return meta;
        var others = columns.Except(text).Select(c => $"e.\"{c.Name}\" is null").DefaultIfEmpty("true");
        var pairs = text.OrderBy(c => c.Name.Length).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => $"case when e.\"{c.Name}\" is not null then '\"{c.Name}\": ' || to_json(e.\"{c.Name}\"::text)::text end");
        return $"case when {string.Join(" and ", others)} then '{{' || concat_ws(', ', {string.Join(", ", pairs)}) || '}}' else {meta} end";
    }

    /// <summary>Schema of the store.</summary>
    public string Schema { get; }

    /// <summary>Metadata columns found on the event table (sorted).</summary>
    public IReadOnlyList<string> MetadataColumns { get; }

    /// <summary>The select list that <see cref="ReadEvent"/> reads (10 columns, table alias <c>e</c>).</summary>
    public string EventColumns { get; }

    /// <summary>
    /// The follower's select list: <see cref="EventColumns"/> with the body and the metadata replaced by their hashes
    /// (<c>bytea</c>, 32 bytes each): the SHA-256 of the UTF-8 of the same text that <see cref="EventColumns"/> reads (or a
    /// redaction marker's recorded hash), so the follower, the verifier and the export hash the same bytes.
    /// </summary>
    public string ChainColumns { get; }

    /// <summary>The metadata object's text for the usual row, built without a jsonb (see <see cref="FastMeta"/>); table alias <c>e</c>.</summary>
    public string MetadataText { get; }

    /// <summary>The event table, quoted.</summary>
    public string Events => $"\"{Schema}\".mt_events";

    /// <summary>The chain's page table, quoted (see <see cref="ChainTable"/>).</summary>
    public string ChainPages => ChainPagesOf(Schema);

    /// <summary>The view that unpacks the pages into one row per sequence number (for SQL readers; see <see cref="ChainTable"/>).</summary>
    public string ChainView => $"\"{Schema}\".audit_chain";

    /// <summary>
    /// The chained events of <paramref name="schema"/>, as a subquery to use in place of its event table (<c>from {...} e</c>).
    /// The follower chains every sequence number in order, so those are the ones up to the last page's end.
    /// </summary>
    public static string ChainedEvents(string schema) =>
        $"(select * from \"{schema}\".mt_events c where c.seq_id <= (select last_seq from {ChainPagesOf(schema)} order by first_seq desc limit 1))";

    private static string ChainPagesOf(string schema) => $"\"{schema}\".audit_chain_page";

    /// <summary>Discovers the event table's metadata columns; null while the table does not exist yet.</summary>
    public static async Task<StoreSql?> TryLoadAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select column_name, data_type from information_schema.columns where table_schema = @s and table_name = 'mt_events' order by column_name", conn);
        cmd.Parameters.AddWithValue("s", schema);
        var columns = new List<(string Name, string Type)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns.Count == 0 ? null : new StoreSql(schema, columns.Where(c => !Core.Contains(c.Name)).ToList());
    }

    /// <summary>Creates the chain's page table and view if missing (and moves a chain of the earlier per-event format into pages).</summary>
    public string CreateChainTable => ChainTable.Create(this);

    /// <summary>Reads the current row of a reader positioned on <see cref="EventColumns"/>.</summary>
    public static EventRecord ReadEvent(NpgsqlDataReader r, int offset = 0) => new(
        r.GetInt64(offset), r.GetGuid(offset + 1), r.GetString(offset + 2), r.GetString(offset + 3), r.GetInt64(offset + 4),
        r.GetDateTime(offset + 5), r.GetString(offset + 6), r.IsDBNull(offset + 7) ? null : r.GetString(offset + 7),
        r.GetString(offset + 8), r.GetString(offset + 9));
}
