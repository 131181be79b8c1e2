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

        if (request.Hang)
        {
            _hanging[request.Text] = true;
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                var why = context.HttpContext.RequestAborted.IsCancellationRequested ? "cancelled" : "deadline";
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

    private TaskCompletionSource<string> Hang(string text) =>
        _hangs.GetOrAdd(text, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
