using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Abstractions.Files;
using Lakekeeper.Abstractions.Hosting;

namespace Lakekeeper.Security.Secrets;

/// <summary>
/// Local mode's key file: one line, the base64 of 32 random bytes, readable by its owner only.
/// Created atomically: written to a private temporary file, flushed, then published with a
/// no-replace link, so a crash never leaves a partial key file and two processes starting at once
/// agree on one key.
/// </summary>
internal static class LocalKeyFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static byte[] LoadOrCreate(string path, out bool created)
    {
        try
        {
            if (File.Exists(path))
            {
                created = false;
                return Read(path);
            }

            if (Directory.Exists(path))
            {
                throw new FatalStartupException(
                    $"{SecretsOptions.LocalKeyFileVariable}={path} is a folder; name a file, e.g. {Path.Combine(path, "secret.key")}");
            }

            var key = RandomNumberGenerator.GetBytes(SecretsOptions.KeyBytes);
            if (TryCreate(path, key))
            {
                created = true;
                return key;
            }

            // Another process published its key first: use that one.
            CryptographicOperations.ZeroMemory(key);
            created = false;
            return Read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FatalStartupException(
                $"Cannot use the local secret key file {path} ({SecretsOptions.LocalKeyFileVariable}): {ex.Message}");
        }
    }

    private static byte[] Read(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                throw new FatalStartupException(
                    $"The local secret key file {path} is accessible to other users (mode {Convert.ToString((int)mode, 8)}); " +
                    $"restrict it with `chmod 600 {path}`.");
            }
        }

        var text = File.ReadAllText(path, Encoding.ASCII);
        return SecretsOptions.TryDecodeKey(text, out var problem)
            ?? throw new FatalStartupException(
                $"The local secret key file {path} is damaged: it {problem}. Restore it from a backup; " +
                "replacing it makes stored credentials unreadable.");
    }

    private static bool TryCreate(string path, byte[] key)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, OwnerOnlyFolder);
            }
        }

        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // The mode is set by open(2) itself: the key is never readable by others, not even briefly.
            options.UnixCreateMode = OwnerReadWrite;
        }

        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n");
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(encoded);
                stream.Flush(flushToDisk: true);
            }

            var published = UnixFiles.TryPublishNoReplace(temp, path);
            if (published)
            {
                UnixFiles.SyncDirectory(directory);
            }

            return published;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(encoded);
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
