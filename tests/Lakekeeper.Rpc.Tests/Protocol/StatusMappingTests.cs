using System.Net;
using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc.Tests.Protocol;

public sealed class StatusMappingTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(415, StatusCode.Unknown)]
    [InlineData(101, StatusCode.Internal)]
    public void Maps_http_status_without_grpc_status(int http, StatusCode expected) =>
        Assert.Equal(expected, StatusMapping.FromHttpStatus((HttpStatusCode)http));

    [Theory]
    [InlineData(0x0, StatusCode.Internal)]
    [InlineData(0x1, StatusCode.Internal)]
    [InlineData(0x2, StatusCode.Internal)]
    [InlineData(0x7, StatusCode.Unavailable)]
    [InlineData(0x8, StatusCode.Cancelled)]
    [InlineData(0xB, StatusCode.ResourceExhausted)]
    [InlineData(0xC, StatusCode.PermissionDenied)]
    public void Maps_http2_reset_codes(long error, StatusCode expected) =>
        Assert.Equal(expected, StatusMapping.FromHttp2Error(error));

    [Fact]
    public void Transport_failures_without_a_reset_are_unavailable() =>
        Assert.Equal(StatusCode.Unavailable, StatusMapping.FromTransportFailure(new HttpRequestException("refused")).StatusCode);

    [Fact]
    public void Status_codes_have_their_wire_numbers()
    {
        Assert.Equal(17, Enum.GetValues<StatusCode>().Length);
        Assert.Equal(0, (int)StatusCode.OK);
        Assert.Equal(4, (int)StatusCode.DeadlineExceeded);
        Assert.Equal(8, (int)StatusCode.ResourceExhausted);
        Assert.Equal(12, (int)StatusCode.Unimplemented);
        Assert.Equal(14, (int)StatusCode.Unavailable);
        Assert.Equal(16, (int)StatusCode.Unauthenticated);
        foreach (var code in Enum.GetValues<StatusCode>())
        {
            Assert.Equal(((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture), GrpcProtocol.ToWire(code));
        }
    }

    [Theory]
    [InlineData("0", true, StatusCode.OK)]
    [InlineData("7", true, StatusCode.PermissionDenied)]
    [InlineData("16", true, StatusCode.Unauthenticated)]
    [InlineData("", false, StatusCode.Unknown)]
    [InlineData("x", false, StatusCode.Unknown)]
    [InlineData("-1", false, StatusCode.Unknown)]
    public void Parses_grpc_status(string value, bool ok, StatusCode expected)
    {
        Assert.Equal(ok, GrpcProtocol.TryParseStatus(value, out var code));
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/GRPC+Proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+proto;x=y", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Accepts_grpc_content_types(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
