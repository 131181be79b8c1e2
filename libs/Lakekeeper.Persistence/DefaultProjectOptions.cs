using Lakekeeper.Persistence.Model;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Persistence;

/// <summary>
/// The default project, Lakekeeper's settings at the root: <c>LAKEKEEPER__ENABLE_DEFAULT_PROJECT</c>
/// (true) lets requests without <c>x-project-id</c> address the default project;
/// <c>LAKEKEEPER__DEFAULT_PROJECT_ID</c> (the nil UUID) is its id, created by bootstrap.
/// </summary>
public sealed class DefaultProjectOptions
{
    public const string EnableKey = "ENABLE_DEFAULT_PROJECT";
    public const string IdKey = "DEFAULT_PROJECT_ID";

    [ConfigurationKeyName(EnableKey)]
    public bool Enabled { get; set; } = true;

    [ConfigurationKeyName(IdKey)]
    public Guid Id { get; set; } = ProjectId.Default.Value;

    public ProjectId ProjectId => new(Id);

    /// <summary>
    /// The project a request names in <c>x-project-id</c> (<paramref name="header"/>), else the default
    /// one when enabled; null with the reason otherwise.
    /// </summary>
    public ProjectId? Resolve(string? header, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(header))
        {
            if (Enabled)
            {
                return ProjectId;
            }

            error = "x-project-id is required: this server has no default project (LAKEKEEPER__ENABLE_DEFAULT_PROJECT=false)";
            return null;
        }

        if (Guid.TryParse(header, out var id))
        {
            return new ProjectId(id);
        }

        error = "x-project-id must be a UUID";
        return null;
    }
}
