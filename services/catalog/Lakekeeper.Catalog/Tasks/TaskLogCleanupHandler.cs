using System.Text.Json;
using Lakekeeper.Persistence.Catalog;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>
/// <c>task_log_cleanup</c>, a project-level queue: deletes a project's task log entries older than
/// its <c>retention-period</c> (default 90 days), then schedules its next run a <c>cleanup-period</c>
/// later (default and minimum one day). Every project gets its first run from the maintenance step.
/// </summary>
internal sealed class TaskLogCleanupHandler(TaskRepository tasks, TimeProvider time) : ITaskHandler
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(90);
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(1);

    public string Queue => TaskQueues.TaskLogCleanup;

    public TimeSpan DefaultHeartbeatTimeout => TimeSpan.FromMinutes(10);

    public int DefaultMaxAttempts => 5;

    public int Workers(TaskOptions options) => options.LogCleanupWorkers;

    public Task MaintainAsync(CancellationToken cancellationToken) => tasks.EnsureLogCleanupTasksAsync(cancellationToken);

    public Task<TaskResult> RunAsync(QueuedTask task, CancellationToken cancellationToken)
    {
        if (task.ProjectId is not { } project)
        {
            return Task.FromResult<TaskResult>(new TaskResult.Failed("The task names no project"));
        }

        var (retention, period) = Settings(task.ConfigJson);
        var now = time.GetUtcNow();
        return Task.FromResult<TaskResult>(new TaskResult.Success(null, async tx =>
        {
            var deleted = await TaskRepository.DeleteLogBeforeAsync(tx, project, now - retention, cancellationToken);
            await TaskRepository.EnqueueAsync(tx, new NewTask(Queue, null, null, "{}", now + period, Project: project), cancellationToken);
            return $"Deleted {deleted} task log entr{(deleted == 1 ? "y" : "ies")} finished before {now - retention:O}; next run at {now + period:O}";
        }));
    }

    /// <summary>The project's settings: ISO 8601 durations; a period under a day counts as a day (as Lakekeeper).</summary>
    internal static (TimeSpan Retention, TimeSpan Period) Settings(string configJson)
    {
        using var config = JsonDocument.Parse(configJson);
        var retention = Duration(config.RootElement, "retention-period") ?? DefaultRetention;
        var period = Duration(config.RootElement, "cleanup-period") ?? DefaultPeriod;
        return (retention, period < DefaultPeriod ? DefaultPeriod : period);
    }

    private static TimeSpan? Duration(JsonElement config, string name)
    {
        if (!config.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return System.Xml.XmlConvert.ToTimeSpan(value.GetString()!);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
