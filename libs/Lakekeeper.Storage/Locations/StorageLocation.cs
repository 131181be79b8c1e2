using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Lakekeeper.Storage.Locations;

/// <summary>The storage systems a location can name.</summary>
public enum StorageScheme
{
    /// <summary><c>file:///abs/path</c>: a folder on the server's disk.</summary>
    File,

    /// <summary><c>s3://bucket/key</c> (<c>s3a://</c> and <c>s3n://</c> are read as <c>s3://</c>).</summary>
    S3,
}

/// <summary>
/// A validated, normalised object-storage location: <c>s3://bucket/a/b</c> or <c>file:///a/b</c>.
/// Immutable with value equality (ordinal: keys and Linux paths are case-sensitive). It is a class,
/// not a struct, so that no unvalidated <c>default</c> instance can exist.
/// </summary>
/// <remarks>
/// Parsing rejects anything that could be read as a different place by some consumer: relative
/// paths, <c>.</c> and <c>..</c> segments (also percent-encoded, e.g. <c>%2e%2e</c>), empty segments
/// (<c>//</c>), backslashes, control characters, <c>?</c> and <c>#</c> (Iceberg's S3 client treats them
/// as query and fragment) and malformed percent escapes. One trailing slash is dropped. The path is
/// otherwise taken literally, as Iceberg's file IOs do: <c>a%20b</c> is an object named
/// <c>a%20b</c>.
/// </remarks>
public sealed class StorageLocation : IEquatable<StorageLocation>
{
    /// <summary>Longest location string accepted, in characters.</summary>
    public const int MaxLength = 4096;

    /// <summary>Longest S3 key, in UTF-8 bytes (an S3 limit).</summary>
    public const int MaxS3KeyBytes = 1024;

    /// <summary>Longest file path, in UTF-8 bytes (Linux <c>PATH_MAX</c> minus the terminator).</summary>
    public const int MaxFilePathBytes = 4095;

    /// <summary>Longest file or folder name, in UTF-8 bytes (Linux <c>NAME_MAX</c>).</summary>
    public const int MaxFileNameBytes = 255;

    private readonly string _value;

    private StorageLocation(StorageScheme scheme, string bucket, string path)
    {
        Scheme = scheme;
        Bucket = bucket;
        Path = path;
        _value = Format(scheme, bucket, path);
    }

    public StorageScheme Scheme { get; }

    /// <summary>The S3 bucket; empty for <see cref="StorageScheme.File"/>.</summary>
    public string Bucket { get; }

    /// <summary>
    /// The path below the bucket (the S3 key) or below <c>/</c> (file), without leading or trailing
    /// slash; empty at the bucket or file-system root.
    /// </summary>
    public string Path { get; }

    /// <summary>The last path segment; empty at the root.</summary>
    public string Name => Path.Length == 0 ? string.Empty : Path[(Path.LastIndexOf('/') + 1)..];

    /// <summary>The parent location, or null at the root.</summary>
    public StorageLocation? Parent
    {
        get
        {
            if (Path.Length == 0)
            {
                return null;
            }

            var slash = Path.LastIndexOf('/');
            return new StorageLocation(Scheme, Bucket, slash < 0 ? string.Empty : Path[..slash]);
        }
    }

    /// <summary>For file locations, the absolute path on disk (<c>/a/b</c>).</summary>
    public string ToFileSystemPath() =>
        Scheme == StorageScheme.File
            ? "/" + Path
            : throw new InvalidOperationException($"{this} is not a file location");

    /// <summary>Parses and normalises a location; throws <see cref="FormatException"/> with the reason.</summary>
    public static StorageLocation Parse(string text) =>
        TryParse(text, out var location, out var error) ? location : throw new FormatException(error);

    /// <summary>Parses and normalises a location; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        location = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "location is empty";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"location is longer than {MaxLength} characters";
            return false;
        }

        var schemeEnd = text.IndexOf(':', StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            error = $"location '{Shorten(text)}' has no scheme; expected s3://bucket/path or file:///absolute/path";
            return false;
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 1)..];
        switch (scheme)
        {
            case "s3" or "s3a" or "s3n":
                return TryParseS3(text, rest, out location, out error);
            case "file":
                return TryParseFile(text, rest, out location, out error);
            default:
                error = $"location '{Shorten(text)}' has unsupported scheme '{Shorten(scheme)}'; expected s3:// or file://";
                return false;
        }
    }

    /// <summary>
    /// <c>s3a</c> or <c>s3n</c> when <paramref name="text"/> uses one of Hadoop's alternative S3 schemes
    /// (which parsing reads as <c>s3://</c>), else null.
    /// </summary>
    public static string? AlternativeSchemeOf(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var scheme in (ReadOnlySpan<string>)["s3a", "s3n"])
        {
            if (text.Length > scheme.Length && text[scheme.Length] == ':' && text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return scheme;
            }
        }

        return null;
    }

    /// <summary>True when this location is <paramref name="parent"/> itself or lies below it.</summary>
    public bool IsUnder(StorageLocation parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (Scheme != parent.Scheme || !string.Equals(Bucket, parent.Bucket, StringComparison.Ordinal))
        {
            return false;
        }

        if (parent.Path.Length == 0)
        {
            return true;
        }

        return Path.Length == parent.Path.Length
            ? string.Equals(Path, parent.Path, StringComparison.Ordinal)
            : Path.Length > parent.Path.Length
              && Path[parent.Path.Length] == '/'
              && Path.StartsWith(parent.Path, StringComparison.Ordinal);
    }

    /// <summary>True when this location lies below <paramref name="parent"/> and is not equal to it.</summary>
    public bool IsStrictlyUnder(StorageLocation parent) => IsUnder(parent) && !Equals(parent);

    /// <summary>True when either location contains the other (equal locations overlap).</summary>
    public bool Overlaps(StorageLocation other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return IsUnder(other) || other.IsUnder(this);
    }

    /// <summary>
    /// The path of this location below <paramref name="parent"/> (<c>a/b</c>), empty when equal, or
    /// null when it is not under it.
    /// </summary>
    public string? RelativeTo(StorageLocation parent)
    {
        if (!IsUnder(parent))
        {
            return null;
        }

        return Path.Length == parent.Path.Length
            ? string.Empty
            : parent.Path.Length == 0 ? Path : Path[(parent.Path.Length + 1)..];
    }

    /// <summary>
    /// Appends names as path segments, escaping each with <see cref="LocationNames.Escape"/> so that
    /// any table or namespace name gives a safe, readable segment. Throws <see cref="ArgumentException"/>
    /// for an empty name or a result that is too long; use <see cref="TryJoin"/> to get the reason as a value.
    /// </summary>
    public StorageLocation Join(params ReadOnlySpan<string> names) =>
        TryJoin(names, out var location, out var error) ? location : throw new ArgumentException(error, nameof(names));

    /// <inheritdoc cref="Join"/>
    public bool TryJoin(
        ReadOnlySpan<string> names,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        location = null;
        var builder = new StringBuilder(Path);
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name))
            {
                error = "a location segment cannot be empty";
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(LocationNames.Escape(name));
            if (builder.Length > MaxLength)
            {
                error = $"location is longer than {MaxLength} characters";
                return false;
            }
        }

        var joined = builder.ToString();
        return TryCreate(Scheme, Bucket, joined, Format(Scheme, Bucket, joined), out location, out error);
    }

    /// <summary>
    /// Appends already-formed segments (e.g. <c>metadata/00001-….metadata.json</c>) without escaping;
    /// each segment must pass the same checks as parsing.
    /// </summary>
    public bool TryAppendPath(
        string relativePath,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        location = null;
        if (string.IsNullOrEmpty(relativePath) || relativePath.StartsWith('/'))
        {
            error = "a relative path must be non-empty and must not start with '/'";
            return false;
        }

        var path = Path.Length == 0 ? relativePath : Path + "/" + relativePath;
        return TryCreate(Scheme, Bucket, path, Format(Scheme, Bucket, path), out location, out error);
    }

    /// <summary>Appends already-formed segments; throws <see cref="ArgumentException"/> when invalid.</summary>
    public StorageLocation AppendPath(string relativePath) =>
        TryAppendPath(relativePath, out var location, out var error)
            ? location
            : throw new ArgumentException(error, nameof(relativePath));

    public bool Equals(StorageLocation? other) =>
        other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is StorageLocation other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(StorageLocation? left, StorageLocation? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(StorageLocation? left, StorageLocation? right) => !(left == right);

    /// <summary>Builds a location from a scheme, bucket and relative path after validating every part.</summary>
    internal static bool TryCreate(
        StorageScheme scheme,
        string bucket,
        string path,
        string display,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        location = null;
        if (path.Length > 0)
        {
            foreach (var range in path.AsSpan().Split('/'))
            {
                var segment = path.AsSpan(range);
                if (CheckSegment(segment, scheme) is { } problem)
                {
                    error = $"location '{Shorten(display)}' is invalid: {problem}";
                    return false;
                }
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(path);
        if (scheme == StorageScheme.S3 && bytes > MaxS3KeyBytes)
        {
            error = $"location '{Shorten(display)}' is invalid: the S3 key is longer than {MaxS3KeyBytes} bytes";
            return false;
        }

        if (scheme == StorageScheme.File && bytes + 1 > MaxFilePathBytes)
        {
            error = $"location '{Shorten(display)}' is invalid: the path is longer than {MaxFilePathBytes} bytes";
            return false;
        }

        location = new StorageLocation(scheme, bucket, path);
        error = null;
        return true;
    }

    private static bool TryParseS3(string text, string rest, out StorageLocation? location, out string? error)
    {
        location = null;
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            error = $"location '{Shorten(text)}' is invalid: expected s3://bucket/path";
            return false;
        }

        var authorityAndPath = rest[2..];
        var slash = authorityAndPath.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? authorityAndPath : authorityAndPath[..slash];
        if (S3BucketNames.Check(bucket) is { } bucketProblem)
        {
            error = $"location '{Shorten(text)}' is invalid: {bucketProblem}";
            return false;
        }

        var path = slash < 0 ? string.Empty : authorityAndPath[(slash + 1)..];
        if (path.EndsWith('/'))
        {
            path = path[..^1];
        }

        return TryCreate(StorageScheme.S3, bucket, path, text, out location, out error);
    }

    private static bool TryParseFile(string text, string rest, out StorageLocation? location, out string? error)
    {
        location = null;
        string absolute;
        if (rest.StartsWith("///", StringComparison.Ordinal))
        {
            absolute = rest[2..];
        }
        else if (rest.StartsWith("//localhost/", StringComparison.OrdinalIgnoreCase))
        {
            absolute = rest["//localhost".Length..];
        }
        else if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            error = $"location '{Shorten(text)}' is invalid: file locations need an absolute path and no host, e.g. file:///var/lib/lakekeeper";
            return false;
        }
        else if (rest.StartsWith('/'))
        {
            // file:/abs/path, as java.io.File#toURI writes it.
            absolute = rest;
        }
        else
        {
            error = $"location '{Shorten(text)}' is invalid: file locations need an absolute path, e.g. file:///var/lib/lakekeeper";
            return false;
        }

        var path = absolute[1..];
        if (path.EndsWith('/'))
        {
            path = path[..^1];
        }

        return TryCreate(StorageScheme.File, string.Empty, path, text, out location, out error);
    }

    /// <summary>Why a segment is unsafe, or null when it is fine.</summary>
    private static string? CheckSegment(ReadOnlySpan<char> segment, StorageScheme scheme)
    {
        if (segment.IsEmpty)
        {
            return "empty path segment ('//')";
        }

        if (segment is "." or "..")
        {
            return "'.' and '..' segments are not allowed";
        }

        if (scheme == StorageScheme.File && Encoding.UTF8.GetByteCount(segment) > MaxFileNameBytes)
        {
            return $"a path segment is longer than {MaxFileNameBytes} bytes";
        }

        var hasPercent = false;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (IsControl(c))
            {
                return "control characters are not allowed";
            }

            switch (c)
            {
                case '\\':
                    return "backslashes are not allowed";
                case '?' or '#':
                    return "'?' and '#' are not allowed (they read as a query or fragment)";
                case '%':
                    hasPercent = true;
                    break;
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < segment.Length && char.IsLowSurrogate(segment[i + 1]))
                {
                    i++;
                    continue;
                }

                return "invalid Unicode (unpaired surrogate)";
            }
        }

        return hasPercent ? CheckDecoded(segment) : null;
    }

    /// <summary>
    /// Some consumers percent-decode paths. A segment must stay harmless when decoded once: no dot
    /// segments (<c>%2e%2e</c>, <c>a%2f..</c>), no control characters, valid escapes only.
    /// </summary>
    private static string? CheckDecoded(ReadOnlySpan<char> segment)
    {
        var bytes = new List<byte>(segment.Length);
        Span<byte> scratch = stackalloc byte[4];
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                if (i + 2 >= segment.Length || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2]))
                {
                    return "malformed percent escape (a literal '%' must be written as %25)";
                }

                bytes.Add((byte)((HexValue(segment[i + 1]) << 4) | HexValue(segment[i + 2])));
                i += 2;
                continue;
            }

            var length = char.IsHighSurrogate(c)
                ? Encoding.UTF8.GetBytes(segment.Slice(i++, 2), scratch)
                : Encoding.UTF8.GetBytes(segment.Slice(i, 1), scratch);
            for (var b = 0; b < length; b++)
            {
                bytes.Add(scratch[b]);
            }
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return "percent escapes that are not valid UTF-8";
        }

        foreach (var c in decoded)
        {
            if (IsControl(c))
            {
                return "percent-encoded control characters are not allowed";
            }
        }

        foreach (var range in decoded.AsSpan().SplitAny('/', '\\'))
        {
            if (decoded.AsSpan(range) is "." or "..")
            {
                return "percent-encoded '.' or '..' segments are not allowed";
            }
        }

        return null;
    }

    private static string Format(StorageScheme scheme, string bucket, string path) =>
        scheme == StorageScheme.S3
            ? (path.Length == 0 ? "s3://" + bucket : "s3://" + bucket + "/" + path)
            : "file:///" + path;

    internal static bool IsControl(char c) => c < 0x20 || (c >= 0x7F && c <= 0x9F);

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Keeps error messages readable (and bounded) for hostile input.</summary>
    internal static string Shorten(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text.Length > 200 ? text[..200] : text)
        {
            builder.Append(IsControl(c) ? '?' : c);
        }

        if (text.Length > 200)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }
}
