using System.Runtime.CompilerServices;
using Lakekeeper.Abstractions.Files;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Files;

/// <summary>
/// A warehouse in a local folder. Every path is built from a validated <see cref="StorageLocation"/>
/// under the root (no <c>..</c>, no separators inside segments) and every existing component below
/// the root is checked not to be a symbolic link, so nothing outside the root is read, written or
/// deleted. Writes go to a temporary file in the target folder, are flushed to disk, then published
/// by rename (replace) or hard link (create-only, atomic no-replace), and the folder is flushed too.
/// </summary>
internal sealed class FileObjectStore : IObjectStore
{
    /// <summary>Temporary files start with this; they are never read, listed or counted as objects.</summary>
    internal const string TempFilePrefix = ".lk-tmp-";

    private readonly string _root;
    private readonly long _maxReadBytes;

    public FileObjectStore(FileStorageProfile profile, long maxReadBytes)
    {
        BaseLocation = profile.BaseLocation;
        _root = BaseLocation.ToFileSystemPath();
        _maxReadBytes = maxReadBytes;
    }

    public StorageLocation BaseLocation { get; }

    public async Task<StorageWriteResult> WriteAsync(
        StorageLocation location, ReadOnlyMemory<byte> content, bool createOnly, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Resolve(location, allowBase: false);
        var directory = Path.GetDirectoryName(path)!;
        var temp = directory + "/" + TempFilePrefix + Guid.NewGuid().ToString("N");
        try
        {
            EnsureNoLinks(location, includeLeaf: false);
            try
            {
                await WriteIntoFolderAsync(directory, temp, location, content, cancellationToken);
                if (createOnly)
                {
                    if (!UnixFiles.TryPublishNoReplace(temp, path))
                    {
                        return StorageWriteResult.AlreadyExists;
                    }
                }
                else
                {
                    File.Move(temp, path, overwrite: true);
                }
            }
            finally
            {
                DeleteQuietly(temp);
            }

            UnixFiles.SyncDirectory(directory);
            return StorageWriteResult.Written;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Map(ex, "write", location);
        }
    }

    public async Task<StorageReadResult> ReadAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Resolve(location, allowBase: true);
        try
        {
            EnsureNoLinks(location, includeLeaf: true);
            if (Directory.Exists(path))
            {
                return StorageReadResult.NotFound;
            }

            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            var length = RandomAccess.GetLength(handle);
            if (length > _maxReadBytes)
            {
                throw new StorageException(
                    StorageErrorKind.TooLarge,
                    $"{location} is {length} bytes, more than the limit of {_maxReadBytes} (LAKEKEEPER__STORAGE__MAXREADBYTES)");
            }

            var buffer = new byte[length];
            var offset = 0;
            while (offset < buffer.Length)
            {
                var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(offset), offset, cancellationToken)
                    ;
                if (read == 0)
                {
                    // Published files never shrink (they are replaced whole); treat truncation as a fault.
                    throw new IOException($"{path} became shorter while it was read");
                }

                offset += read;
            }

            return StorageReadResult.Of(buffer);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return StorageReadResult.NotFound;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Map(ex, "read", location);
        }
    }

    public Task<bool> ExistsAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Resolve(location, allowBase: true);
        try
        {
            EnsureNoLinks(location, includeLeaf: true);
            return Task.FromResult(File.Exists(path));
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Map(ex, "check", location);
        }
    }

    public Task DeleteAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Resolve(location, allowBase: false);
        try
        {
            // A link at the leaf is removed itself (unlink never follows it); links above are refused.
            EnsureNoLinks(location, includeLeaf: false);
            if (!Directory.Exists(path) || IsLink(path))
            {
                File.Delete(path);
                RemoveEmptyFolders(Path.GetDirectoryName(path)!);
            }

            return Task.CompletedTask;
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Map(ex, "delete", location);
        }
    }

    public Task<long> DeletePrefixAsync(StorageLocation prefix, CancellationToken cancellationToken)
    {
        var path = Resolve(prefix, allowBase: false);
        return Task.Run(
            () =>
            {
                try
                {
                    EnsureNoLinks(prefix, includeLeaf: true);
                    return Directory.Exists(path) ? DeleteTree(path, cancellationToken) : 0L;
                }
                catch (DirectoryNotFoundException)
                {
                    return 0L;
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Map(ex, "purge", prefix);
                }
            },
            cancellationToken);
    }

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(
        StorageLocation prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = Resolve(prefix, allowBase: true);
        try
        {
            EnsureNoLinks(prefix, includeLeaf: true);
        }
        catch (Exception ex) when (IsIoFailure(ex))
        {
            throw Map(ex, "list", prefix);
        }

        if (!Directory.Exists(path))
        {
            yield break;
        }

        var pending = new Stack<(DirectoryInfo Directory, StorageLocation Location)>();
        pending.Push((new DirectoryInfo(path), prefix));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (directory, location) = pending.Pop();
            FileSystemInfo[] entries;
            try
            {
                entries = directory.GetFileSystemInfos();
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                throw Map(ex, "list", location);
            }

            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var entry in entries)
            {
                if ((entry.Attributes & FileAttributes.ReparsePoint) != 0 ||
                    entry.Name.StartsWith(TempFilePrefix, StringComparison.Ordinal) ||
                    !location.TryAppendPath(entry.Name, out var child, out _))
                {
                    // Links are never followed; temporary files are not objects; names a location
                    // cannot express (e.g. containing '?') are not addressable here.
                    continue;
                }

                if (entry is DirectoryInfo subdirectory)
                {
                    pending.Push((subdirectory, child));
                }
                else if (entry is FileInfo file)
                {
                    yield return new StorageObjectInfo(child, file.Length, file.LastWriteTimeUtc);
                }
            }

            await Task.Yield();
        }
    }

    /// <summary>The absolute path of a location inside the root; refuses anything else.</summary>
    /// <summary>
    /// Object storage has no folders: when a delete leaves folders empty (a create that lost a race
    /// wrote <c>&lt;name&gt;-&lt;uuid&gt;/metadata/</c> for one file), they go too, up to (not including)
    /// the warehouse root. Removing a folder only succeeds when it is empty, so a folder that a
    /// concurrent write fills is kept; a write that finds its folder just removed creates it again
    /// (<see cref="WriteAsync"/>).
    /// </summary>
    private void RemoveEmptyFolders(string folder)
    {
        var root = _root.TrimEnd('/');
        while (folder.Length > root.Length && folder.StartsWith(root + "/", StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(folder, recursive: false);
            }
            catch (IOException)
            {
                return; // Not empty (or already gone): the folders above are in use too.
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }

            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private string Resolve(StorageLocation location, bool allowBase)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.IsUnder(BaseLocation))
        {
            throw new StorageException(
                StorageErrorKind.Invalid, $"{location} is outside the warehouse location {BaseLocation}");
        }

        if (!allowBase && location.Equals(BaseLocation))
        {
            throw new StorageException(
                StorageErrorKind.Invalid, $"{location} is the warehouse location itself, not an object below it");
        }

        return location.ToFileSystemPath();
    }

    /// <summary>
    /// Refuses a symbolic link on any existing component below the root (and at the leaf when
    /// <paramref name="includeLeaf"/>). The root itself may be a link: the operator chose it.
    /// </summary>
    private void EnsureNoLinks(StorageLocation location, bool includeLeaf)
    {
        var relative = location.RelativeTo(BaseLocation)!;
        if (relative.Length == 0)
        {
            return;
        }

        var current = _root;
        var segments = relative.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i == segments.Length - 1 && !includeLeaf)
            {
                return;
            }

            current = current + "/" + segments[i];
            if (IsLink(current))
            {
                throw new StorageException(
                    StorageErrorKind.AccessDenied,
                    $"{location}: refusing to follow the symbolic link at {current} (links could lead outside the warehouse)");
            }

            if (!Path.Exists(current))
            {
                return;
            }
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Creates missing folders and flushes each new entry's parent so it survives a crash.</summary>
    /// <summary>
    /// Creates the folder and the temporary file in it. A delete elsewhere may remove the folder
    /// between the two when it was empty (<see cref="RemoveEmptyFolders"/>): then it is made again.
    /// Once the temporary file is in, the folder is not empty and stays.
    /// </summary>
    private async Task WriteIntoFolderAsync(string directory, string temp, StorageLocation location, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            CreateDirectoryDurably(directory, location);
            try
            {
                await WriteFileDurablyAsync(temp, content, cancellationToken);
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < 5)
            {
            }
        }
    }

    private void CreateDirectoryDurably(string directory, StorageLocation location)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var missing = new Stack<string>();
        for (var current = directory; !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
            if (current == "/" || current.Length <= 1)
            {
                break;
            }
        }

        Directory.CreateDirectory(directory);

        // Created folders may be links only if someone raced us; check again before writing into them.
        EnsureNoLinks(location, includeLeaf: false);
        foreach (var created in missing)
        {
            UnixFiles.SyncDirectory(Path.GetDirectoryName(created)!);
        }
    }

    private static async Task WriteFileDurablyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            PreallocationSize = content.Length,
        };
        var stream = new FileStream(path, options);
        await using (stream)
        {
            await stream.WriteAsync(content, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
    }

    private static long DeleteTree(string directory, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
            if (!isLink && entry is DirectoryInfo subdirectory)
            {
                count += DeleteTree(subdirectory.FullName, cancellationToken);
                continue;
            }

            // Files, and links themselves (never their targets).
            File.Delete(entry.FullName);
            if (!entry.Name.StartsWith(TempFilePrefix, StringComparison.Ordinal))
            {
                count++;
            }
        }

        Directory.Delete(directory, recursive: false);
        return count;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a left-over temporary file is invisible and removed by a purge.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static bool IsIoFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    private static StorageException Map(Exception ex, string operation, StorageLocation location) => ex switch
    {
        UnauthorizedAccessException => new StorageException(
            StorageErrorKind.AccessDenied, $"{operation} {location}: permission denied", ex),
        PathTooLongException => new StorageException(
            StorageErrorKind.Invalid, $"{operation} {location}: path too long", ex),
        DirectoryNotFoundException or FileNotFoundException => new StorageException(
            StorageErrorKind.NotFound, $"{operation} {location}: a parent folder does not exist", ex),
        _ => new StorageException(StorageErrorKind.Unavailable, $"{operation} {location}: {ex.Message}", ex),
    };
}
