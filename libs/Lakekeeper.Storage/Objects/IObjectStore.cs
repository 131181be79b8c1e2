using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Objects;

/// <summary>
/// One warehouse's object storage. Every location must lie under <see cref="BaseLocation"/>; others
/// are refused with <see cref="StorageErrorKind.Invalid"/>. Expected outcomes (missing object,
/// create-only conflict) are values; faults are <see cref="StorageException"/>s with a
/// <see cref="StorageErrorKind"/>; cancellation is <see cref="OperationCanceledException"/>.
/// Safe for concurrent use.
/// </summary>
public interface IObjectStore
{
    /// <summary>The warehouse base location every operation is confined to.</summary>
    StorageLocation BaseLocation { get; }

    /// <summary>
    /// Writes an object atomically: readers see the old content, nothing, or the whole new content,
    /// never a partial file. With <paramref name="createOnly"/>, an existing object is left untouched
    /// and the result is <see cref="StorageWriteResult.AlreadyExists"/>.
    /// </summary>
    Task<StorageWriteResult> WriteAsync(
        StorageLocation location, ReadOnlyMemory<byte> content, bool createOnly, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a whole object, at most <c>LAKEKEEPER__STORAGE__MAXREADBYTES</c> bytes (larger objects
    /// raise <see cref="StorageErrorKind.TooLarge"/>). A missing object is <see cref="StorageReadResult.NotFound"/>.
    /// </summary>
    Task<StorageReadResult> ReadAsync(StorageLocation location, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(StorageLocation location, CancellationToken cancellationToken);

    /// <summary>Deletes one object; deleting a missing object succeeds.</summary>
    Task DeleteAsync(StorageLocation location, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every object below <paramref name="prefix"/> (on segment boundaries: purging
    /// <c>…/t</c> never touches <c>…/t2</c>) and returns how many were deleted. The warehouse base
    /// itself cannot be purged. Idempotent; a failure part-way can be retried.
    /// </summary>
    Task<long> DeletePrefixAsync(StorageLocation prefix, CancellationToken cancellationToken);

    /// <summary>Every object below <paramref name="prefix"/> (segment boundaries, recursive).</summary>
    IAsyncEnumerable<StorageObjectInfo> ListAsync(StorageLocation prefix, CancellationToken cancellationToken);
}

/// <summary>Result of <see cref="IObjectStore.WriteAsync"/>.</summary>
public enum StorageWriteResult
{
    Written,

    /// <summary>A create-only write found an object at the location and changed nothing.</summary>
    AlreadyExists,
}

/// <summary>Result of <see cref="IObjectStore.ReadAsync"/>: the content, or not found.</summary>
public sealed class StorageReadResult
{
    private StorageReadResult(bool found, ReadOnlyMemory<byte> content)
    {
        Found = found;
        Content = content;
    }

    public static StorageReadResult NotFound { get; } = new(false, ReadOnlyMemory<byte>.Empty);

    public bool Found { get; }

    /// <summary>The object's bytes; empty when not found.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    public static StorageReadResult Of(ReadOnlyMemory<byte> content) => new(true, content);
}

/// <summary>An object found by <see cref="IObjectStore.ListAsync"/>.</summary>
public sealed record StorageObjectInfo(StorageLocation Location, long Size, DateTimeOffset? LastModified);
