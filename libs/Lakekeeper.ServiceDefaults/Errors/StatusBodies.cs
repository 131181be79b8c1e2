using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>The error contract for a status some layer set without a body (status-code pages).</summary>
internal static class StatusBodies
{
    public static ErrorResponse Describe(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var reason = ReasonPhrases.GetReasonPhrase(status);
        var type = status switch
        {
            401 => "UnauthorizedException",
            403 => "ForbiddenException",
            404 => "NotFoundException",
            405 => "MethodNotAllowedException",
            >= 500 => "ServiceUnavailableException",
            _ => "BadRequestException",
        };
        var message = status == 405
            ? $"Method {context.Request.Method} is not allowed on {context.Request.Path}"
            : (reason.Length == 0 ? "Error" : reason) + $" ({context.Request.Method} {context.Request.Path})";
        return new ErrorResponse(status, status >= 500 && status != 503 ? "InternalServerError" : type, message);
    }
}
