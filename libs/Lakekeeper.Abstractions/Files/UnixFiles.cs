using System.Runtime.InteropServices;

namespace Lakekeeper.Abstractions.Files;

/// <summary>
/// The few POSIX calls .NET does not expose: an atomic no-replace publish (<c>link</c>; .NET's
/// <c>File.Move(overwrite: false)</c> checks and then renames, which races) and <c>fsync</c> of a
/// directory (so a new or renamed entry survives a crash).
/// </summary>
public static partial class UnixFiles
{
    private const int EExist = 17; // Linux and macOS

    private static readonly bool IsUnix = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>
    /// Makes <paramref name="target"/> name the file at <paramref name="source"/> unless
    /// <paramref name="target"/> exists (then returns false and changes nothing). The source name
    /// may stay (Unix) or be gone (Windows); the caller removes it if present.
    /// </summary>
    public static bool TryPublishNoReplace(string source, string target)
    {
        if (!IsUnix)
        {
            // Windows: MoveFileEx without MOVEFILE_REPLACE_EXISTING is atomic and never replaces.
            try
            {
                File.Move(source, target, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(target) || Directory.Exists(target))
            {
                return false;
            }
        }

        if (Link(source, target) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == EExist)
        {
            return false;
        }

        throw new IOException($"link failed for '{target}' (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
    }

    /// <summary>Flushes a directory's entries to disk. No-op where directories cannot be synced.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!IsUnix)
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open directory '{directory}' to sync it (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of directory '{directory}' failed (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
