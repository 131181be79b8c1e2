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

    /// <summary>
    /// Lakekeeper's <c>push-s3-delete-disabled</c>: engines are told not to delete objects
    /// (<c>s3.delete-enabled=false</c> in a table's config) and given no means to — a writer's vended
    /// credentials cannot delete and the signer refuses deletes (aborting a multipart upload stays
    /// allowed). Unset: on where the warehouse deletes softly (its delete profile), off where it deletes at once.
    /// </summary>
    [JsonPropertyName("push-s3-delete-disabled")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? PushS3DeleteDisabled { get; init; }

    /// <summary>
    /// Whether engines may not delete this warehouse's objects: <see cref="PushS3DeleteDisabled"/> when
    /// set, else whether the warehouse deletes softly — so that an engine's own purge (Spark's
    /// <c>DROP TABLE … PURGE</c> deletes the files itself) cannot bypass a soft deletion, while a warehouse
    /// that deletes at once lets engines clean up (<c>expire_snapshots</c>, <c>remove_orphan_files</c>).
    /// </summary>
    public bool ClientDeletesDisabled(bool softDeletion) => PushS3DeleteDisabled ?? softDeletion;

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

    /// <summary>
    /// Accept <c>s3a://</c> and <c>s3n://</c> table, view and metadata locations in this warehouse (Hadoop-era
    /// tables, usually registered); unset or false refuses them. Such locations are read as <c>s3://</c>.
    /// </summary>
    [JsonPropertyName("allow-alternative-protocols")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? AllowAlternativeProtocols { get; init; }

    /// <summary>
    /// Lakekeeper's <c>storage-layout</c>: how default table and view locations are built below the
    /// warehouse (<c>default</c>, <c>full-hierarchy</c>, <c>tabular-only</c>); unset keeps this server's own layout
    /// (namespace levels, then the name and the table id).
    /// </summary>
    [JsonPropertyName("storage-layout")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public StorageLayout? StorageLayout { get; init; }

    [JsonIgnore]
    public override StorageLayout? Layout => StorageLayout;

    private readonly SessionTags? _stsSessionTags;

    /// <summary>
    /// Session tags sent with every STS <c>AssumeRole</c> of vended credentials: at most 50, keys of 1 to 128
    /// and values of up to 256 letters, digits, spaces and <c>_ . : / = + - @</c>, no <c>aws:</c> prefix.
    /// </summary>
    // Held as SessionTags, which compares by value: object stores are cached by profile.
    [JsonPropertyName("sts-session-tags")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? StsSessionTags
    {
        get => _stsSessionTags;
        init => _stsSessionTags = value is null ? null : new SessionTags(value);
    }

    /// <summary>
    /// Lakekeeper's <c>legacy-md5-behavior</c>: the catalog's own DeleteObjects requests carry <c>Content-MD5</c>
    /// instead of the AWS SDK's CRC32 checksum, for S3-compatible servers that predate flexible checksums.
    /// </summary>
    [JsonPropertyName("legacy-md5-behavior")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? LegacyMd5Behavior { get; init; }

    /// <summary>Most session tags AWS STS accepts on one call.</summary>
    public const int MaxSessionTags = 50;

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

        if (StorageLayout is { } layout)
        {
            errors.AddRange(layout.Validate());
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

        if (StsSessionTags is { } tags)
        {
            ValidateSessionTags(errors, tags);
        }
    }

    /// <summary>AWS STS's rules for session tags, so that a bad tag fails here rather than at every vending.</summary>
    private static void ValidateSessionTags(List<string> errors, IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > MaxSessionTags)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"sts-session-tags: at most {MaxSessionTags} tags (STS's limit)"));
        }

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in tags)
        {
            var shown = StorageLocation.Shorten(key);
            if (key.Length is < 1 or > 128 || !key.All(IsTagCharacter))
            {
                errors.Add($"sts-session-tags: key '{shown}' must be 1 to 128 letters, digits, spaces or _ . : / = + - @");
            }
            else if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"sts-session-tags: key '{shown}' uses the reserved prefix 'aws:'");
            }
            else if (!keys.Add(key))
            {
                errors.Add($"sts-session-tags: key '{shown}' is given twice (STS compares keys without case)");
            }

            if (value is null || value.Length > 256 || !value.All(IsTagCharacter))
            {
                errors.Add($"sts-session-tags: the value of '{shown}' must be at most 256 letters, digits, spaces or _ . : / = + - @");
            }
        }
    }

    private static bool IsTagCharacter(char c) =>
        char.IsLetterOrDigit(c) || c == ' ' || c is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@';

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

/// <summary>An S3 profile's session tags: a read-only map that compares by value (ordinal keys and values).</summary>
public sealed class SessionTags : IReadOnlyDictionary<string, string>, IEquatable<SessionTags>
{
    private readonly SortedDictionary<string, string> _tags;

    public SessionTags(IEnumerable<KeyValuePair<string, string>> tags) => _tags = new(tags.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal);

    public int Count => _tags.Count;

    public IEnumerable<string> Keys => _tags.Keys;

    public IEnumerable<string> Values => _tags.Values;

    public string this[string key] => _tags[key];

    public bool ContainsKey(string key) => _tags.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => _tags.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _tags.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(SessionTags? other) =>
        other is not null && _tags.Count == other._tags.Count
        && _tags.All(t => other._tags.TryGetValue(t.Key, out var value) && string.Equals(value, t.Value, StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is SessionTags other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _tags)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
