using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Management;

/// <summary>A JSON body with a status code.</summary>
internal sealed class JsonResult(int statusCode, byte[] body) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = "application/json";
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }
}
