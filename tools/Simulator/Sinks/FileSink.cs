using System.Text.Json;
using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Sinks;

/// <summary>
/// Writes NDJSON files into a directory: <c>inferences.ndjson</c>, <c>ground-truth.ndjson</c>,
/// <c>reader-feedback.ndjson</c> — each directly postable to the Ingest's NDJSON endpoints.
/// </summary>
public sealed class FileSink : IEventSink
{
    /// <summary>File names, by kind.</summary>
    public const string InferencesFile = "inferences.ndjson", GroundTruthFile = "ground-truth.ndjson", ReaderFeedbackFile = "reader-feedback.ndjson";

    private readonly Stream[] _streams;
    private readonly Utf8JsonWriter[] _writers;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Creates (or truncates) the three files in <paramref name="directory"/>.</summary>
    public FileSink(string directory)
    {
        Directory.CreateDirectory(directory);
        _streams =
        [
            Open(Path.Combine(directory, InferencesFile)),
            Open(Path.Combine(directory, ReaderFeedbackFile)),
            Open(Path.Combine(directory, GroundTruthFile)),
        ];
        _writers = _streams.Select(s => new Utf8JsonWriter(s)).ToArray();
    }

    private static FileStream Open(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);

    /// <inheritdoc />
    public ValueTask WriteAsync(SimulatedEvent e, CancellationToken cancellationToken)
    {
        var index = (int)e.Kind;
        var writer = _writers[index];
        switch (e)
        {
            case InferenceEvent i:
                JsonSerializer.Serialize(writer, i.Message, WireFormat.Options);
                break;
            case GroundTruthEvent g:
                JsonSerializer.Serialize(writer, g.Message, WireFormat.Options);
                break;
            case ReaderFeedbackEvent f:
                JsonSerializer.Serialize(writer, f.Message, WireFormat.Options);
                break;
        }

        writer.Flush();
        writer.Reset();
        _streams[index].Write(NewLine);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _streams)
        {
            await s.FlushAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var w in _writers)
        {
            await w.DisposeAsync();
        }

        foreach (var s in _streams)
        {
            await s.DisposeAsync();
        }
    }
}
