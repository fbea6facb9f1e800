using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>
/// What the validator promises about memory, counted in bytes allocated on this thread (deterministic, not timed): checking a
/// short property name allocates nothing, and hashing an item reuses this thread's buffer and writer. Ingest validates every
/// property of every item on the request path, so a change that allocated per name or per item would cost throughput without
/// changing any answer. Each measurement follows a warm-up call on the same thread (first-call caches, the thread's buffer).
/// </summary>
public sealed class AllocationTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static long Allocated(Action action)
    {
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("patientName")]
    [InlineData("modelVersion")]
    public void GivenAShortName_WhenCheckedAsASpan_ThenNothingIsAllocated(string name)
    {
        var verdict = PrivacyGuard.IsForbiddenName(name.AsSpan());

        Assert.Equal(0, Allocated(() => PrivacyGuard.IsForbiddenName(name.AsSpan())));
        Assert.Equal(name == "patientName", verdict);
    }

    [Fact]
    public void GivenANameOfExactlyTheInPlaceLimit_WhenChecked_ThenItIsStillCheckedWithoutAllocating()
    {
        var name = new string('a', PropertyNames.MaxInPlace);
        using var document = JsonDocument.Parse($$"""{"{{name}}":1}""");
        var property = document.RootElement.EnumerateObject().First();

        Assert.Equal(0, Allocated(() => PrivacyGuard.IsForbiddenName(name.AsSpan())));
        Assert.Equal(0, Allocated(() => PrivacyGuard.IsForbiddenName(property)));
        Assert.False(PrivacyGuard.IsForbiddenName(property));
    }

    [Fact]
    public void GivenAnItemsProperties_WhenEachNameIsChecked_ThenNothingIsAllocated()
    {
        using var document = JsonDocument.Parse("""{"inferenceId":"x","patient_name":"y","Occurred-At":"z"}""");
        var properties = document.RootElement.EnumerateObject().ToArray();
        var verdicts = new bool[properties.Length];

        var bytes = Allocated(() =>
        {
            for (var i = 0; i < properties.Length; i++) verdicts[i] = PrivacyGuard.IsForbiddenName(properties[i]);
        });

        Assert.Equal(0, bytes);
        Assert.Equal([false, true, false], verdicts);
    }

    [Fact]
    public void GivenAValidatedItem_WhenItsRecordIsHashedAgainOnTheSameThread_ThenOnlyTheHexDigestIsAllocated()
    {
        var errors = new List<ValidationError>();
        using var document = JsonDocument.Parse(Samples.Inference("inf-00000000-0000-4000-8000-000000000001").ToJsonString());
        var item = ContractValidator.Validate(EventKind.Inference, document.RootElement, 0, "$", Now, errors);
        Assert.Empty(errors);
        var record = item!.Event;

        string? hash = null;
        var bytes = Allocated(() => hash = ContractValidator.Hash(record));

        // The same work with a buffer and writer made once here: what serializing and the hex digest allocate by themselves.
        var buffer = new ArrayBufferWriter<byte>(4096);
        var writer = new Utf8JsonWriter(buffer);
        var digest = new byte[SHA256.HashSizeInBytes];
        var alone = Allocated(() =>
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            JsonSerializer.Serialize(writer, record, record.GetType(), ContractValidator.CanonicalJson);
            SHA256.HashData(buffer.WrittenSpan, digest);
            _ = Convert.ToHexStringLower(digest);
        });
        var freshWriter = Allocated(() => _ = new Utf8JsonWriter(buffer));

        Assert.Equal(item.ContentHash, hash);
        Assert.Equal(item.ContentHash, Convert.ToHexStringLower(digest));
        // Nothing beyond that: a fresh writer (freshWriter bytes) or buffer (4 KiB) per item would show here.
        Assert.True(freshWriter > 64, $"a writer takes {freshWriter} bytes");
        Assert.InRange(bytes, alone - 32, alone + 32);
    }
}
