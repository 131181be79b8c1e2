using System.Buffers;
using System.Text.Json;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Signer.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Signer.Api;

/// <summary>The sign routes (all <c>POST</c>, under <c>/catalog/v1</c>).</summary>
internal static class SignApi
{
    public static void MapSignApi(this RouteGroupBuilder catalog)
    {
        catalog.MapPost("/{prefix}/namespaces/{namespace}/tables/{table}/sign", SignTable);
        catalog.MapPost("/signer/{prefix}/tabular-id/{tabularId}/v1/aws/s3/sign", SignTabular);
        catalog.MapPost("/{prefix}/v1/aws/s3/sign", SignByLocation);
        catalog.MapPost("/aws/s3/sign", SignWithoutWarehouse);
    }

    /// <summary>Iceberg REST 1.11's <c>signRequest</c>: the table named in the path, strictly.</summary>
    private static Task<IResult> SignTable(HttpContext context, SignService signer, IOptions<SignerOptions> options, string prefix) =>
        NamedTable(context) is { } table
            ? SignAsync(context, signer, options.Value, new SignTarget(prefix, null, "table") { Table = table })
            : Task.FromResult(ErrorResponse.BadRequest("The path must name a namespace and a table, without '.' or '..' segments").ToResult());

    /// <summary>Lakekeeper's advertised route: the table by id, falling back to lookup by location.</summary>
    private static Task<IResult> SignTabular(HttpContext context, SignService signer, IOptions<SignerOptions> options, string prefix, string tabularId) =>
        SignAsync(context, signer, options.Value, new SignTarget(prefix, tabularId, "tabular-id"));

    /// <summary>Warehouse-scoped: the table is found from the request's location.</summary>
    private static Task<IResult> SignByLocation(HttpContext context, SignService signer, IOptions<SignerOptions> options, string prefix) =>
        SignAsync(context, signer, options.Value, new SignTarget(prefix, null, "warehouse"));

    /// <summary>The legacy global route: there is no warehouse to sign for.</summary>
    private static IResult SignWithoutWarehouse() =>
        ErrorResponse.BadRequest("A warehouse is required: use the signer endpoint from the table's config (s3.signer.endpoint), or /v1/{prefix}/v1/aws/s3/sign").ToResult();

    private static async Task<IResult> SignAsync(HttpContext context, SignService signer, SignerOptions options, SignTarget target)
    {
        var body = await ReadBodyAsync(context.Request, options.MaxRequestBytes);
        if (body.Error is { } tooLarge)
        {
            return signer.RefuseUnread(target, tooLarge).ToResult();
        }

        if (!SignRequestJson.TryParse(body.Bytes, out var request, out var parseError))
        {
            return signer.RefuseUnread(target, ErrorResponse.BadRequest(parseError)).ToResult();
        }

        var (signed, error) = await signer.SignAsync(target, request, context.RequestAborted);
        return error is not null ? error.ToResult() : new SignedResult(signed!);
    }

    /// <summary>
    /// The namespace and table of <c>/catalog/v1/{prefix}/namespaces/{namespace}/tables/{table}/sign</c>,
    /// read from the raw request target as the catalog reads them: URL form decoding (<c>+</c> is a
    /// space) and levels joined by U+001F. Null for a target with dot segments.
    /// </summary>
    private static NamedTable? NamedTable(HttpContext context)
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        var start = path.IndexOf("/catalog/", StringComparison.OrdinalIgnoreCase);
        var segments = (start < 0 ? path : path[start..]).Split('/');
        // "", "catalog", "v1", prefix, "namespaces", namespace, "tables", table, "sign"
        if (segments.Length != 9 || segments.Any(static s => Decode(s) is "." or ".."))
        {
            return null;
        }

        return new NamedTable(Decode(segments[5]).Split('\u001f'), Decode(segments[7]));
    }

    private static string Decode(string segment) => Uri.UnescapeDataString(segment.Replace('+', ' '));

    private static async Task<(byte[] Bytes, ErrorResponse? Error)> ReadBodyAsync(HttpRequest request, int limit)
    {
        var tooLarge = new ErrorResponse(413, "BadRequestException", $"The sign request is larger than {limit} bytes");
        if (request.ContentLength > limit)
        {
            return ([], tooLarge);
        }

        // Content-Length: 0 is a valid (empty) body; ArrayBufferWriter refuses a capacity of 0 (that was a 500).
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length ? Math.Max(1, (int)length) : 4096);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.WrittenCount + read > limit)
                {
                    return ([], tooLarge);
                }

                buffer.Write(chunk.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (buffer.WrittenSpan.ToArray(), null);
    }

    /// <summary><c>{"uri": …, "headers": {name: [values]}}</c> with <c>Cache-Control: private</c> for GET/HEAD, <c>no-cache</c> otherwise.</summary>
    private sealed class SignedResult(SignedRequest signed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("uri", signed.Uri);
                w.WriteStartObject("headers");
                foreach (var (name, values) in signed.Headers)
                {
                    w.WriteStartArray(name);
                    foreach (var value in values)
                    {
                        w.WriteStringValue(value);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.Headers.CacheControl = signed.Cacheable ? "private" : "no-cache";
            response.ContentType = "application/json";
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
        }
    }
}
