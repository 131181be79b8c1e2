using System.Text.Json;
using Lakekeeper.Abstractions.Http;
using Lakekeeper.Fga;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>OpenFGA's error body <c>{"code","message"}</c> and status codes.</summary>
internal static class OpenFgaErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorBody(code, message), OpenFgaJson.Options, statusCode: status);

    /// <summary>The answer for an exception a handler met; null for one that is a bug.</summary>
    public static IResult? Translate(Exception exception) => exception switch
    {
        FgaException { Code: FgaErrorCodes.StoreIdNotFound } ex => Error(StatusCodes.Status404NotFound, ex.Code, ex.Message),
        FgaException ex => Error(StatusCodes.Status400BadRequest, ex.Code, ex.Message),
        RequestException ex => Error(StatusCodes.Status400BadRequest, FgaErrorCodes.ValidationError, ex.Message),
        // The host's body guard (malformed UTF-8, duplicate keys, size, byte budget) in OpenFGA's shape.
        RequestBodyRefusedException { Error: var refused } => refused.Code == StatusCodes.Status503ServiceUnavailable
            ? Error(refused.Code, "unavailable", refused.Message)
            : Error(refused.Code, FgaErrorCodes.ValidationError, refused.Message),
        PostgresException or NpgsqlException or TimeoutException =>
            Error(StatusCodes.Status503ServiceUnavailable, "unavailable", "the store is temporarily unavailable; retry"),
        _ => null,
    };

    internal sealed record ErrorBody(string Code, string Message);
}

/// <summary>A malformed request body or parameter (400 <c>validation_error</c>).</summary>
internal sealed class RequestException : Exception
{
    public RequestException(string message)
        : base(message)
    {
    }

    public RequestException()
    {
    }

    public RequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
