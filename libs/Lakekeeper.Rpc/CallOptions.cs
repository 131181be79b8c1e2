namespace Lakekeeper.Rpc;

/// <summary>Per-call settings of a client call.</summary>
public readonly record struct CallOptions
{
    /// <summary>
    /// When the call must be finished (UTC). Sent as <c>grpc-timeout</c>; when it passes the call ends
    /// with <see cref="StatusCode.DeadlineExceeded"/>. Null: no deadline.
    /// </summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Custom request metadata (keys ending in <c>-bin</c> carry bytes).</summary>
    public Metadata? Headers { get; init; }

    /// <summary>Cancels the call; the call then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Options with a deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new() { Deadline = DateTime.UtcNow + timeout, CancellationToken = cancellationToken };
}
