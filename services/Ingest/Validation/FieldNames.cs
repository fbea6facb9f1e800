namespace Monitoring.Ingest.Validation;

/// <summary>The property names a closed contract object allows; looked up without allocating a string per property.</summary>
internal sealed class FieldNames
{
    private readonly HashSet<string> names;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public FieldNames(params string[] names)
    {
        this.names = new HashSet<string>(names, StringComparer.Ordinal);
        lookup = this.names.GetAlternateLookup<ReadOnlySpan<char>>();
        Listed = string.Join(", ", this.names.Order(StringComparer.Ordinal));
    }

    /// <summary>The names in ordinal order, comma separated, for an "unknown property" message.</summary>
    public string Listed { get; }

    public bool Contains(string name) => names.Contains(name);

    public bool Contains(ReadOnlySpan<char> name) => lookup.Contains(name);
}
