using System.Text.Json;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Iceberg;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// A finished catalog response: status, optional JSON body and ETag. Services build it before they
/// commit, so the same bytes can be stored with an Idempotency-Key in the commit's transaction and
/// replayed later.
/// </summary>
internal sealed record CatalogResponse(int StatusCode, byte[]? Body, string? ETag = null) : IResult
{
    public static CatalogResponse NoContent { get; } = new(StatusCodes.Status204NoContent, null);

    public static CatalogResponse Json(byte[] body, string? etag = null) => new(StatusCodes.Status200OK, body, etag);

    public static CatalogResponse Error(IcebergError error) =>
        new(error.Code, new ErrorResponse(error.Code, error.Type, error.Message).ToUtf8Json());

    public bool IsFinal => StatusCode is >= 200 and < 300 or >= 400 and < 500;

    public string HeadersJson => ETag is null ? "{}" : JsonSerializer.Serialize(new Dictionary<string, string> { ["ETag"] = ETag });

    public static CatalogResponse FromStored(int status, byte[]? body, string headersJson)
    {
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(headersJson) ?? [];
        return new CatalogResponse(status, body, headers.GetValueOrDefault("ETag"));
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        if (ETag is not null)
        {
            response.Headers.ETag = ETag;
        }

        if (Body is null || HttpMethods.IsHead(httpContext.Request.Method))
        {
            return;
        }

        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        await response.Body.WriteAsync(Body, httpContext.RequestAborted);
    }
}
