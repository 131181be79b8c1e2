using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// <c>LoadTableResult</c>/<c>LoadViewResult</c> bodies. The stored metadata document is spliced in
/// as it is (no re-serialisation): the response is a small prefix, the document, a small suffix.
/// </summary>
internal static class LoadResults
{
    /// <summary>The whole body in one array (for responses that are also stored for idempotency).</summary>
    public static byte[] Body(
        string? metadataLocation, ReadOnlySpan<byte> metadata, IReadOnlyDictionary<string, string>? config, bool storageCredentials,
        Delegation.DelegatedAccess? access = null)
    {
        var (prefix, suffix) = Frame(metadataLocation, config, storageCredentials, access);
        var body = new byte[prefix.Length + metadata.Length + suffix.Length];
        prefix.CopyTo(body, 0);
        metadata.CopyTo(body.AsSpan(prefix.Length));
        suffix.CopyTo(body, prefix.Length + metadata.Length);
        return body;
    }

    /// <summary>
    /// The parts around the metadata document. With <paramref name="access"/>, its config replaces
    /// <paramref name="config"/>, its credential is the one <c>storage-credentials</c> entry, and
    /// remote signing adds <c>remote-signing-config</c>.
    /// </summary>
    public static (byte[] Prefix, byte[] Suffix) Frame(
        string? metadataLocation, IReadOnlyDictionary<string, string>? config, bool storageCredentials, Delegation.DelegatedAccess? access = null)
    {
        if (access is not null)
        {
            config = access.Config;
        }

        var prefix = ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            if (metadataLocation is null)
            {
                w.WriteNull("metadata-location");
            }
            else
            {
                w.WriteString("metadata-location", metadataLocation);
            }

            w.WritePropertyName("metadata");
            w.WriteRawValue("0", skipInputValidation: true);
        });
        // Cut the placeholder value off: the prefix ends with "metadata":
        prefix = prefix[..^1];
        var suffix = ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            if (config is not null)
            {
                w.WriteStringMap("config", config);
            }

            if (storageCredentials)
            {
                w.WriteStartArray("storage-credentials");
                if (access?.Credential is { } credential)
                {
                    WriteCredential(w, credential);
                }

                w.WriteEndArray();
            }

            if (access is { RemoteSigningConfig: true })
            {
                w.WriteStartObject("remote-signing-config");
                w.WriteEndObject();
            }

            w.WriteEndObject();
        });
        // "{…}" becomes ",…}" (or "}" when empty) so it continues the outer object.
        var tail = suffix.Length == 2 ? "}"u8.ToArray() : [(byte)',', .. suffix.AsSpan(1)];
        return (prefix, tail);
    }

    /// <summary><c>{"prefix": location, "config": {…}}</c>, a <c>StorageCredential</c> of the spec.</summary>
    public static void WriteCredential(System.Text.Json.Utf8JsonWriter w, Delegation.StorageCredentialEntry credential)
    {
        w.WriteStartObject();
        w.WriteString("prefix", credential.Prefix);
        w.WriteStringMap("config", credential.Config);
        w.WriteEndObject();
    }
}

/// <summary>A load response written in three parts, so the metadata document is not copied.</summary>
internal sealed class LoadResult(byte[] prefix, ReadOnlyMemory<byte> metadata, byte[] suffix, string etag) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ETag = etag;
        response.ContentType = "application/json";
        response.ContentLength = prefix.Length + metadata.Length + suffix.Length;
        var writer = response.BodyWriter;
        writer.Write(prefix);
        writer.Write(metadata.Span);
        writer.Write(suffix);
        await writer.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>304 Not Modified with the ETag.</summary>
internal sealed class NotModifiedResult(string etag) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        httpContext.Response.Headers.ETag = etag;
        return Task.CompletedTask;
    }
}
