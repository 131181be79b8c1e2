using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Persistence;

/// <summary>Postgres settings (section <c>Database</c>).</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>
    /// Npgsql connection string (<c>Host=…;Port=…;Username=…;Database=…</c>) or a
    /// <c>postgresql://user:password@host:port/database</c> URL.
    /// </summary>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>Password kept out of the connection string (e.g. from a Kubernetes secret).</summary>
    public string? Password { get; set; }

    /// <summary>How long a starting service waits for the database before giving up.</summary>
    [Range(0, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 30;

    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ConnectionString is null)
        {
            yield break;
        }

        string? error = null;
        try
        {
            _ = ConnectionStrings.ToNpgsql(ConnectionString);
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult($"is not a valid connection string or postgresql:// URL ({error})", [nameof(ConnectionString)]);
        }
    }
}
