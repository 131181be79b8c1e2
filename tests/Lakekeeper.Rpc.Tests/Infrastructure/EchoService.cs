using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Lakekeeper.Rpc.Tests.Echo;

namespace Lakekeeper.Rpc.Tests.Infrastructure;

/// <summary>Our implementation of echo.proto's Echo service; the peers implement the same behaviour.</summary>
internal sealed class EchoService
{
    public static readonly RpcMethod<EchoRequest, EchoReply> Say = new("lakekeeper.test.echo.Echo", "Say");

    /// <summary>A method no echo server implements.</summary>
    public static readonly RpcMethod<EchoRequest, EchoReply> Missing = new("lakekeeper.test.echo.Echo", "Nope");

    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _hangs = new();
    private readonly ConcurrentDictionary<string, bool> _hanging = new();

    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _finished = new();

    /// <summary>Lets the blocked call tagged <paramref name="text"/> continue.</summary>
    public void Release(string text) => Gate(_gates, text).TrySetResult(text);

    /// <summary>Completes when the blocked call tagged <paramref name="text"/> has run to its end; the value is what it saw.</summary>
    public Task<string> Finished(string text) => Gate(_finished, text).Task;

    /// <summary>Whether the hanging call tagged <paramref name="text"/> has reached its handler.</summary>
    public bool IsHanging(string text) => _hanging.ContainsKey(text);

    /// <summary>Completes when the hanging call tagged <paramref name="text"/> saw its cancellation; the value says why.</summary>
    public Task<string> HangEnded(string text) => Hang(text).Task;

    public async ValueTask<EchoReply> SayAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.FailCode != 0)
        {
            context.ResponseTrailers.Add("x-echo-trailer", "failing");
            throw new RpcException((StatusCode)request.FailCode, request.FailMessage);
        }

        if (request.ThrowUnhandled)
        {
            throw new InvalidOperationException("secret connection string Password=hunter2");
        }

        if (request.BlockIgnoringCancellation)
        {
            _hanging[request.Text] = true;
            await Gate(_gates, request.Text).Task;
            // Still a live request: its metadata must be this call's own.
            Gate(_finished, request.Text).TrySetResult(context.RequestHeaders.GetValue("x-tag") ?? "<none>");
        }

        if (request.Hang)
        {
            _hanging[request.Text] = true;
            // Captured now: once the server has answered, Kestrel recycles the HttpContext.
            var aborted = context.HttpContext.RequestAborted;
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                var why = aborted.IsCancellationRequested ? "cancelled" : "deadline";
                Hang(request.Text).TrySetResult(why);
                throw;
            }
        }

        var reply = new EchoReply
        {
            Text = request.Text,
            DeadlineRemainingMs = context.Deadline == DateTime.MaxValue
                ? -1
                : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds,
            TraceId = Activity.Current?.TraceId.ToString() ?? string.Empty,
            PayloadSize = request.Payload.Length,
            Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : ByteString.Empty,
            Peer = context.Peer,
        };
        foreach (var entry in context.RequestHeaders)
        {
            reply.Metadata[entry.Key] = entry.ValueBytes is { } bytes ? "base64:" + Convert.ToBase64String(bytes) : entry.Value!;
        }

        return reply;
    }

    private static TaskCompletionSource<string> Gate(ConcurrentDictionary<string, TaskCompletionSource<string>> gates, string text) =>
        gates.GetOrAdd(text, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<string> Hang(string text) =>
        _hangs.GetOrAdd(text, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
