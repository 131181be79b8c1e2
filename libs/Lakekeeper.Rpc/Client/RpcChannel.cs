using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Lakekeeper.Rpc.Client;
using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc;

/// <summary>
/// A client of one gRPC server (<c>http://host:port</c>, cleartext HTTP/2 with prior knowledge).
/// Thread-safe; create one per server and keep it: it owns a pool of HTTP/2 connections
/// (multiplexed, more opened when a connection's stream limit is reached, kept alive with PINGs).
/// </summary>
public sealed class RpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly RpcChannelOptions _options;
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    public RpcChannel(Uri address, RpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an absolute http:// or https:// address.", nameof(address));
        }

        Address = address;
        _options = options ?? new RpcChannelOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = _options.KeepAlivePingDelay,
            KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = _options.PooledConnectionIdleTimeout,
            ConnectTimeout = _options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            // ActivityHeadersPropagator stays at its default: traceparent/tracestate are injected
            // from Activity.Current, so the server's request continues the caller's trace.
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri Address { get; }

    /// <summary>
    /// Makes a unary call. Returns the response or throws <see cref="RpcException"/> with the status:
    /// the server's, DEADLINE_EXCEEDED when <see cref="CallOptions.Deadline"/> passes, UNAVAILABLE when
    /// the server cannot be reached, or one synthesized from a non-gRPC answer. Throws
    /// <see cref="OperationCanceledException"/> when <see cref="CallOptions.CancellationToken"/> fires.
    /// </summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(
        RpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var cancellation = options.CancellationToken;
        cancellation.ThrowIfCancellationRequested();

        var size = request.CalculateSize();
        if (_options.MaxSendMessageSize is { } maxSend && size > maxSend)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxSend})");
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, GetUri(method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new UnaryRequestContent(MessageFraming.Frame(request, size)),
        };

        CancellationTokenSource? deadlineSource = null;
        DateTime? deadline = null;
        if (options.Deadline is { } requested)
        {
            deadline = requested.Kind == DateTimeKind.Local ? requested.ToUniversalTime() : requested;
            var remaining = deadline.Value - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new RpcException(StatusCode.DeadlineExceeded, "Deadline exceeded before the call started");
            }

            message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(remaining));
            deadlineSource = cancellation.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellation)
                : new CancellationTokenSource();
            if (remaining.TotalMilliseconds < int.MaxValue - 1)
            {
                deadlineSource.CancelAfter(remaining);
            }
        }

        var headers = message.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", _options.UserAgent);
        if (options.Headers is { Count: > 0 } metadata)
        {
            MetadataWire.WriteTo(metadata, headers);
        }

        var token = deadlineSource?.Token ?? cancellation;
        try
        {
            using var response = await _invoker.SendAsync(message, token);
            return await ReadResponseAsync(response, method.ResponseParser, token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("The call was cancelled by the caller.", cancellation);
        }
        catch (Exception ex) when (deadlineSource?.IsCancellationRequested == true || (deadline is { } due && DateTime.UtcNow >= due))
        {
            // Whatever broke once the deadline passed (our timer, which may fire a tick before the
            // wall clock agrees; the server's RST_STREAM; its own DEADLINE_EXCEEDED), the caller sees
            // the deadline, generated locally.
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline exceeded"), ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(StatusMapping.FromTransportFailure(ex), ex);
        }
        catch (IOException ex)
        {
            throw new RpcException(StatusMapping.FromTransportFailure(ex), ex);
        }
        catch (OperationCanceledException ex)
        {
            // Neither the caller nor the deadline: the transport gave up on the stream.
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled: " + ex.Message), ex);
        }
        finally
        {
            deadlineSource?.Dispose();
        }
    }

    public void Dispose() => _invoker.Dispose();

    private async Task<TResponse> ReadResponseAsync<TResponse>(
        HttpResponseMessage response, MessageParser<TResponse> parser, CancellationToken token)
        where TResponse : class, IMessage<TResponse>
    {
        // A grpc-status in the headers is a trailers-only response; it wins over the HTTP status.
        if (TryGetStatus(response.Headers, out var headerStatus))
        {
            throw StatusException(headerStatus, response.Headers, null, "Trailers-only response with status OK carried no message");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(StatusMapping.FromHttpStatus(response.StatusCode),
                $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("content-type", out var types) ? types.ToString() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw new RpcException(StatusCode.Unknown, $"Bad gRPC response. Invalid content-type value: {contentType}");
        }

        var stream = await response.Content.ReadAsStreamAsync(token);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        FrameReadResult<TResponse> read;
        try
        {
            read = await MessageFraming.ReadSingleMessageAsync(reader, parser, _options.MaxReceiveMessageSize, token);
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (read.Error is FrameError.TooLarge or FrameError.Compressed or FrameError.InvalidFlag)
        {
            // We stopped reading mid-stream; the trailers are not coming.
            throw new RpcException(ResponseError(read));
        }

        if (!TryGetStatus(response.TrailingHeaders, out var status))
        {
            throw new RpcException(StatusCode.Unknown, "Bad gRPC response. No grpc-status in the trailers");
        }

        if (status.StatusCode != StatusCode.OK)
        {
            throw StatusException(status, response.TrailingHeaders, response.Headers, null);
        }

        return read.Message ?? throw new RpcException(ResponseError(read));
    }

    private Status ResponseError<TResponse>(FrameReadResult<TResponse> read)
        where TResponse : class => read.Error switch
    {
        FrameError.NoMessage => new(StatusCode.Unimplemented, "Unary call completed without a response message"),
        FrameError.ExtraData => new(StatusCode.Unimplemented, "Unary call received more than one response message"),
        FrameError.TooLarge => new(StatusCode.ResourceExhausted,
            $"Received message larger than max ({read.DeclaredLength} vs. {_options.MaxReceiveMessageSize})"),
        FrameError.Compressed => new(StatusCode.Internal, "Compressed response message without a negotiated encoding"),
        FrameError.Incomplete => new(StatusCode.Internal, "Response stream ended inside a message"),
        FrameError.InvalidFlag => new(StatusCode.Internal, "Invalid compressed flag in response"),
        _ => new(StatusCode.Internal, "Error parsing response message"),
    };

    private static RpcException StatusException(Status status, HttpHeaders primary, HttpHeaders? secondary, string? okWithoutMessage)
    {
        if (status.StatusCode == StatusCode.OK)
        {
            return new RpcException(StatusCode.Unimplemented, okWithoutMessage ?? "Unary call completed without a response message");
        }

        var trailers = new Metadata();
        MetadataWire.AddFromResponse(trailers, primary);
        if (secondary is not null)
        {
            MetadataWire.AddFromResponse(trailers, secondary);
        }

        return new RpcException(status, trailers);
    }

    private static bool TryGetStatus(HttpHeaders headers, out Status status)
    {
        status = default;
        var nonValidated = headers.NonValidated;
        if (!nonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return false;
        }

        var detail = nonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? GrpcMessageEncoding.Decode(messages.ToString())
            : string.Empty;
        status = GrpcProtocol.TryParseStatus(values.ToString(), out var code)
            ? new Status(code, detail)
            : new Status(StatusCode.Unknown, $"Unparsable grpc-status '{values}': {detail}");
        return true;
    }

    private Uri GetUri(string path) =>
        _uris.TryGetValue(path, out var uri) ? uri : _uris.GetOrAdd(path, p => new Uri(Address, p));
}
