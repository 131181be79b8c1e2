using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Abstractions.Http;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.RequestBodies;
using Lakekeeper.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// The error boundary, as ASP.NET Core's <see cref="IExceptionHandler"/> behind <c>UseExceptionHandler</c>:
/// every exception that escapes an endpoint becomes the one error contract (the Iceberg
/// <c>ErrorModel</c>, no ProblemDetails). Modules' <see cref="IExceptionTranslator"/>s say what an
/// infrastructure failure means (database, storage, authorizer: 503 with <c>Retry-After</c>); anything
/// else is a 500 with an error id, the details only in the log.
/// </summary>
internal sealed partial class ErrorContractExceptionHandler(
    IEnumerable<IExceptionTranslator> translators, IOptions<ServerOptions> server, ILogger<ErrorContractExceptionHandler> logger) : IExceptionHandler
{
    private readonly IExceptionTranslator[] _translators = [.. translators];

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The middleware has cleared the response, headers included: the request id goes back on.
        // A response already under way never gets here: the middleware rethrows and the server cuts
        // the connection, so the client sees a failure, not a short body.
        httpContext.Response.Headers[RequestIdMiddleware.HeaderName] = httpContext.TraceIdentifier;
        await Describe(httpContext, exception).WriteAsync(httpContext);
        return true;
    }

    private ErrorResponse Describe(HttpContext context, Exception exception)
    {
        if (exception is RequestBodyRefusedException refused)
        {
            return refused.Error;
        }

        if (exception is BadHttpRequestException bad)
        {
            return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? BufferedRequestBody.TooLarge(server.Value.MaxRequestBodyBytes)
                : new ErrorResponse(bad.StatusCode, "BadRequestException", bad.Message);
        }

        foreach (var translator in _translators)
        {
            if (translator.Translate(exception) is { } translated)
            {
                LogTranslated(logger, exception, translated.Code, translated.Type);
                return translated;
            }
        }

        var errorId = Guid.CreateVersion7().ToString("N");
        LogUnhandled(logger, exception, errorId, context.Request.Method, context.Request.Path);
        return ErrorResponse.Internal(errorId);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error {ErrorId} on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string errorId, string method, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Request failed with {Code} {Type}")]
    private static partial void LogTranslated(ILogger logger, Exception exception, int code, string type);
}
