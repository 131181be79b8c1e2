namespace Lakekeeper.Persistence.Catalog;

/// <summary>The task queues this server runs (Lakekeeper's names), as <c>GET /management/v1/info</c> lists them.</summary>
public static class TaskQueues
{
    /// <summary>Deleting the files of a table or view dropped with purge.</summary>
    public const string TabularPurge = "tabular_purge";

    public static IReadOnlyList<string> Registered { get; } = [TabularPurge];
}
