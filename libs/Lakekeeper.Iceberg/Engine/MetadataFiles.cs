using System.Globalization;
using System.IO.Compression;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Metadata file naming (<c>NNNNN-&lt;uuid&gt;.metadata.json</c>, <c>.gz.metadata.json</c> when gzip)
/// and in-memory gzip encoding. Tables default to no compression, views to gzip.
/// </summary>
public static class MetadataFiles
{
    public const string MetadataSuffix = ".metadata.json";
    public const string GzipMetadataSuffix = ".gz.metadata.json";
    public const string LegacyGzipSuffix = ".metadata.json.gz";

    /// <summary>Default limit for decompressed metadata (1 GiB) to bound hostile gzip input.</summary>
    public const long DefaultMaxDecompressedBytes = 1L << 30;

    public static string NextTableMetadataLocation(TableMetadata newMetadata, string? previousMetadataLocation) =>
        NextTableMetadataLocation(newMetadata, previousMetadataLocation, Guid.NewGuid());

    public static string NextTableMetadataLocation(TableMetadata newMetadata, string? previousMetadataLocation, Guid fileUuid)
    {
        ArgumentNullException.ThrowIfNull(newMetadata);
        return Next(newMetadata.Location, newMetadata.Properties, previousMetadataLocation, defaultGzip: false, fileUuid);
    }

    public static string NextViewMetadataLocation(ViewMetadata newMetadata, string? previousMetadataLocation) =>
        NextViewMetadataLocation(newMetadata, previousMetadataLocation, Guid.NewGuid());

    public static string NextViewMetadataLocation(ViewMetadata newMetadata, string? previousMetadataLocation, Guid fileUuid)
    {
        ArgumentNullException.ThrowIfNull(newMetadata);
        return Next(newMetadata.Location, newMetadata.Properties, previousMetadataLocation, defaultGzip: true, fileUuid);
    }

    /// <summary>Whether table metadata should be written gzip-compressed (<c>write.metadata.compression-codec=gzip</c>).</summary>
    public static bool UseGzip(TableMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return UseGzip(metadata.Properties, defaultGzip: false);
    }

    /// <summary>Whether view metadata should be written gzip-compressed (views default to gzip).</summary>
    public static bool UseGzip(ViewMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return UseGzip(metadata.Properties, defaultGzip: true);
    }

    /// <summary>
    /// The version number of a metadata file name: <c>00042-uuid.metadata.json</c> (also <c>.gz.metadata.json</c>,
    /// <c>.metadata.json.gz</c>) and <c>v42.metadata.json</c> give 42. Null when the name has no version.
    /// </summary>
    public static int? ParseVersion(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var name = location[(location.LastIndexOf('/') + 1)..];
        if (!name.EndsWith(MetadataSuffix, StringComparison.OrdinalIgnoreCase) && !name.EndsWith(LegacyGzipSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (name.Length > 1 && (name[0] == 'v' || name[0] == 'V') && char.IsAsciiDigit(name[1]))
        {
            var end = 1;
            while (end < name.Length && char.IsAsciiDigit(name[end]))
            {
                end++;
            }

            return name[end] == '.' ? ParseDigits(name[1..end]) : null;
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? ParseDigits(name[..dash]) : null;
    }

    public static bool IsGzip(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.EndsWith(GzipMetadataSuffix, StringComparison.OrdinalIgnoreCase)
            || location.EndsWith(LegacyGzipSuffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Returns the bytes to store: gzip-compressed when <paramref name="gzip"/>, else as is.</summary>
    public static byte[] Encode(byte[] json, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!gzip)
        {
            return json;
        }

        using var output = new MemoryStream(json.Length / 4 + 64);
        using (var zip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zip.Write(json);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Returns the JSON bytes of a stored metadata file. Gzip is detected by its magic bytes (the
    /// name is only a hint); corrupt or oversized gzip data is a 400 failure.
    /// </summary>
    public static Result<byte[]> Decode(ReadOnlySpan<byte> bytes, string location, long maxDecompressedBytes = DefaultMaxDecompressedBytes)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b)
        {
            return bytes.ToArray();
        }

        try
        {
            using var input = new MemoryStream(bytes.ToArray(), writable: false);
            using var zip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = zip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxDecompressedBytes)
                {
                    return IcebergError.BadRequest($"Metadata file {location} is larger than {maxDecompressedBytes} bytes when decompressed");
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            return IcebergError.BadRequest($"Cannot decompress metadata file {location}: {e.Message}");
        }
    }

    private static string Next(string location, StringMap properties, string? previous, bool defaultGzip, Guid fileUuid)
    {
        var directory = properties.TryGetValue(TableProperties.WriteMetadataPath, out var custom) && !string.IsNullOrWhiteSpace(custom)
            ? custom.TrimEnd('/')
            : location.TrimEnd('/') + "/metadata";
        var version = previous is null ? 0 : (ParseVersion(previous) ?? -1) + 1;
        var suffix = UseGzip(properties, defaultGzip) ? GzipMetadataSuffix : MetadataSuffix;
        return string.Create(CultureInfo.InvariantCulture, $"{directory}/{version:D5}-{fileUuid}{suffix}");
    }

    private static bool UseGzip(StringMap properties, bool defaultGzip) =>
        properties.TryGetValue(TableProperties.MetadataCompressionCodec, out var codec)
            ? string.Equals(codec.Trim(), "gzip", StringComparison.OrdinalIgnoreCase)
            : defaultGzip;

    private static int? ParseDigits(string s) =>
        s.Length > 0 && s.All(char.IsAsciiDigit) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
