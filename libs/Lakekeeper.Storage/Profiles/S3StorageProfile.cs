using System.Globalization;
using System.Text.Json.Serialization;
using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Profiles;

/// <summary>
/// AWS S3 or an S3-compatible server:
/// <c>{"type":"s3","bucket":"lake","region":"eu-west-1","key-prefix":"warehouse","endpoint":"http://minio:9000","path-style-access":true}</c>.
/// </summary>
public sealed record S3StorageProfile : StorageProfile
{
    public const string TypeName = "s3";

    [JsonPropertyName("bucket")]
    public required string Bucket { get; init; }

    /// <summary>The region requests are signed for (S3-compatible servers often accept any, e.g. <c>us-east-1</c>).</summary>
    [JsonPropertyName("region")]
    public required string Region { get; init; }

    /// <summary>Absolute http(s) URI of an S3-compatible server; unset for AWS.</summary>
    [JsonPropertyName("endpoint")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Uri? Endpoint { get; init; }

    /// <summary>Address buckets as <c>endpoint/bucket/key</c> instead of <c>bucket.endpoint/key</c>.</summary>
    [JsonPropertyName("path-style-access")]
    public bool PathStyleAccess { get; init; }

    /// <summary>Folder inside the bucket that holds the warehouse (no leading slash, no <c>..</c>).</summary>
    [JsonPropertyName("key-prefix")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KeyPrefix { get; init; }

    /// <summary>Vend STS credentials to engines (a later feature; stored now so profiles need no migration).</summary>
    [JsonPropertyName("sts-enabled")]
    public bool StsEnabled { get; init; }

    [JsonIgnore]
    public override string Type => TypeName;

    /// <summary>The key prefix without trailing slash; empty when unset.</summary>
    [JsonIgnore]
    public string NormalizedKeyPrefix => (KeyPrefix ?? string.Empty).TrimEnd('/');

    [JsonIgnore]
    public override StorageLocation BaseLocation =>
        ParseBase(NormalizedKeyPrefix.Length == 0 ? "s3://" + Bucket : "s3://" + Bucket + "/" + NormalizedKeyPrefix);

    public override IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (S3BucketNames.Check(Bucket) is { } bucketError)
        {
            errors.Add("bucket: " + bucketError);
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            errors.Add("region: is required (e.g. us-east-1)");
        }
        else if (Region.Length > 64 || Region.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            errors.Add($"region: '{StorageLocation.Shorten(Region)}' may contain only letters, digits, '-' and '_' (at most 64)");
        }

        if (Endpoint is { } endpoint)
        {
            if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"endpoint: '{StorageLocation.Shorten(endpoint.OriginalString)}' must be an absolute http:// or https:// URI");
            }
            else if (endpoint.UserInfo.Length > 0)
            {
                errors.Add("endpoint: must not contain user information; put keys in the storage credential");
            }
            else if (endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 || endpoint.AbsolutePath != "/")
            {
                errors.Add($"endpoint: '{StorageLocation.Shorten(endpoint.OriginalString)}' must have no path, query or fragment (e.g. http://minio:9000)");
            }
        }

        if (KeyPrefix is { Length: > 0 } prefix)
        {
            if (prefix.StartsWith('/'))
            {
                errors.Add("key-prefix: must not start with '/'");
            }
            else if (prefix.TrimEnd('/').Length == 0)
            {
                errors.Add("key-prefix: must not be only slashes");
            }
            else
            {
                // Check the prefix on its own, with a placeholder when the bucket itself is invalid.
                var bucket = S3BucketNames.Check(Bucket) is null ? Bucket : "bucket";
                if (!StorageLocation.TryParse("s3://" + bucket + "/" + prefix, out _, out var error))
                {
                    errors.Add("key-prefix: " + error);
                }
            }
        }

        return errors;
    }

    public override IReadOnlyDictionary<string, string> ClientConfig()
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["s3.region"] = Region,
            ["client.region"] = Region,
            ["s3.path-style-access"] = PathStyleAccess ? "true" : "false",
        };
        if (Endpoint is { } endpoint)
        {
            config["s3.endpoint"] = endpoint.GetLeftPart(UriPartial.Authority);
        }

        return config;
    }

    /// <summary>The endpoint as the AWS SDK's service URL (no trailing slash).</summary>
    internal string? ServiceUrl => Endpoint?.GetLeftPart(UriPartial.Authority);

    internal string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"s3://{Bucket} (region {Region}{(Endpoint is null ? string.Empty : ", endpoint " + ServiceUrl)})");
}
