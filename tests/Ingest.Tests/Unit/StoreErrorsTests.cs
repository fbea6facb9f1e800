using Monitoring.Ingest.Storage;
using Npgsql;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>Which store failures are retried and which isolate one item for the error queue.</summary>
public sealed class StoreErrorsTests
{
    [Theory]
    [InlineData("22P05", StoreErrorClass.Permanent)] // unsupported Unicode escape (\u0000 in jsonb)
    [InlineData("22021", StoreErrorClass.Permanent)] // character not in repertoire
    [InlineData("22003", StoreErrorClass.Permanent)] // numeric value out of range
    [InlineData("23502", StoreErrorClass.Permanent)] // not-null violation
    [InlineData("23514", StoreErrorClass.Permanent)] // check violation
    [InlineData("23505", StoreErrorClass.Transient)] // the stream-version race between writers: re-checked and retried
    [InlineData("57P01", StoreErrorClass.Transient)] // admin shutdown (restart, failover)
    [InlineData("57P03", StoreErrorClass.Transient)] // cannot connect now (starting up)
    [InlineData("08006", StoreErrorClass.Transient)] // connection failure
    [InlineData("40001", StoreErrorClass.Transient)] // serialization failure
    [InlineData("40P01", StoreErrorClass.Transient)] // deadlock
    [InlineData("53100", StoreErrorClass.Transient)] // disk full
    [InlineData("42P01", StoreErrorClass.Transient)] // undefined table: configuration, not this item's data
    public void PostgresErrorsAreClassifiedBySqlState(string sqlState, StoreErrorClass expected)
    {
        var error = new PostgresException("message", "ERROR", "ERROR", sqlState);

        Assert.Equal((expected, sqlState), StoreErrors.Classify(error));
        Assert.Equal(expected, StoreErrors.Classify(new InvalidOperationException("wrapped", error)).Class); // Marten wraps them
    }

    [Fact]
    public void ConnectionFailuresAreTransient()
    {
        Assert.Equal((StoreErrorClass.Transient, "connection"), StoreErrors.Classify(new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111))));
        Assert.Equal((StoreErrorClass.Transient, "connection"), StoreErrors.Classify(new IOException("Unable to read data from the transport connection")));
        Assert.Equal(StoreErrorClass.Transient, StoreErrors.Classify(new InvalidOperationException("something unknown")).Class);
    }

    [Fact]
    public void AValueTheSerializerCannotWriteIsPermanent()
    {
        Exception thrown;
        try
        {
            System.Text.Json.JsonSerializer.Serialize(double.PositiveInfinity);
            throw new InvalidOperationException("expected the serializer to refuse infinity");
        }
        catch (ArgumentException e)
        {
            thrown = e;
        }

        Assert.Equal((StoreErrorClass.Permanent, "unserializable"), StoreErrors.Classify(thrown));
    }
}
