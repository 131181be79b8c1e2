using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Lakekeeper.Storage.Profiles;

/// <summary>Which S3 implementation a profile talks to (<c>flavor</c>): AWS itself, or an S3-compatible server.</summary>
[JsonConverter(typeof(S3FlavorJsonConverter))]
public enum S3Flavor
{
    /// <summary><c>aws</c>: ARNs and STS follow AWS's rules strictly.</summary>
    Aws,

    /// <summary><c>s3-compat</c> (alias <c>minio</c>): MinIO, Ceph, … whose STS accepts any role name.</summary>
    S3Compat,
}

/// <summary>How the signer reads the bucket from an S3 URL (<c>remote-signing-url-style</c>).</summary>
[JsonConverter(typeof(S3UrlStyleJsonConverter))]
public enum S3UrlStyle
{
    /// <summary><c>auto</c>: virtual-host when the host is <c>&lt;bucket&gt;.&lt;service host&gt;</c>, else path style.</summary>
    Auto,

    /// <summary><c>path</c>: <c>https://endpoint/bucket/key</c>.</summary>
    Path,

    /// <summary><c>virtual-host</c>: <c>https://bucket.endpoint/key</c>.</summary>
    VirtualHost,
}

/// <summary>
/// AWS partitions, derived from a region: <c>us-gov-west-1</c> → <c>aws-us-gov</c>, <c>cn-north-1</c>
/// → <c>aws-cn</c>, the isolated regions → <c>aws-iso*</c>, everything else → <c>aws</c> (Lakekeeper #1928).
/// </summary>
public static class AwsPartitions
{
    public static string FromRegion(string region)
    {
        var r = region.ToLowerInvariant();
        return r switch
        {
            _ when r.StartsWith("us-gov-", StringComparison.Ordinal) => "aws-us-gov",
            _ when r.StartsWith("cn-", StringComparison.Ordinal) => "aws-cn",
            _ when r.StartsWith("us-isob-", StringComparison.Ordinal) => "aws-iso-b",
            _ when r.StartsWith("us-isof-", StringComparison.Ordinal) => "aws-iso-f",
            _ when r.StartsWith("eu-isoe-", StringComparison.Ordinal) => "aws-iso-e",
            _ when r.StartsWith("us-iso-", StringComparison.Ordinal) => "aws-iso",
            _ when r.StartsWith("eusc-", StringComparison.Ordinal) => "aws-eusc",
            _ => "aws",
        };
    }

    /// <summary>The DNS suffix of S3 and STS hosts in the region's partition.</summary>
    public static string DnsSuffix(string region) => FromRegion(region) switch
    {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        "aws-iso-e" => "cloud.adc-e.uk",
        "aws-iso-f" => "csp.hci.ic.gov",
        "aws-eusc" => "amazonaws.eu",
        _ => "amazonaws.com",
    };
}

/// <summary>Checks of ARNs in S3 profiles.</summary>
internal static partial class Arns
{
    /// <summary>An IAM role ARN: <c>arn:aws:iam::123456789012:role/path/name</c>.</summary>
    [GeneratedRegex(@"^arn:(?<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::\d{12}:role/[\w+=,.@/-]{1,512}$", RegexOptions.CultureInvariant)]
    private static partial Regex AwsRole();

    /// <summary>A KMS key or alias ARN: <c>arn:aws:kms:eu-west-1:123456789012:key/…</c>.</summary>
    [GeneratedRegex(@"^arn:(?<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w+=,.@/-]{1,256}$", RegexOptions.CultureInvariant)]
    private static partial Regex AwsKmsKey();

    /// <summary>Problems of a role ARN, or null. S3-compatible servers name roles their own way (<c>arn:minio:iam:::role/x</c>).</summary>
    public static string? CheckRole(string field, string arn, S3Flavor flavor, string region) =>
        Check(field, arn, flavor, region, AwsRole(), "arn:aws:iam::123456789012:role/lakekeeper");

    public static string? CheckKmsKey(string field, string arn, S3Flavor flavor, string region) =>
        Check(field, arn, flavor, region, AwsKmsKey(), "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");

    private static string? Check(string field, string arn, S3Flavor flavor, string region, Regex aws, string example)
    {
        if (arn.Length is 0 or > 2048 || arn.Any(c => c <= ' ' || c >= 0x7F))
        {
            return $"{field}: must be 1 to 2048 printable ASCII characters without spaces";
        }

        if (!arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return $"{field}: must be an ARN (e.g. {example})";
        }

        if (flavor != S3Flavor.Aws)
        {
            return null;
        }

        var match = aws.Match(arn);
        if (!match.Success)
        {
            return $"{field}: '{Locations.StorageLocation.Shorten(arn)}' is not a valid ARN for flavor aws (e.g. {example})";
        }

        var expected = AwsPartitions.FromRegion(region);
        var partition = match.Groups["partition"].Value;
        return partition == expected
            ? null
            : $"{field}: partition '{partition}' does not match the region's partition '{expected}'";
    }
}

/// <summary>Reads and writes <see cref="S3Flavor"/> as Lakekeeper spells it (public for source-generated contexts of other assemblies).</summary>
public sealed class S3FlavorJsonConverter : JsonConverter<S3Flavor>
{
    public override S3Flavor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString() switch
            {
                "aws" => S3Flavor.Aws,
                "s3-compat" or "minio" => S3Flavor.S3Compat,
                var other => throw new JsonException($"flavor: unknown value '{Locations.StorageLocation.Shorten(other ?? string.Empty)}'; expected 'aws' or 's3-compat'"),
            }
            : throw new JsonException("flavor: must be a string ('aws' or 's3-compat')");

    public override void Write(Utf8JsonWriter writer, S3Flavor value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value == S3Flavor.Aws ? "aws" : "s3-compat");
}

/// <summary>Reads and writes <see cref="S3UrlStyle"/> as Lakekeeper spells it (public for source-generated contexts of other assemblies).</summary>
public sealed class S3UrlStyleJsonConverter : JsonConverter<S3UrlStyle>
{
    public override S3UrlStyle Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString() switch
            {
                "auto" => S3UrlStyle.Auto,
                "path" or "path-style" => S3UrlStyle.Path,
                "virtual-host" or "virtual_host" => S3UrlStyle.VirtualHost,
                var other => throw new JsonException($"remote-signing-url-style: unknown value '{Locations.StorageLocation.Shorten(other ?? string.Empty)}'; expected 'auto', 'path' or 'virtual-host'"),
            }
            : throw new JsonException("remote-signing-url-style: must be a string ('auto', 'path' or 'virtual-host')");

    public override void Write(Utf8JsonWriter writer, S3UrlStyle value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch
        {
            S3UrlStyle.Path => "path",
            S3UrlStyle.VirtualHost => "virtual-host",
            _ => "auto",
        });
}
