using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Rpc.Protocol;

/// <summary>Metadata to and from HTTP headers: <c>-bin</c> values are base64 (sent unpadded, read either way).</summary>
internal static class MetadataWire
{
    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    public static bool TryDecodeBinary(string value, out byte[] bytes)
    {
        var text = value.Trim();
        var padding = (4 - (text.Length % 4)) % 4;
        if (padding == 3)
        {
            bytes = [];
            return false;
        }

        if (padding > 0)
        {
            text += new string('=', padding);
        }

        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    /// <summary>Whether a header belongs to the call definition rather than to the application.</summary>
    public static bool IsProtocolHeader(string name) =>
        name.StartsWith(':')
        || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals(GrpcProtocol.TeHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase);

    /// <summary>Request headers as the handler's metadata (server side).</summary>
    public static Metadata FromRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (IsProtocolHeader(name))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            foreach (var value in values)
            {
                if (value is not null)
                {
                    AddReceived(metadata, key, value);
                }
            }
        }

        return metadata;
    }

    /// <summary>Custom entries of response headers or trailers (client side).</summary>
    public static void AddFromResponse(Metadata metadata, HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (IsProtocolHeader(name) || name.Equals("date", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            foreach (var value in values)
            {
                AddReceived(metadata, key, value);
            }
        }
    }

    /// <summary>Writes metadata into request headers (client side).</summary>
    public static void WriteTo(Metadata metadata, HttpHeaders headers)
    {
        foreach (var entry in metadata)
        {
            headers.TryAddWithoutValidation(entry.Key, entry.ValueBytes is { } bytes ? EncodeBinary(bytes) : entry.Value);
        }
    }

    /// <summary>Writes metadata into response headers or trailers (server side).</summary>
    public static void WriteTo(Metadata metadata, IHeaderDictionary headers)
    {
        foreach (var entry in metadata)
        {
            var value = entry.ValueBytes is { } bytes ? EncodeBinary(bytes) : entry.Value!;
            headers.Append(entry.Key, value);
        }
    }

    private static void AddReceived(Metadata metadata, string key, string value)
    {
        if (!Metadata.IsBinaryKey(key))
        {
            metadata.AddReceived(key, value);
            return;
        }

        // Duplicate binary headers may arrive joined with ","; split before decoding.
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryDecodeBinary(part, out var bytes))
            {
                metadata.AddReceived(key, bytes);
            }
        }
    }
}
