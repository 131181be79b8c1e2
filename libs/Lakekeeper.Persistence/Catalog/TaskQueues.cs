namespace Lakekeeper.Persistence.Catalog;

/// <summary>The task queues this server runs (Lakekeeper's names), as <c>GET /management/v1/info</c> lists them.</summary>
public static class TaskQueues
{
    /// <summary>Deleting the files of a table or view dropped with purge.</summary>
    public const string TabularPurge = "tabular_purge";

    /// <summary>Removing a soft-deleted table or view for real once its expiration has passed.</summary>
    public const string SoftDeletion = "soft_deletion";

    /// <summary>Deleting old task log entries of a project (a recurring project-level task).</summary>
    public const string TaskLogCleanup = "task_log_cleanup";

    public static IReadOnlyList<string> Registered { get; } = [SoftDeletion, TabularPurge, TaskLogCleanup];

    /// <summary>Queues configured per warehouse (<c>/warehouse/{id}/task-queue/{queue}/config</c>).</summary>
    public static IReadOnlyList<string> WarehouseQueues { get; } = [SoftDeletion, TabularPurge];

    /// <summary>Queues configured per project (<c>/project/task-queue/{queue}/config</c>).</summary>
    public static IReadOnlyList<string> ProjectQueues { get; } = [TaskLogCleanup];
}
