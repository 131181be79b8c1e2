using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Management.WebConsole;

/// <summary>One file of the built console, held in memory with its precompressed forms.</summary>
/// <param name="ETag">A strong entity tag of the content (SHA-256), the same on every replica.</param>
/// <param name="Immutable">A content-hashed file under <c>assets/</c>: cached for a year.</param>
internal sealed record ConsoleAsset(string ContentType, byte[] Identity, byte[]? Brotli, byte[]? Gzip, string ETag, bool Immutable);

/// <summary>
/// The built console (<c>console/dist</c>), read once into memory: a few hundred KiB. Content-hash
/// entity tags agree across replicas behind the gateway (file-time tags would not), and each text
/// file is compressed once (Brotli, gzip) instead of per request (docs/console.md).
/// </summary>
internal sealed partial class ConsoleAssets(IOptions<ConsoleOptions> options, ILogger<ConsoleAssets> logger)
{
    private const int MaxFiles = 2000;
    private const long MaxBytes = 64L * 1024 * 1024;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly FrozenSet<string> Compressible =
        new[] { ".js", ".mjs", ".css", ".html", ".json", ".svg", ".map", ".txt", ".webmanifest" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly Lock _lock = new();
    private FrozenDictionary<string, ConsoleAsset>? _files;

    /// <summary>The folder the console is read from.</summary>
    public string Folder => Path.GetFullPath(options.Value.AssetsPath ?? Path.Combine(AppContext.BaseDirectory, "console"));

    /// <summary>The files by path relative to the folder (<c>/</c>-separated), or null when the console is not built.</summary>
    public FrozenDictionary<string, ConsoleAsset>? Files
    {
        get
        {
            if (Volatile.Read(ref _files) is { } files)
            {
                return files;
            }

            lock (_lock)
            {
                if (_files is null && File.Exists(Path.Combine(Folder, "index.html")))
                {
                    _files = Load(Folder);
                    LogLoaded(logger, _files.Count, Folder);
                }

                return _files;
            }
        }
    }

    private static FrozenDictionary<string, ConsoleAsset> Load(string folder)
    {
        var files = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        long total = 0;
        foreach (var path in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.ReparsePoint }))
        {
            var relative = Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/');
            var content = File.ReadAllBytes(path);
            total += content.Length;
            if (files.Count >= MaxFiles || total > MaxBytes)
            {
                throw new InvalidOperationException($"The console folder {folder} holds more than {MaxFiles} files or {MaxBytes} bytes: is LAKEKEEPER__UI__ASSETS_PATH the built console?");
            }

            var extension = Path.GetExtension(path);
            var type = ContentTypes.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript" or "application/json")
            {
                type += "; charset=utf-8";
            }

            var compress = Compressible.Contains(extension) && content.Length > 512;
            files[relative] = new ConsoleAsset(
                type,
                content,
                compress ? Smaller(content, s => new BrotliStream(s, CompressionLevel.SmallestSize, leaveOpen: true)) : null,
                compress ? Smaller(content, s => new GZipStream(s, CompressionLevel.SmallestSize, leaveOpen: true)) : null,
                "\"" + Convert.ToBase64String(SHA256.HashData(content), 0, 18).Replace('+', '-').Replace('/', '_') + "\"",
                relative.StartsWith("assets/", StringComparison.Ordinal));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[]? Smaller(byte[] content, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(content);
        }

        return output.Length < content.Length ? output.ToArray() : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: {Count} files loaded from {Folder}")]
    private static partial void LogLoaded(ILogger logger, int count, string folder);
}
