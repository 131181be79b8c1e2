using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Gateway.Forwarding;
using Lakekeeper.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Gateway;

/// <summary>
/// The endpoint behind every gateway route: picks the cluster's next destination, forwards, and turns a
/// failure into the Iceberg error contract. Clients never see upstream addresses or exception text;
/// the log has them, under an error id the client is given.
/// </summary>
internal sealed partial class GatewayProxy(HttpForwarder forwarder, ILogger<GatewayProxy> logger)
{
    public const string BadGatewayType = "BadGatewayException";
    public const string GatewayTimeoutType = "GatewayTimeoutException";

    public async Task ProxyAsync(HttpContext context, RouteState route)
    {
        var destination = route.Cluster.Next();
        var outcome = await forwarder.ForwardAsync(context, destination.Prefix, route.Timeout);
        if (outcome.Error != ForwarderError.None)
        {
            await ReportAsync(context, route, destination, outcome);
        }
    }

    private async Task ReportAsync(HttpContext context, RouteState route, DestinationState destination, ForwardOutcome outcome)
    {
        var error = outcome.Error;
        if (error is ForwarderError.RequestCanceled or ForwarderError.ResponseBodyClient || context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, route.Id, error);
            return;
        }

        if (context.Response.HasStarted)
        {
            // Part of the upstream's response is on the wire: cut the connection so the client sees a
            // failure instead of a short body that looks complete.
            LogAbortedResponse(logger, outcome.Exception, route.Id, route.Cluster.Id, destination.Name, error);
            context.Abort();
            return;
        }

        var errorId = Guid.CreateVersion7().ToString("N");
        ErrorResponse response;
        switch (error)
        {
            case ForwarderError.RequestBodyTooLarge:
                response = new ErrorResponse(StatusCodes.Status413PayloadTooLarge, "BadRequestException", "Request body too large");
                break;
            case ForwarderError.RequestBodyClient:
                response = ErrorResponse.BadRequest("The request body could not be read");
                break;
            case ForwarderError.RequestTimedOut or ForwarderError.ResponseBodyTimedOut:
                LogTimedOut(logger, errorId, route.Id, route.Cluster.Id, destination.Name, route.Timeout);
                response = new ErrorResponse(StatusCodes.Status504GatewayTimeout, GatewayTimeoutType,
                    $"The upstream service did not answer in time. Error id: {errorId}");
                break;
            default:
                LogUnreachable(logger, outcome.Exception, errorId, route.Id, route.Cluster.Id, destination.Name, destination.Prefix, error);
                response = new ErrorResponse(StatusCodes.Status502BadGateway, BadGatewayType,
                    $"The upstream service is unavailable. Error id: {errorId}");
                break;
        }

        context.Response.Clear();
        await response.WriteAsync(context);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Error {ErrorId}: route {RouteId} could not reach cluster {ClusterId} destination {Destination} ({Address}): {ForwarderError}")]
    private static partial void LogUnreachable(
        ILogger logger, Exception? exception, string errorId, string routeId, string clusterId, string destination, string address, ForwarderError forwarderError);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Error {ErrorId}: route {RouteId}, cluster {ClusterId} destination {Destination} made no progress for {Timeout}")]
    private static partial void LogTimedOut(ILogger logger, string errorId, string routeId, string clusterId, string destination, TimeSpan timeout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Route {RouteId}, cluster {ClusterId} destination {Destination} failed after the response started ({ForwarderError}); connection aborted")]
    private static partial void LogAbortedResponse(
        ILogger logger, Exception? exception, string routeId, string clusterId, string destination, ForwarderError forwarderError);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Route {RouteId}: the client went away ({ForwarderError})")]
    private static partial void LogClientGone(ILogger logger, string routeId, ForwarderError forwarderError);
}
