using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Abstractions.Errors;

/// <summary>
/// The one error contract of every HTTP API here: the Iceberg <c>ErrorModel</c>,
/// <c>{"error":{"message","type","code"}}</c>, where <c>code</c> always equals the HTTP status.
/// </summary>
public sealed record ErrorResponse(int Code, string Type, string Message)
{
    /// <summary>Seconds a client should wait before retrying (sent as <c>Retry-After</c>), if any.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ErrorResponse BadRequest(string message) => new(400, "BadRequestException", message);

    public static ErrorResponse NotFound(string type, string message) => new(404, type, message);

    public static ErrorResponse Internal(string errorId) =>
        new(500, "InternalServerError", $"Internal server error. Error id: {errorId}");

    public static ErrorResponse Unavailable(string message, int retryAfterSeconds = 1) =>
        new(503, "ServiceUnavailableException", message) { RetryAfterSeconds = retryAfterSeconds };

    public byte[] ToUtf8Json()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128 + Message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", Message);
        writer.WriteString("type", Type);
        writer.WriteNumber("code", Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes status, headers and (except for HEAD) the JSON body.</summary>
    public async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Code;
        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = ToUtf8Json();
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>This error as a minimal-API result.</summary>
    public IResult ToResult() => new ErrorResult(this);

    private sealed class ErrorResult(ErrorResponse error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Code;

        public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
    }
}
