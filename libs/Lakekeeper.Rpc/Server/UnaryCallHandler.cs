using Google.Protobuf;
using Lakekeeper.Rpc.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Rpc.Server;

/// <summary>
/// Serves one unary method: validates the call definition, applies the deadline, reads the one
/// length-prefixed request, runs the handler and writes either the response with a
/// <c>grpc-status: 0</c> trailer or a trailers-only error.
/// </summary>
internal sealed partial class UnaryCallHandler<TRequest, TResponse>(
    RpcMethod<TRequest, TResponse> method,
    UnaryHandler<TRequest, TResponse> handler,
    RpcServerOptions options,
    ILogger logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private const int MaxDetailLength = 1024;

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // Not a gRPC client: a plain HTTP status keeps it from reading a 200 as success.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var aborted = http.RequestAborted;
        var deadline = DateTime.MaxValue;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0 && GrpcTimeout.TryParse(timeoutHeader[0], out var timeout))
        {
            deadline = timeout < DateTime.MaxValue - DateTime.UtcNow ? DateTime.UtcNow + timeout : DateTime.MaxValue;
        }

        // Created after the body is read: it carries the deadline's timer, made only if the handler asks.
        ServerCallContext? context = null;
        Task<TResponse>? lingering = null;
        try
        {
            // The body is read under the caller's token: a caller whose deadline passes resets the
            // stream, and Kestrel's minimum data rate ends a stalled upload.
            var read = await MessageFraming.ReadSingleMessageAsync(
                request.BodyReader, method.RequestParser, options.MaxReceiveMessageSize, aborted);
            if (read.Message is null)
            {
                var status = RequestError(read, request.Headers[GrpcProtocol.EncodingHeader].ToString());
                LogBadRequest(logger, method.Path, status.StatusCode, status.Detail);
                WriteTrailersOnly(http, status, null, acceptIdentityOnly: read.Error == FrameError.Compressed);
                return;
            }

            context = new ServerCallContext(http, method.Path, deadline);
            if (deadline != DateTime.MaxValue && DateTime.UtcNow >= deadline)
            {
                throw new OperationCanceledException();
            }

            var pending = handler(read.Message, context);
            TResponse reply;
            if (pending.IsCompletedSuccessfully)
            {
                reply = pending.Result;
            }
            else if (deadline == DateTime.MaxValue)
            {
                reply = await pending;
            }
            else
            {
                // A handler that ignores its token must not hold the caller past the deadline.
                var task = pending.AsTask();
                try
                {
                    reply = await task.WaitAsync(context.CancellationToken);
                }
                catch (OperationCanceledException) when (!task.IsCompleted)
                {
                    lingering = task;
                    throw;
                }
            }

            await WriteResponseAsync(http, reply, context);
        }
        catch (RpcException ex)
        {
            WriteTrailersOnly(http, ex.Status, Merge(ex.Trailers, context?.ResponseTrailersOrNull), acceptIdentityOnly: false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The caller reset the stream; nobody reads an answer.
        }
        catch (OperationCanceledException) when (context?.DeadlineExceeded == true)
        {
            LogDeadlineExceeded(logger, method.Path);
            WriteTrailersOnly(http, new Status(StatusCode.DeadlineExceeded, "Deadline exceeded"), context.ResponseTrailersOrNull, acceptIdentityOnly: false);
        }
        catch (Exception ex)
        {
            var errorId = Guid.CreateVersion7().ToString("N");
            LogHandlerFailed(logger, ex, method.Path, errorId);
            WriteTrailersOnly(http, new Status(StatusCode.Internal, $"Internal error. Error id: {errorId}"), null, acceptIdentityOnly: false);
        }
        finally
        {
            if (lingering is not null)
            {
                // The caller has its answer now; the request (and the HttpContext the handler may
                // still touch) stays alive until the handler returns. Its outcome is dropped.
                await http.Response.CompleteAsync();
                await ((Task)lingering).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            context?.Release();
        }
    }

    private Status RequestError(FrameReadResult<TRequest> read, string encoding) => read.Error switch
    {
        FrameError.NoMessage => new(StatusCode.Unimplemented, "Unary call received no request message"),
        FrameError.ExtraData => new(StatusCode.Unimplemented, "Unary call received more than one request message"),
        FrameError.Incomplete => new(StatusCode.Internal, "Request stream ended inside a message"),
        FrameError.TooLarge => new(StatusCode.ResourceExhausted,
            $"Received message larger than max ({read.DeclaredLength} vs. {options.MaxReceiveMessageSize})"),
        FrameError.Compressed when encoding.Length > 0 && !encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase) =>
            new(StatusCode.Unimplemented, $"Compression '{encoding}' is not supported; this server accepts identity only"),
        FrameError.Compressed => new(StatusCode.Internal, "Compressed flag set without a grpc-encoding"),
        FrameError.InvalidFlag => new(StatusCode.Internal, "Invalid compressed flag"),
        _ => new(StatusCode.Internal, "Error parsing request message"),
    };

    private async Task WriteResponseAsync(HttpContext http, TResponse reply, ServerCallContext context)
    {
        var size = reply.CalculateSize();
        if (options.MaxSendMessageSize is { } max && size > max)
        {
            WriteTrailersOnly(http, new Status(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {max})"), null, acceptIdentityOnly: false);
            return;
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        MessageFraming.WriteMessage(response.BodyWriter, reply, size);
        response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.ToWire(StatusCode.OK));
        if (context.ResponseTrailersOrNull is { Count: > 0 } trailers)
        {
            foreach (var entry in trailers)
            {
                response.AppendTrailer(entry.Key, entry.ValueBytes is { } bytes ? MetadataWire.EncodeBinary(bytes) : entry.Value!);
            }
        }

        // Data and trailers leave together, the trailers' HEADERS frame carrying END_STREAM.
        await response.CompleteAsync();
    }

    /// <summary>Trailers-only: HTTP 200, content-type and the status in one HEADERS frame, no body.</summary>
    private static void WriteTrailersOnly(HttpContext http, Status status, Metadata? trailers, bool acceptIdentityOnly)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            // Too late for a status in the headers: reset the stream so the caller sees a failure.
            http.Abort();
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var headers = response.Headers;
        headers[GrpcProtocol.StatusHeader] = GrpcProtocol.ToWire(status.StatusCode);
        var detail = status.Detail.Length > MaxDetailLength ? status.Detail[..MaxDetailLength] : status.Detail;
        if (detail.Length > 0)
        {
            headers[GrpcProtocol.MessageHeader] = GrpcMessageEncoding.Encode(detail);
        }

        if (acceptIdentityOnly)
        {
            headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
        }

        if (trailers is { Count: > 0 })
        {
            MetadataWire.WriteTo(trailers, headers);
        }
    }

    private static Metadata? Merge(Metadata first, Metadata? second)
    {
        if (second is null or { Count: 0 })
        {
            return first;
        }

        if (first.Count == 0)
        {
            return second;
        }

        var merged = new Metadata();
        foreach (var entry in first)
        {
            Add(merged, entry);
        }

        foreach (var entry in second)
        {
            Add(merged, entry);
        }

        return merged;

        static void Add(Metadata target, MetadataEntry entry)
        {
            if (entry.ValueBytes is { } bytes)
            {
                target.AddReceived(entry.Key, bytes);
            }
            else
            {
                target.AddReceived(entry.Key, entry.Value!);
            }
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "gRPC handler {Method} failed; error id {ErrorId}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string method, string errorId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline")]
    private static partial void LogDeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "gRPC call {Method} rejected with {StatusCode}: {Detail}")]
    private static partial void LogBadRequest(ILogger logger, string method, StatusCode statusCode, string detail);
}
