using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// The first step of YARP's proxy pipeline. Before forwarding it refuses forwarding loops and bodies
/// that announce more than the server accepts; afterwards it gives the bare status YARP sets on a
/// failure (502, 503, 504, 400, 408, 413) the Iceberg error body. Clients never see upstream addresses
/// or exception text; the log has them under the error id the client is given.
/// </summary>
internal sealed partial class ProxyErrorMiddleware(RequestDelegate next, LoopGuard loopGuard, ILogger<ProxyErrorMiddleware> logger)
{
    public const string BadGatewayType = "BadGatewayException";
    public const string GatewayTimeoutType = "GatewayTimeoutException";
    public const string LoopDetectedType = "LoopDetectedException";

    private static readonly ErrorResponse TooLarge = new(StatusCodes.Status413PayloadTooLarge, "BadRequestException", "Request body too large");

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Via.Count > 0 && loopGuard.IsLoop(request.Headers.Via, out var gateways))
        {
            var errorId = NewErrorId();
            LogLoop(logger, errorId, Route(context), gateways);
            await new ErrorResponse(StatusCodes.Status508LoopDetected, LoopDetectedType,
                $"The request came back to the gateway after {gateways} gateway hop(s): a destination leads back to a gateway. Error id: {errorId}")
                .WriteAsync(context);
            return;
        }

        if (request.ContentLength is { } length
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            && length > limit)
        {
            await TooLarge.WriteAsync(context);
            return;
        }

        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is { } failure)
        {
            await ReportAsync(context, failure);
        }
    }

    private async Task ReportAsync(HttpContext context, IForwarderErrorFeature failure)
    {
        var error = failure.Error;
        if (context.RequestAborted.IsCancellationRequested || error == ForwarderError.ResponseBodyClient)
        {
            LogClientGone(logger, Route(context), error);
            return;
        }

        if (context.Response.HasStarted)
        {
            // Part of the upstream's response is on the wire; YARP has reset the connection so the client
            // sees a failure instead of a short body that looks complete.
            LogAbortedResponse(logger, failure.Exception, Route(context), Cluster(context), Destination(context), error);
            return;
        }

        var status = context.Response.StatusCode;
        ErrorResponse response;
        switch (status)
        {
            case StatusCodes.Status413PayloadTooLarge:
                response = TooLarge;
                break;
            case StatusCodes.Status408RequestTimeout:
                response = new ErrorResponse(status, "BadRequestException", "Reading the request body timed out");
                break;
            case < 500:
                response = ErrorResponse.BadRequest("The request body could not be read") with { Code = status };
                break;
            default:
                var errorId = NewErrorId();
                LogUpstreamFailure(logger, failure.Exception, errorId, status, Route(context), Cluster(context), Destination(context), Address(context), error);
                response = status switch
                {
                    StatusCodes.Status504GatewayTimeout => new ErrorResponse(status, GatewayTimeoutType,
                        $"The upstream service did not answer in time. Error id: {errorId}"),
                    StatusCodes.Status503ServiceUnavailable => ErrorResponse.Unavailable(
                        $"The upstream service is unavailable. Error id: {errorId}"),
                    _ => new ErrorResponse(StatusCodes.Status502BadGateway, BadGatewayType,
                        $"The upstream service is unavailable. Error id: {errorId}"),
                };
                break;
        }

        context.Response.Clear();
        await response.WriteAsync(context);
    }

    private static string NewErrorId() => Guid.CreateVersion7().ToString("N");

    private static string Route(HttpContext context) => context.Features.Get<IReverseProxyFeature>()?.Route.Config.RouteId ?? "?";

    private static string Cluster(HttpContext context) => context.Features.Get<IReverseProxyFeature>()?.Cluster?.Config.ClusterId ?? "?";

    private static string Destination(HttpContext context) => context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId ?? "-";

    private static string Address(HttpContext context) => context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.Model.Config.Address ?? "-";

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Error {ErrorId}: {Status} on route {RouteId}, cluster {ClusterId} destination {Destination} ({Address}): {ForwarderError}")]
    private static partial void LogUpstreamFailure(
        ILogger logger, Exception? exception, string errorId, int status, string routeId, string clusterId, string destination, string address, ForwarderError forwarderError);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Error {ErrorId}: route {RouteId} refused a forwarding loop ({Gateways} gateway entries in Via)")]
    private static partial void LogLoop(ILogger logger, string errorId, string routeId, int gateways);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Route {RouteId}, cluster {ClusterId} destination {Destination} failed after the response started ({ForwarderError}); connection aborted")]
    private static partial void LogAbortedResponse(
        ILogger logger, Exception? exception, string routeId, string clusterId, string destination, ForwarderError forwarderError);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Route {RouteId}: the client went away ({ForwarderError})")]
    private static partial void LogClientGone(ILogger logger, string routeId, ForwarderError forwarderError);
}
