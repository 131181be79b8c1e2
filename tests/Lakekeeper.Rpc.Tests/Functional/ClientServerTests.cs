using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Lakekeeper.Rpc.Tests.Echo;
using Lakekeeper.Rpc.Tests.Infrastructure;

namespace Lakekeeper.Rpc.Tests.Functional;

/// <summary>Our client against our server over real loopback HTTP/2 (Kestrel on port 0).</summary>
public sealed class ClientServerTests(EchoServer server) : IClassFixture<EchoServer>, IDisposable
{
    private readonly RpcChannel _channel = new(server.Address);

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_ok()
    {
        var reply = await _channel.CallAsync(EchoService.Say, new EchoRequest { Text = "hello" }, Options());
        Assert.Equal("hello", reply.Text);
        Assert.StartsWith("ipv4:127.0.0.1:", reply.Peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Carries_an_empty_request_and_an_empty_response()
    {
        var reply = await _channel.CallAsync(EchoService.Say, new EchoRequest(), Options());
        Assert.Equal(string.Empty, reply.Text);
    }

    [Fact]
    public async Task Ends_with_the_handlers_status_message_and_trailers()
    {
        var request = new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = "nö – denied 100%\nsecond line" };
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Say, request, Options()));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("nö – denied 100%\nsecond line", error.Status.Detail);
        Assert.Equal("failing", error.Trailers.GetValue("x-echo-trailer"));
    }

    [Fact]
    public async Task Hides_unexpected_exceptions_behind_internal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.CallAsync(EchoService.Say, new EchoRequest { ThrowUnhandled = true }, Options()));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("hunter2", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Error id", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passes_the_deadline_to_the_handler()
    {
        var reply = await _channel.CallAsync(EchoService.Say, new EchoRequest { Text = "deadline" },
            new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(30), CancellationToken = TestToken });
        Assert.InRange(reply.DeadlineRemainingMs, 20_000, 30_000);

        var none = await _channel.CallAsync(EchoService.Say, new EchoRequest(), new CallOptions { CancellationToken = TestToken });
        Assert.Equal(-1, none.DeadlineRemainingMs);
    }

    [Fact]
    public async Task Ends_with_deadline_exceeded_and_cancels_the_handler()
    {
        var tag = "hang-" + Guid.NewGuid();
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Say,
            new EchoRequest { Text = tag, Hang = true },
            new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(300), CancellationToken = TestToken }));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        // The handler's token was cancelled: by the server's own timer (grpc-timeout) or by the client's
        // RST_STREAM, whichever came first. Server_sends_deadline_exceeded_itself_… isolates the former.
        var why = await server.Service.HangEnded(tag).WaitAsync(TimeSpan.FromSeconds(10), TestToken);
        Assert.Contains(why, new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Answers_deadline_exceeded_on_time_even_when_the_handler_ignores_its_token()
    {
        var tag = "block-" + Guid.NewGuid();
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Say,
            new EchoRequest { Text = tag, BlockIgnoringCancellation = true },
            new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(300), Headers = new Metadata { { "x-tag", tag } }, CancellationToken = TestToken }));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.False(server.Service.Finished(tag).IsCompleted);

        // The abandoned handler runs on against a request that is still alive: it sees its own metadata.
        server.Service.Release(tag);
        Assert.Equal(tag, await server.Service.Finished(tag).WaitAsync(TimeSpan.FromSeconds(10), TestToken));

        // ...and the server keeps serving.
        Assert.Equal("after", (await _channel.CallAsync(EchoService.Say, new EchoRequest { Text = "after" }, Options())).Text);
    }

    [Fact]
    public async Task Fails_fast_when_the_deadline_has_already_passed()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Say, new EchoRequest(),
            new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(-1), CancellationToken = TestToken }));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Round_trips_ascii_and_binary_metadata()
    {
        var headers = new Metadata
        {
            { "x-lakekeeper-principal", "alice" },
            { "trace-bin", new byte[] { 0, 1, 2, 250, 255 } },
        };
        var reply = await _channel.CallAsync(EchoService.Say, new EchoRequest(),
            new CallOptions { Headers = headers, CancellationToken = TestToken });
        Assert.Equal("alice", reply.Metadata["x-lakekeeper-principal"]);
        Assert.Equal("base64:" + Convert.ToBase64String([0, 1, 2, 250, 255]), reply.Metadata["trace-bin"]);
        Assert.StartsWith("grpc-dotnet-lakekeeper/", reply.Metadata["user-agent"], StringComparison.Ordinal);
        // Call-definition headers are not application metadata.
        Assert.False(reply.Metadata.ContainsKey("te"));
        Assert.False(reply.Metadata.ContainsKey("content-type"));
    }

    [Fact]
    public async Task Throws_operation_cancelled_when_the_caller_cancels_and_the_server_stops_work()
    {
        var tag = "cancel-" + Guid.NewGuid();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestToken);
        var call = _channel.CallAsync(EchoService.Say, new EchoRequest { Text = tag, Hang = true },
            new CallOptions { CancellationToken = cancellation.Token });
        // Cancel only once the handler is running, whatever the scheduling: poll the server's view.
        await WaitUntilAsync(() => server.Service.HangEnded(tag).IsCompleted || call.IsCompleted || HandlerStarted(tag));
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal("cancelled", await server.Service.HangEnded(tag).WaitAsync(TimeSpan.FromSeconds(10), TestToken));
    }

    [Fact]
    public async Task Reports_unavailable_for_a_closed_port()
    {
        using var channel = new RpcChannel(new Uri($"http://127.0.0.1:{ClosedPort()}"));
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(EchoService.Say, new EchoRequest(), Options()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Reports_unimplemented_for_an_unknown_method()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Missing, new EchoRequest(), Options()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("/lakekeeper.test.echo.Echo/Nope", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_rejects_an_oversized_request_with_resource_exhausted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]) };
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallAsync(EchoService.Say, request, Options()));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Client_rejects_an_oversized_response_with_resource_exhausted()
    {
        using var small = new RpcChannel(server.Address, new RpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            small.CallAsync(EchoService.Say, new EchoRequest { ReplyPayloadSize = 2000 }, Options()));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);

        var fits = await small.CallAsync(EchoService.Say, new EchoRequest { ReplyPayloadSize = 900 }, Options());
        Assert.Equal(900, fits.Payload.Length);
    }

    [Fact]
    public async Task Client_refuses_to_send_an_oversized_request()
    {
        using var small = new RpcChannel(server.Address, new RpcChannelOptions { MaxSendMessageSize = 10 });
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            small.CallAsync(EchoService.Say, new EchoRequest { Text = "more than ten bytes" }, Options()));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Carries_large_messages_across_many_data_frames()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[900_000]), ReplyPayloadSize = 3_000_000 };
        var reply = await _channel.CallAsync(EchoService.Say, request, Options());
        Assert.Equal(900_000, reply.PayloadSize);
        Assert.Equal(3_000_000, reply.Payload.Length);
    }

    [Fact]
    public async Task Multiplexes_concurrent_calls()
    {
        var calls = Enumerable.Range(0, 200).Select(i =>
            _channel.CallAsync(EchoService.Say, new EchoRequest { Text = "n" + i }, Options()));
        var replies = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "n" + i), replies.Select(r => r.Text));
    }

    [Fact]
    public async Task Continues_the_callers_trace_on_the_server()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("Lakekeeper.Rpc.Tests");
        using var activity = source.StartActivity("caller");
        Assert.NotNull(activity);

        var reply = await _channel.CallAsync(EchoService.Say, new EchoRequest(), Options());
        Assert.Equal(activity.TraceId.ToString(), reply.TraceId);
        // Flags are two hex digits: sampled (01) plus, with DiagnosticSource 11, W3C level 2's "random" (02).
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", reply.Metadata["traceparent"]);
    }

    [Fact]
    public async Task Server_answers_http_415_to_a_non_grpc_content_type()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, EchoService.Say.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, TestToken);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Server_sends_deadline_exceeded_itself_when_the_grpc_timeout_passes()
    {
        // A raw HTTP/2 client that waits for the server's answer, whatever its own deadline would do.
        var tag = "raw-" + Guid.NewGuid();
        var message = new EchoRequest { Text = tag, Hang = true };
        using var response = await SendRawAsync(message, "grpc-timeout", "200m");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("4", Header(response, "grpc-status"));
        Assert.Equal("deadline", await server.Service.HangEnded(tag).WaitAsync(TimeSpan.FromSeconds(10), TestToken));
    }

    [Fact]
    public async Task Server_rejects_an_unknown_compression_with_unimplemented()
    {
        var frame = MessageFramingBytes(new EchoRequest { Text = "gz" });
        frame[0] = 1;
        using var response = await SendRawAsync(frame, "grpc-encoding", "gzip");
        Assert.Equal("12", Header(response, "grpc-status"));
        Assert.Equal("identity", Header(response, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task Server_rejects_a_compressed_flag_without_encoding_with_internal()
    {
        var frame = MessageFramingBytes(new EchoRequest { Text = "gz" });
        frame[0] = 1;
        using var response = await SendRawAsync(frame, null, null);
        Assert.Equal("13", Header(response, "grpc-status"));
    }

    [Fact]
    public async Task Server_accepts_an_uncompressed_message_when_an_encoding_is_declared()
    {
        using var response = await SendRawAsync(MessageFramingBytes(new EchoRequest { Text = "plain" }), "grpc-encoding", "gzip");
        await response.Content.ReadAsByteArrayAsync(TestToken);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Server_reports_request_cardinality_violations_as_unimplemented()
    {
        var frame = MessageFramingBytes(new EchoRequest { Text = "twice" });
        using var twice = await SendRawAsync([.. frame, .. frame], null, null);
        Assert.Equal("12", Header(twice, "grpc-status"));

        using var none = await SendRawAsync(Array.Empty<byte>(), null, null);
        Assert.Equal("12", Header(none, "grpc-status"));
    }

    public void Dispose() => _channel.Dispose();

    private static CallOptions Options() => CallOptions.WithTimeout(TimeSpan.FromSeconds(30), TestToken);

    private bool HandlerStarted(string tag) => server.Service.IsHanging(tag);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(5, TestToken);
        }
    }

    private static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private static byte[] MessageFramingBytes(IMessage message)
    {
        var body = message.ToByteArray();
        var frame = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }

    private Task<HttpResponseMessage> SendRawAsync(IMessage message, string? header, string? value) =>
        SendRawAsync(MessageFramingBytes(message), header, value);

    private async Task<HttpResponseMessage> SendRawAsync(byte[] body, string? header, string? value)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, EchoService.Say.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return await http.SendAsync(request, TestToken);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
