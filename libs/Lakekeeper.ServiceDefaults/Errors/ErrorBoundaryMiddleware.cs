using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// Turns every exception that escapes an endpoint into the error contract. Details stay in the log;
/// the client sees an error id.
/// </summary>
internal sealed partial class ErrorBoundaryMiddleware(
    RequestDelegate next, IEnumerable<IExceptionTranslator> translators, ILogger<ErrorBoundaryMiddleware> logger)
{
    private readonly IExceptionTranslator[] _translators = [.. translators];

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
        }
        catch (BadHttpRequestException ex)
        {
            await WriteIfPossibleAsync(context, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new ErrorResponse(413, "BadRequestException", "Request body too large")
                : new ErrorResponse(ex.StatusCode, "BadRequestException", ex.Message));
        }
        catch (Exception ex)
        {
            var translated = Translate(ex);
            if (translated is not null)
            {
                LogTranslated(logger, ex, translated.Code, translated.Type);
                await WriteIfPossibleAsync(context, translated);
                return;
            }

            var errorId = Guid.CreateVersion7().ToString("N");
            LogUnhandled(logger, ex, errorId, context.Request.Method, context.Request.Path);
            await WriteIfPossibleAsync(context, ErrorResponse.Internal(errorId));
        }
    }

    private ErrorResponse? Translate(Exception ex)
    {
        foreach (var translator in _translators)
        {
            if (translator.Translate(ex) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static async Task WriteIfPossibleAsync(HttpContext context, ErrorResponse error)
    {
        if (context.Response.HasStarted)
        {
            // Too late for a status line; cut the response so the client sees a failure, not a short body.
            context.Abort();
            return;
        }

        context.Response.Clear();
        await error.WriteAsync(context);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error {ErrorId} on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string errorId, string method, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Request failed with {Code} {Type}")]
    private static partial void LogTranslated(ILogger logger, Exception exception, int code, string type);
}
