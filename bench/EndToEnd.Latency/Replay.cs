using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Monitoring.EndToEnd.Latency;

/// <summary>
/// Background load: the simulator's traffic generated beforehand into NDJSON files (its file sink), then replayed to
/// the Ingest's NDJSON endpoints at a fixed rate. Generating beforehand keeps the load generator's own CPU (scenario
/// sampling, JSON serialization) off the two cores the system under test runs on; the replay only reads lines and
/// POSTs them. The three files are merged back into event-time order (inferences by <c>occurredAt</c>, ground truth and
/// feedback by <c>recordedAt</c>) and batched per endpoint the way the simulator's HTTP sink batches: up to
/// <c>batch</c> events per request, inferences flushed before the truth or feedback that may refer to them.
/// </summary>
internal sealed class Replay(string directory, string ingestUrl, int rate, int batch, int concurrency)
{
    private readonly HttpClient http = CreateClient(ingestUrl);
    private long sent;
    private long requests;
    private long retries;

    public long Sent => Interlocked.Read(ref sent);
    public long Requests => Interlocked.Read(ref requests);
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>True when the files ran out before the run was stopped.</summary>
    public bool Exhausted { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var slots = new SemaphoreSlim(concurrency);
        var inFlight = new List<Task>();
        var buffers = new Dictionary<string, StringBuilder>
        {
            ["v1/inferences"] = new(), ["v1/ground-truth"] = new(), ["v1/reader-feedback"] = new(),
        };
        var counts = buffers.Keys.ToDictionary(k => k, _ => 0);
        var clock = Stopwatch.StartNew();
        long queued = 0;

        async Task Flush(string path)
        {
            if (counts[path] == 0) return;
            var body = Encoding.UTF8.GetBytes(buffers[path].ToString());
            var n = counts[path];
            buffers[path].Clear();
            counts[path] = 0;

            // Pace: the events of this request may leave once the schedule has reached them.
            queued += n;
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(queued / (double)rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, ct);
            }

            await slots.WaitAsync(ct);
            inFlight.RemoveAll(t => t.IsCompleted);
            inFlight.Add(SendAsync(path, body, n, slots, ct));
        }

        try
        {
            foreach (var (path, line) in Merged())
            {
                buffers[path].Append(line).Append('\n');
                if (++counts[path] < batch) continue;
                if (path != "v1/inferences") await Flush("v1/inferences");
                await Flush(path);
            }

            foreach (var path in buffers.Keys) await Flush(path);
            Exhausted = true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await Task.WhenAll(inFlight.Where(t => !t.IsCompleted)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task SendAsync(string path, byte[] body, int events, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                Interlocked.Increment(ref requests);
                using var response = await http.PostAsync(path, content, ct);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref sent, events);
                    return;
                }

                // Back-pressure (429 rate limit, 503 broker busy): wait and resend, as a producer does.
                if ((int)response.StatusCode is 429 or 503 && attempt < 100)
                {
                    Interlocked.Increment(ref retries);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 * attempt)), ct);
                    continue;
                }

                throw new InvalidOperationException($"Ingest refused a background batch on {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>The three files merged by event time; each file is already in its own time order.</summary>
    private IEnumerable<(string Path, string Line)> Merged()
    {
        var sources = new (string Path, string File, string Field)[]
        {
            ("v1/inferences", "inferences.ndjson", "\"occurredAt\":\""),
            ("v1/ground-truth", "ground-truth.ndjson", "\"recordedAt\":\""),
            ("v1/reader-feedback", "reader-feedback.ndjson", "\"recordedAt\":\""),
        };
        var readers = sources.Select(s => File.Exists(Path.Combine(directory, s.File)) ? new StreamReader(Path.Combine(directory, s.File)) : null).ToArray();
        var heads = new (string Line, DateTimeOffset At)?[readers.Length];
        try
        {
            void Advance(int i)
            {
                var line = readers[i]?.ReadLine();
                heads[i] = line is null ? null : (line, TimeOf(line, sources[i].Field));
            }

            for (var i = 0; i < readers.Length; i++) Advance(i);
            while (true)
            {
                var next = -1;
                for (var i = 0; i < heads.Length; i++)
                {
                    if (heads[i] is { } h && (next < 0 || h.At < heads[next]!.Value.At)) next = i;
                }

                if (next < 0) yield break;
                yield return (sources[next].Path, heads[next]!.Value.Line);
                Advance(next);
            }
        }
        finally
        {
            foreach (var r in readers) r?.Dispose();
        }
    }

    private static DateTimeOffset TimeOf(string line, string field)
    {
        var i = line.IndexOf(field, StringComparison.Ordinal);
        if (i < 0) throw new FormatException($"no {field} in a simulator line: {line[..Math.Min(120, line.Length)]}");
        i += field.Length;
        return DateTimeOffset.Parse(line.AsSpan(i, line.IndexOf('"', i) - i), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static HttpClient CreateClient(string baseUrl)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-producer-key");
        return client;
    }
}
