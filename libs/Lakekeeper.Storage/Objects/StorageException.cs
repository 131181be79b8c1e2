namespace Lakekeeper.Storage.Objects;

/// <summary>What kind of storage failure happened, so callers can map it (e.g. 503 for transient).</summary>
public enum StorageErrorKind
{
    /// <summary>A container the operation needs is missing (e.g. the bucket).</summary>
    NotFound,

    /// <summary>The credential is refused or lacks a permission, or confinement forbids the access.</summary>
    AccessDenied,

    /// <summary>Timeouts, throttling, 5xx, network errors: retrying later may succeed.</summary>
    Unavailable,

    /// <summary>A concurrent change conflicted (e.g. S3 409 ConditionalRequestConflict); retry.</summary>
    Conflict,

    /// <summary>The request can never succeed as made: bad location, outside the warehouse, wrong region.</summary>
    Invalid,

    /// <summary>The object is larger than the configured read limit.</summary>
    TooLarge,
}

/// <summary>
/// A storage failure. The message names the location and the cause but never a credential.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException(StorageErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public StorageErrorKind Kind { get; }

    /// <summary>True when retrying the same operation later may succeed.</summary>
    public bool IsTransient => Kind is StorageErrorKind.Unavailable or StorageErrorKind.Conflict;
}
