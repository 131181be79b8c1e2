using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>The work of one task queue; <see cref="TaskWorkers"/> claims, heartbeats, retries and logs around it.</summary>
internal interface ITaskHandler
{
    string Queue { get; }

    /// <summary>How long a running attempt may go without a heartbeat when the queue's configuration sets none.</summary>
    TimeSpan DefaultHeartbeatTimeout { get; }

    /// <summary>Attempts before a failing task is given up when the queue's configuration sets none.</summary>
    int DefaultMaxAttempts { get; }

    /// <summary>Workers of this queue in this process.</summary>
    int Workers(TaskOptions options);

    /// <summary>Runs periodically (at start, then every few minutes) before the workers poll, e.g. to schedule recurring tasks.</summary>
    Task MaintainAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Does the task's work. <paramref name="cancellationToken"/> fires when the process stops or the
    /// task is stopped or cancelled through the management API: the work must stop promptly then.
    /// </summary>
    Task<TaskResult> RunAsync(QueuedTask task, CancellationToken cancellationToken);
}

/// <summary>How an attempt ended.</summary>
internal abstract record TaskResult
{
    /// <summary>
    /// Done. <paramref name="Effects"/> run in the transaction that logs the success and removes the
    /// task; what they answer (when not null) is the logged message.
    /// </summary>
    public sealed record Success(string? Message, Func<DbTransaction, Task<string?>>? Effects = null, string? ExecutionDetailsJson = null) : TaskResult;

    /// <summary>Failed for a reason that may pass: run again later (with backoff), until the attempts run out.</summary>
    public sealed record Retry(string Error) : TaskResult;

    /// <summary>Failed for good: no retry.</summary>
    public sealed record Failed(string Error) : TaskResult;

    /// <summary>Nothing left to do (e.g. what it worked on is gone).</summary>
    public sealed record Cancelled(string Message) : TaskResult;
}
