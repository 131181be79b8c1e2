using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc.Tests.Protocol;

public sealed class MetadataTests
{
    [Fact]
    public void Normalizes_keys_to_lowercase()
    {
        var metadata = new Metadata { { "X-Lakekeeper-Principal", "alice" } };
        Assert.Equal("x-lakekeeper-principal", metadata[0].Key);
        Assert.Equal("alice", metadata.GetValue("x-lakekeeper-principal"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("grpc-status")]
    [InlineData("grpc-custom")]
    [InlineData("")]
    public void Rejects_invalid_or_reserved_keys(string key) =>
        Assert.ThrowsAny<ArgumentException>(() => new Metadata().Add(key, "v"));

    [Fact]
    public void Binary_keys_take_bytes_and_ascii_keys_take_text()
    {
        var metadata = new Metadata();
        Assert.Throws<ArgumentException>(() => metadata.Add("trace-bin", "text"));
        Assert.Throws<ArgumentException>(() => metadata.Add("trace", [1, 2]));
        Assert.Throws<ArgumentException>(() => metadata.Add("note", "tab\tis not printable"));
        metadata.Add("trace-bin", [1, 2]);
        Assert.Equal([1, 2], metadata.GetValueBytes("trace-bin"));
    }

    [Theory]
    [InlineData(new byte[] { }, "")]
    [InlineData(new byte[] { 0xFF }, "/w")]
    [InlineData(new byte[] { 0, 1 }, "AAE")]
    [InlineData(new byte[] { 0, 1, 2 }, "AAEC")]
    public void Binary_values_are_sent_unpadded(byte[] value, string expected) =>
        Assert.Equal(expected, MetadataWire.EncodeBinary(value));

    [Theory]
    [InlineData("/w")]
    [InlineData("/w==")]
    public void Binary_values_are_read_padded_or_not(string wire)
    {
        Assert.True(MetadataWire.TryDecodeBinary(wire, out var bytes));
        Assert.Equal([0xFF], bytes);
    }

    [Fact]
    public void Joined_binary_values_are_split_before_decoding()
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary { ["trace-bin"] = "AAE,/w==", ["grpc-timeout"] = "1S", ["te"] = "trailers" };
        var metadata = MetadataWire.FromRequestHeaders(headers);
        Assert.Equal(2, metadata.Count);
        Assert.Equal([0, 1], metadata[0].ValueBytes);
        Assert.Equal([0xFF], metadata[1].ValueBytes);
    }
}
