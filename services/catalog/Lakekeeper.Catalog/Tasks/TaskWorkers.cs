using System.Text.Json;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Storage.Objects;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>
/// Runs the task queues of this process: for every queue, <c>TASK_&lt;QUEUE&gt;_WORKERS</c> loops that
/// claim a due task, run its handler while renewing the heartbeat, and record the outcome. Tasks are
/// durable in Postgres: a worker that dies (or hangs) stops renewing its heartbeat, and once the
/// heartbeat is older than the queue's timeout any worker of any process takes the task over; the
/// abandoned attempt is logged as failed. A failed attempt is retried with a growing delay until the
/// queue's <c>max-attempts</c>; a stop or cancel requested through <c>task/control</c> reaches a
/// running attempt at its next heartbeat.
/// </summary>
internal sealed partial class TaskWorkers(
    IEnumerable<ITaskHandler> handlers, TaskRepository tasks, IOptions<TaskOptions> options, ILogger<TaskWorkers> logger) : BackgroundService
{
    private static readonly TimeSpan MaintainEvery = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxHeartbeatInterval = TimeSpan.FromSeconds(20);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var loops = new List<Task>();
        foreach (var handler in handlers)
        {
            var workers = handler.Workers(settings);
            if (workers > 0)
            {
                loops.Add(MaintainLoopAsync(handler, stoppingToken));
            }

            for (var i = 0; i < workers; i++)
            {
                loops.Add(WorkLoopAsync(handler, settings.EffectivePollInterval, stoppingToken));
            }
        }

        return Task.WhenAll(loops);
    }

    private async Task MaintainLoopAsync(ITaskHandler handler, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await handler.MaintainAsync(stoppingToken);
                await Task.Delay(MaintainEvery, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogQueueUnavailable(logger, ex, handler.Queue);
                await DelayQuietlyAsync(TimeSpan.FromSeconds(10), stoppingToken);
            }
        }
    }

    private async Task WorkLoopAsync(ITaskHandler handler, TimeSpan pollInterval, CancellationToken stoppingToken)
    {
        // Workers of one process start at different moments, so that their polls spread out.
        await DelayQuietlyAsync(TimeSpan.FromMilliseconds(Random.Shared.Next((int)Math.Min(pollInterval.TotalMilliseconds, 1000))), stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOneAsync(handler, stoppingToken))
                {
                    await Task.Delay(pollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or Persistence.CommitOutcomeUnknownException)
            {
                LogQueueUnavailable(logger, ex, handler.Queue);
                await DelayQuietlyAsync(pollInterval * 5, stoppingToken);
            }
        }
    }

    /// <summary>Runs the next due task of the handler's queue; false when there was none.</summary>
    internal async Task<bool> RunOneAsync(ITaskHandler handler, CancellationToken stoppingToken)
    {
        var task = await tasks.ClaimAsync(handler.Queue, handler.DefaultHeartbeatTimeout, stoppingToken);
        if (task is null)
        {
            return false;
        }

        var maxAttempts = MaxAttempts(task, handler);
        if (task.StopRequested == StopRequest.Cancel)
        {
            await tasks.FinishAsync(task, "cancelled", "Cancelled through task/control", null, stoppingToken);
            return true;
        }

        if (task.Attempt > maxAttempts)
        {
            // Earlier attempts were abandoned (their workers died): do not start another.
            await tasks.FinishAsync(task, "failed", $"Gave up after {maxAttempts} attempt(s)", null, stoppingToken);
            LogGaveUp(logger, null, task.Queue, task.TaskId, maxAttempts);
            return true;
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var beats = new HeartbeatLoop(tasks, task, attempt, logger);
        var beating = beats.RunAsync();
        TaskResult result;
        try
        {
            result = await handler.RunAsync(task, attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested)
        {
            result = new TaskResult.Retry(stoppingToken.IsCancellationRequested ? "The worker's process stopped" : "Stopped");
        }
        catch (Exception ex) when (ex is StorageException or IOException or NpgsqlException or TimeoutException or FormatException or JsonException)
        {
            result = new TaskResult.Retry(ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in a handler must not end the worker: the attempt fails (and is retried) with the error logged.
            LogHandlerError(logger, ex, task.Queue, task.TaskId);
            result = new TaskResult.Retry("Unexpected error: " + ex.GetType().Name);
        }
        finally
        {
            await beats.StopAsync();
            await beating;
        }

        if (beats.Outcome == HeartbeatOutcome.Lost)
        {
            LogLost(logger, task.Queue, task.TaskId, task.Attempt);
            return true;
        }

        if (stoppingToken.IsCancellationRequested && result is TaskResult.Retry)
        {
            // The process is stopping: leave the task as it is; its heartbeat expires and another worker takes it over
            // (the outcome of a finished attempt is still recorded below, unless the stop cuts that short too).
            return true;
        }

        var finished = (beats.Outcome, result) switch
        {
            (HeartbeatOutcome.Cancel, _) => await tasks.FinishAsync(task, "cancelled", "Cancelled through task/control while running", null, stoppingToken),
            (HeartbeatOutcome.Stop, _) => await tasks.RetryLaterAsync(task, "Stopped through task/control", Backoff(task.Attempt), stoppingToken),
            (_, TaskResult.Success success) => await tasks.FinishAsync(task, "success", success.Message, success.Effects, stoppingToken, success.ExecutionDetailsJson),
            (_, TaskResult.Cancelled cancelled) => await tasks.FinishAsync(task, "cancelled", cancelled.Message, null, stoppingToken),
            (_, TaskResult.Failed failed) => await tasks.FinishAsync(task, "failed", failed.Error, null, stoppingToken),
            (_, TaskResult.Retry retry) when task.Attempt >= maxAttempts =>
                await tasks.FinishAsync(task, "failed", $"{retry.Error} (gave up after {task.Attempt} attempts)", null, stoppingToken),
            (_, TaskResult.Retry retry) => await tasks.RetryLaterAsync(task, retry.Error, Backoff(task.Attempt), stoppingToken),
            _ => false,
        };
        if (!finished)
        {
            LogLost(logger, task.Queue, task.TaskId, task.Attempt);
        }
        else if (result is TaskResult.Retry { Error: var error } && beats.Outcome == HeartbeatOutcome.Continue)
        {
            LogAttemptFailed(logger, task.Queue, task.TaskId, task.Attempt, error);
        }

        return true;
    }

    /// <summary>5 s, 10 s, 20 s, … up to an hour.</summary>
    internal static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, Math.Max(0, attempt - 1))));

    private static int MaxAttempts(QueuedTask task, ITaskHandler handler)
    {
        using var config = JsonDocument.Parse(task.ConfigJson);
        return config.RootElement.TryGetProperty("max-attempts", out var value) && value.TryGetInt32(out var attempts) && attempts > 0
            ? attempts
            : handler.DefaultMaxAttempts;
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Renews a running attempt's heartbeat (every third of its timeout, at most every 20 s) and
    /// cancels the attempt when a stop or cancel was requested or the task is no longer this worker's.
    /// </summary>
    private sealed class HeartbeatLoop(TaskRepository tasks, QueuedTask task, CancellationTokenSource attempt, ILogger logger)
    {
        private readonly CancellationTokenSource _stop = new();

        public HeartbeatOutcome Outcome { get; private set; } = HeartbeatOutcome.Continue;

        public async Task RunAsync()
        {
            var interval = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, Math.Min(MaxHeartbeatInterval.Ticks, task.HeartbeatTimeout.Ticks / 3)));
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    try
                    {
                        var outcome = await tasks.HeartbeatAsync(task, null, _stop.Token);
                        if (outcome != HeartbeatOutcome.Continue)
                        {
                            Outcome = outcome;
                            await attempt.CancelAsync();
                            return;
                        }
                    }
                    catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                    {
                        // A missed beat is not fatal: the timeout allows for a few.
                        LogQueueUnavailable(logger, ex, task.Queue);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The attempt ended.
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
        }
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Warning, Message = "Task {TaskId} of {Queue}: attempt {Attempt} failed and will be retried: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string queue, Guid taskId, int attempt, string error);

    [LoggerMessage(EventId = 331, Level = LogLevel.Error, Message = "Task {TaskId} of {Queue}: gave up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Exception? exception, string queue, Guid taskId, int attempts);

    [LoggerMessage(EventId = 332, Level = LogLevel.Warning, Message = "The task queue {Queue} is unavailable")]
    private static partial void LogQueueUnavailable(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 333, Level = LogLevel.Warning,
        Message = "Task {TaskId} of {Queue}: attempt {Attempt} is no longer this worker's (taken over after a missed heartbeat, or cancelled); its outcome is dropped")]
    private static partial void LogLost(ILogger logger, string queue, Guid taskId, int attempt);

    [LoggerMessage(EventId = 334, Level = LogLevel.Error, Message = "Task {TaskId} of {Queue}: the handler failed unexpectedly")]
    private static partial void LogHandlerError(ILogger logger, Exception exception, string queue, Guid taskId);
}
