using System.Globalization;
using System.Text.Json.Serialization;
using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Profiles;

/// <summary>
/// AWS S3 or an S3-compatible server:
/// <c>{"type":"s3","bucket":"lake","region":"eu-west-1","key-prefix":"warehouse","endpoint":"http://minio:9000","path-style-access":true}</c>,
/// with the settings of credential vending (<c>sts-*</c>) and remote signing (<c>remote-signing-*</c>),
/// named as Lakekeeper's management API names them.
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

    /// <summary>Vend short-lived STS credentials scoped to a table's location to engines (<c>AssumeRole</c>).</summary>
    [JsonPropertyName("sts-enabled")]
    public bool StsEnabled { get; init; }

    /// <summary><c>aws</c> (default) or <c>s3-compat</c>: how strictly ARNs are checked and where STS lives.</summary>
    [JsonPropertyName("flavor")]
    public S3Flavor Flavor { get; init; }

    /// <summary>
    /// Lakekeeper's "role to assume when accessing the bucket". Here it is the role vended credentials
    /// assume when <see cref="StsRoleArn"/> is unset (the catalog's own access uses the stored key).
    /// </summary>
    [JsonPropertyName("assume-role-arn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AssumeRoleArn { get; init; }

    /// <summary>The role STS <c>AssumeRole</c> takes for vended credentials (falls back to <see cref="AssumeRoleArn"/>).</summary>
    [JsonPropertyName("sts-role-arn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StsRoleArn { get; init; }

    /// <summary>STS endpoint when it differs from <see cref="Endpoint"/> (S3-compatible servers); unset for AWS.</summary>
    [JsonPropertyName("sts-endpoint")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Uri? StsEndpoint { get; init; }

    /// <summary>
    /// Lifetime of vended credentials, 900 to 43200 seconds (STS's limits); unset means 3600 (see
    /// <see cref="StsTokenLifetimeSeconds"/>). Nullable because the JSON source generator assigns every
    /// init-only property, so an initialiser would not survive reading a profile without the field.
    /// </summary>
    [JsonPropertyName("sts-token-validity-seconds")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StsTokenValiditySeconds { get; init; }

    /// <summary>Engines may have their S3 requests signed by the catalog; unset means true (see <see cref="IsRemoteSigningEnabled"/>).</summary>
    [JsonPropertyName("remote-signing-enabled")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? RemoteSigningEnabled { get; init; }

    [JsonIgnore]
    public long StsTokenLifetimeSeconds => StsTokenValiditySeconds ?? DefaultStsTokenValiditySeconds;

    [JsonIgnore]
    public bool IsRemoteSigningEnabled => RemoteSigningEnabled ?? true;

    /// <summary>How the signer finds the bucket in a URL: <c>auto</c> (default), <c>path</c>, <c>virtual-host</c>.</summary>
    [JsonPropertyName("remote-signing-url-style")]
    public S3UrlStyle RemoteSigningUrlStyle { get; init; }

    /// <summary>The KMS key the bucket encrypts with; vended credentials then may use it.</summary>
    [JsonPropertyName("aws-kms-key-arn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AwsKmsKeyArn { get; init; }

    public const long DefaultStsTokenValiditySeconds = 3600;
    public const long MinStsTokenValiditySeconds = 900;
    public const long MaxStsTokenValiditySeconds = 43200;

    /// <summary>The role vended credentials assume: <c>sts-role-arn</c>, else <c>assume-role-arn</c>.</summary>
    [JsonIgnore]
    public string? VendingRoleArn => StsRoleArn ?? AssumeRoleArn;

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

        if (Endpoint is { } endpoint && CheckEndpoint("endpoint", endpoint) is { } endpointError)
        {
            errors.Add(endpointError);
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

        ValidateDelegation(errors);
        return errors;
    }

    /// <summary>The STS, remote-signing and KMS settings.</summary>
    private void ValidateDelegation(List<string> errors)
    {
        var region = string.IsNullOrWhiteSpace(Region) ? "us-east-1" : Region;
        if (AssumeRoleArn is not null && Arns.CheckRole("assume-role-arn", AssumeRoleArn, Flavor, region) is { } assumeError)
        {
            errors.Add(assumeError);
        }

        if (StsRoleArn is not null && Arns.CheckRole("sts-role-arn", StsRoleArn, Flavor, region) is { } stsRoleError)
        {
            errors.Add(stsRoleError);
        }

        if (AwsKmsKeyArn is not null && Arns.CheckKmsKey("aws-kms-key-arn", AwsKmsKeyArn, Flavor, region) is { } kmsError)
        {
            errors.Add(kmsError);
        }

        if (StsEndpoint is { } sts && CheckEndpoint("sts-endpoint", sts) is { } stsEndpointError)
        {
            errors.Add(stsEndpointError);
        }

        if (StsTokenLifetimeSeconds is < MinStsTokenValiditySeconds or > MaxStsTokenValiditySeconds)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"sts-token-validity-seconds: must be between {MinStsTokenValiditySeconds} and {MaxStsTokenValiditySeconds} (STS's limits)"));
        }

        if (StsEnabled && Flavor == S3Flavor.Aws && VendingRoleArn is null)
        {
            errors.Add("sts-enabled: flavor 'aws' needs sts-role-arn (or assume-role-arn): the role vended credentials assume");
        }

        if (StsEndpoint is not null && !StsEnabled)
        {
            errors.Add("sts-endpoint: is set but sts-enabled is false");
        }
    }

    private static string? CheckEndpoint(string field, Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return $"{field}: '{StorageLocation.Shorten(endpoint.OriginalString)}' must be an absolute http:// or https:// URI";
        }

        if (endpoint.UserInfo.Length > 0)
        {
            return $"{field}: must not contain user information; put keys in the storage credential";
        }

        return endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 || endpoint.AbsolutePath != "/"
            ? $"{field}: '{StorageLocation.Shorten(endpoint.OriginalString)}' must have no path, query or fragment (e.g. http://minio:9000)"
            : null;
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
