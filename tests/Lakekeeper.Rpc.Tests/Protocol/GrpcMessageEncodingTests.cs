using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc.Tests.Protocol;

public sealed class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("plain ASCII, with spaces ~!", "plain ASCII, with spaces ~!")]
    [InlineData("100%", "100%25")]
    [InlineData("nö", "n%C3%B6")]
    [InlineData("line\nbreak\ttab", "line%0Abreak%09tab")]
    [InlineData("€", "%E2%82%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("", "")]
    public void Encodes_per_the_spec(string message, string expected) =>
        Assert.Equal(expected, GrpcMessageEncoding.Encode(message));

    [Theory]
    [InlineData("nö – denied 100%\r\n")]
    [InlineData("名前 \u0001 😀 %41")]
    public void Round_trips(string message) =>
        Assert.Equal(message, GrpcMessageEncoding.Decode(GrpcMessageEncoding.Encode(message)));

    [Fact]
    public void Decodes_lowercase_hex() => Assert.Equal("nö", GrpcMessageEncoding.Decode("n%c3%b6"));

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    [InlineData("a%2", "a%2")]
    public void Keeps_broken_escapes_instead_of_failing(string value, string expected) =>
        Assert.Equal(expected, GrpcMessageEncoding.Decode(value));

    [Fact]
    public void Replaces_invalid_utf8_instead_of_failing() =>
        Assert.Equal("a\uFFFDb", GrpcMessageEncoding.Decode("a%FFb"));

    [Fact]
    public void Keeps_raw_non_ascii_a_lenient_peer_sent() =>
        Assert.Equal("grüße", GrpcMessageEncoding.Decode("gr%C3%BC\u00dfe"));
}
