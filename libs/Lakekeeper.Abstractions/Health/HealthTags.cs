namespace Lakekeeper.Abstractions.Health;

/// <summary>Tags a library puts on its health checks; the host maps the probes that select them.</summary>
public static class HealthTags
{
    /// <summary>Checks that must pass before the process takes traffic (<c>/health/ready</c>).</summary>
    public const string Ready = "ready";
}
