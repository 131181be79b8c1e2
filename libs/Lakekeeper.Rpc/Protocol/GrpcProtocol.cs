namespace Lakekeeper.Rpc.Protocol;

/// <summary>Header names and values of the gRPC over HTTP/2 protocol (gRPC <c>doc/PROTOCOL-HTTP2.md</c>).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string IdentityEncoding = "identity";

    /// <summary>Length-prefixed message header: 1 byte compressed flag + 4 bytes big-endian length.</summary>
    public const int FrameHeaderLength = 5;

    /// <summary>Default largest message a peer may send us (gRPC's usual default).</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    private static readonly string[] StatusStrings = [.. Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The decimal wire form of a status code without allocating for the standard codes.</summary>
    public static string ToWire(StatusCode code) =>
        (uint)code < (uint)StatusStrings.Length ? StatusStrings[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>application/grpc</c>, optionally followed by <c>+proto</c> (or another suffix, which we
    /// reject unless it is <c>proto</c>) and parameters.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.IsEmpty || rest[0] == ';')
        {
            return true;
        }

        if (rest[0] != '+')
        {
            return false;
        }

        var end = rest.IndexOf(';');
        var suffix = (end < 0 ? rest[1..] : rest[1..end]).Trim();
        return suffix.Equals("proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses <c>grpc-status</c>: a decimal number without leading zeros.</summary>
    public static bool TryParseStatus(ReadOnlySpan<char> value, out StatusCode code)
    {
        code = StatusCode.Unknown;
        if (value.IsEmpty || value.Length > 9)
        {
            return false;
        }

        var number = 0;
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        code = (StatusCode)number;
        return true;
    }
}
