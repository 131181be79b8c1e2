namespace Lakekeeper.Iceberg;

/// <summary>
/// The result of applying a commit: <see cref="Changed"/> (write a new metadata file),
/// <see cref="Unchanged"/> (nothing changed; the caller must not write a file) or <see cref="Failed"/>.
/// </summary>
public abstract record CommitOutcome<TMeta>
    where TMeta : class
{
    private CommitOutcome()
    {
    }

    public bool IsFailed => this is Failed;

    /// <summary>The resulting metadata (new for Changed, the current one for Unchanged), or null when failed.</summary>
    public TMeta? MetadataOrDefault => this switch
    {
        Changed c => c.Metadata,
        Unchanged u => u.Metadata,
        _ => null,
    };

    public IcebergError? ErrorOrDefault => (this as Failed)?.Error;

    public sealed record Changed(TMeta Metadata) : CommitOutcome<TMeta>;

    public sealed record Unchanged(TMeta Metadata) : CommitOutcome<TMeta>;

    public sealed record Failed(IcebergError Error) : CommitOutcome<TMeta>;
}
